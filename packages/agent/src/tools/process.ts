/**
 * Runs `bash -lc <command>` in its own process group, so a timeout or a cancel can kill everything
 * the command started (test runners, dev servers, pipes), not just the shell.
 */
import { spawn } from "node:child_process";

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
}

export interface RunOptions {
  command: string;
  cwd: string;
  timeoutMs: number;
  signal: AbortSignal;
  onOutput(chunk: Buffer): void;
  env?: NodeJS.ProcessEnv;
}

/** How long to wait after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 1000;
/** After the shell exits, how long to keep reading pipes that a background child may still hold open. */
const DRAIN_MS = 100;

const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) killGroup(pid, "SIGKILL");
});

export function runProcess(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-lc", opts.command], {
      cwd: opts.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        // Nothing may wait for a person at a keyboard: pagers and credential prompts would hang the turn.
        PAGER: "cat",
        GIT_PAGER: "cat",
        GIT_TERMINAL_PROMPT: "0",
        ...opts.env,
      },
    });
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const pid = child.pid;
    if (pid) running.add(pid);
    child.stdout.on("data", opts.onOutput);
    child.stderr.on("data", opts.onOutput);

    const stop = () => {
      if (!pid) return;
      killGroup(pid, "SIGTERM");
      setTimeout(() => killGroup(pid, "SIGKILL"), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    opts.signal.addEventListener("abort", onAbort, { once: true });
    if (opts.signal.aborted) onAbort();

    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener("abort", onAbort);
      if (pid) running.delete(pid);
      resolve({ exitCode: code, signal: sig, timedOut, cancelled, durationMs: Date.now() - started });
    };
    child.once("error", (err) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    child.once("close", finish);
    child.once("exit", (code, sig) => {
      // A background child (`server &`) keeps the pipes open; do not wait for it beyond a short drain.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, sig);
      }, DRAIN_MS).unref();
    });
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
