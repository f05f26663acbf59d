#!/usr/bin/env node
/**
 * `strand-agent`: the built-in ACP agent, spoken to over stdio (newline-delimited JSON-RPC).
 * stdout carries only ACP messages; logs are JSON lines on stderr.
 */
import { Readable, Writable } from "node:stream";
import { ndJsonStream } from "@agentclientprotocol/sdk";
import { AGENT_VERSION, createAgentApp } from "./acp/agent-app.js";
import { ENV_VARS, readConfig } from "./config.js";
import { stderrLog } from "./log.js";

const arg = process.argv[2];
if (arg === "--version") {
  process.stdout.write(`${AGENT_VERSION}\n`);
  process.exit(0);
}
if (arg === "--help" || arg === "-h") {
  const vars = Object.entries(ENV_VARS)
    .map(([k, v]) => `  ${k}\n      ${v}`)
    .join("\n");
  process.stdout.write(
    `strand-agent ${AGENT_VERSION}: the built-in Strand coding agent, an ACP agent on stdin/stdout.\n\nEnvironment:\n${vars}\n`,
  );
  process.exit(0);
}

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (err) {
  stderrLog("error", (err as Error).message);
  process.exit(2);
}

// Nothing may crash the agent mid-session: a stray rejection is logged, the connection carries on.
process.on("unhandledRejection", (err) => stderrLog("error", "unhandled rejection", { error: String(err) }));
process.on("uncaughtException", (err) => stderrLog("error", "uncaught exception", { error: err.stack ?? String(err) }));

const stream = ndJsonStream(
  Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
  Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
);
const app = createAgentApp({ config, log: stderrLog });
const connection = app.connect(stream);
stderrLog("info", "ready", {
  version: AGENT_VERSION,
  api: config.api,
  model: config.model,
  permissions: config.permissions,
});

/** Closes the sessions' MCP clients (stdio servers' processes end with them), for a second at most, then exits. */
const exit = () => {
  const closing = Promise.race([app.dispose(), new Promise((r) => setTimeout(r, 1000).unref())]);
  // The exit handler in tools/process.ts kills the process groups of commands still running.
  void closing.finally(() => process.exit(0));
};
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    connection.close();
    exit();
  });
}
connection.closed.then(exit, exit);
