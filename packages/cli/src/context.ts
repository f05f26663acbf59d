import { StrandClient } from "@strand/sdk";
import type { Command } from "commander";
import { DEFAULT_SERVER, readCredentials } from "./credentials.js";
import { createOutput, type Output } from "./output.js";

export interface GlobalOptions {
  server?: string;
  token?: string;
  json?: boolean;
}

/** Resolves server and token: flag, then STRAND_URL / STRAND_TOKEN, then `strand login`'s file. */
export function clientFor(cmd: Command): { client: StrandClient; out: Output } {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const saved = readCredentials();
  const server = opts.server ?? process.env.STRAND_URL ?? saved?.server ?? DEFAULT_SERVER;
  const token =
    opts.token ?? process.env.STRAND_TOKEN ?? (saved && sameServer(saved.server, server) ? saved.token : undefined);
  return { client: new StrandClient({ baseUrl: server, token }), out: createOutput(Boolean(opts.json)) };
}

function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}
