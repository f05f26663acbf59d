import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const STRAND_BIN = `${REPO_ROOT}packages/cli/bin/strand.js`;

// Servers a failed test did not get to stop must not outlive the test run.
const spawned = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of spawned) p.kill("SIGKILL");
});

function assertBuilt(): void {
  if (!existsSync(`${REPO_ROOT}packages/cli/dist/main.js`)) {
    throw new Error("the CLI is not built; run `npm run build` (npm test does it for you)");
  }
}

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

/** Runs `strand server` as a real child process and waits until it listens. */
export async function spawnServer(opts: {
  env: Record<string, string>;
  dataDir: string;
  port?: number;
  /** Run the embedded sandbox node, bound on all addresses so containers can dial back. */
  node?: boolean;
  /** Address to bind (default: 0.0.0.0 with a node, else 127.0.0.1). */
  host?: string;
}): Promise<ServerProcess> {
  assertBuilt();
  // Without `node`, no embedded sandbox node: control-plane tests must not start desktops.
  const host = opts.host ?? (opts.node ? "0.0.0.0" : "127.0.0.1");
  const args = [...(opts.node ? [] : ["--no-node"]), "--host", host];
  const proc = spawn(
    process.execPath,
    [STRAND_BIN, "server", ...args, "--port", String(opts.port ?? 0), "--data-dir", opts.dataDir],
    { env: { ...process.env, LOG_LEVEL: "info", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  spawned.add(proc);
  proc.once("exit", () => spawned.delete(proc));
  let out = "";
  const exited = new Promise<number | string>((resolve) =>
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Strand is running at http:\/\/[^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
  return { proc, port, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one `strand` command to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [STRAND_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c) => (stdout += c));
    proc.stderr.on("data", (c) => (stderr += c));
    proc.stdin.end(input ?? "");
    proc.once("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
