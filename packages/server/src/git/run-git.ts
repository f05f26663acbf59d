import { spawn } from "node:child_process";
import { GitError } from "./errors.js";

export interface RunGitOptions {
  cwd?: string;
  /** Runs against this repository (`git --git-dir <gitDir> …`), bare or not. */
  gitDir?: string;
  /** Added on top of the clean environment; an `undefined` value removes a variable. */
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  /** Kills git (SIGKILL) after this long; the error then has `timedOut: true`. */
  timeoutMs?: number;
}

export interface GitResult {
  stdout: string;
  stderr: string;
}

/** Git exited non-zero, was killed, or could not start. */
export class GitCommandError extends GitError {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(describeFailure(args, exitCode, stderr, timedOut, options?.cause), 500, "git_failed", options);
  }

  /** Git's own last non-empty stderr line: usually the `fatal:` that says what went wrong. */
  get lastStderrLine(): string {
    return lastLine(this.stderr);
  }
}

// Variables a host may legitimately need git to see: where programs are, where temp files go, proxies,
// and the ssh agent. Everything else (GIT_DIR, GIT_WORK_TREE, XDG_CONFIG_HOME, a user's askpass…) stays out.
const PASSED_THROUGH = [
  "PATH",
  "TMPDIR",
  "SSH_AUTH_SOCK",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
];

/**
 * The environment every git child gets: no system or global config, no home directory to find config,
 * attributes or credentials in, never a prompt, and English messages so stderr can be classified.
 * HOME=/dev/null is a file, so nothing can ever exist "under" it; git ignores the ENOTDIR.
 */
export function gitEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    HOME: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
  });
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

const STDERR_KEEP = 64 * 1024;

/** Runs git and collects its output. Throws `GitCommandError` unless git exits 0. */
export async function runGit(args: string[], opts: RunGitOptions = {}): Promise<GitResult> {
  const chunks: Buffer[] = [];
  const { stderr } = await streamGit(
    args,
    opts,
    (chunk) => chunks.push(chunk),
    () => Buffer.concat(chunks).toString("utf8"),
  );
  return { stdout: Buffer.concat(chunks).toString("utf8"), stderr };
}

/**
 * Runs git and hands each stdout chunk to `onStdout` as it arrives, for output too large to hold
 * (patches). `stdoutForError` supplies what the error reports as stdout.
 */
export function streamGit(
  args: string[],
  opts: RunGitOptions,
  onStdout: (chunk: Buffer) => void,
  stdoutForError: () => string = () => "",
): Promise<{ stderr: string }> {
  const fullArgs = opts.gitDir ? ["--git-dir", opts.gitDir, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn("git", fullArgs, {
      cwd: opts.cwd,
      env: gitEnv(opts.env),
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group: git runs helpers (git-remote-http, ssh, pack-objects) that hold our
      // pipes open, so a timeout has to kill the whole group, not just git.
      detached: true,
    });
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup();
          }, opts.timeoutMs);
    const fail = (exitCode: number | null, cause?: unknown) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      reject(new GitCommandError(args, exitCode, stderr, stdoutForError(), timedOut, { cause }));
    };
    child.stdout.on("data", (chunk: Buffer) => {
      try {
        onStdout(chunk);
      } catch (err) {
        killGroup();
        fail(null, err);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      if (stderr.length > STDERR_KEEP * 2) stderr = stderr.slice(-STDERR_KEEP);
    });
    child.on("error", (err) => fail(null, err));
    child.on("close", (code) => {
      if (code === 0 && !timedOut) {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve({ stderr });
      } else fail(code);
    });
    // Git may exit before reading all its input (a refused command); that EPIPE is not our failure.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

function describeFailure(
  args: readonly string[],
  exitCode: number | null,
  stderr: string,
  timedOut: boolean,
  cause: unknown,
) {
  const command = `git ${args.join(" ")}`;
  const shown = command.length > 200 ? `${command.slice(0, 200)}…` : command;
  const how = timedOut ? "timed out and was killed" : exitCode === null ? "could not run" : `exited ${exitCode}`;
  const said = lastLine(stderr) || (cause instanceof Error ? cause.message : "");
  return `${shown} ${how}${said ? `: ${said}` : ""}`;
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line) return line;
  }
  return "";
}
