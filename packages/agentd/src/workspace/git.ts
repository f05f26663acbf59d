import { spawn } from "node:child_process";

export interface GitResult {
  stdout: string;
  stderr: string;
}

/** A git command that exited non-zero; `stderr` is what git said. */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${shown(args)} failed (exit ${code}): ${stderr.trim() || "no output"}`);
    this.name = "GitError";
  }
}

/** The command without its `-c` settings (the credential helper is long and says nothing to people). */
function shown(args: readonly string[]): string {
  return args.filter((a, i) => a !== "-c" && args[i - 1] !== "-c").join(" ");
}

/** Variables that would point git at another repository than the one agentd means. */
const REPO_VARS = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"];

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  for (const name of REPO_VARS) delete env[name];
  // agentd runs unattended: a missing credential must fail at once, never wait for a prompt.
  delete env.GIT_ASKPASS;
  delete env.SSH_ASKPASS;
  return env;
}

/** Runs the real git CLI (argument array, no shell); rejects with a GitError on a non-zero exit. */
export function git(cwd: string, args: readonly string[], input?: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, env: gitEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.once("error", (err) => reject(new Error(`could not run git (is it installed?): ${err.message}`)));
    child.once("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new GitError(args, code, stderr));
    });
    // A git that exits before reading all of it says why itself; the broken pipe adds nothing.
    child.stdin.on("error", () => {});
    if (input === undefined) child.stdin.end();
    else child.stdin.end(input);
  });
}

/** Like `git`, but an expected failure (a missing ref, an unset key) answers undefined. */
export async function gitMaybe(cwd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return (await git(cwd, args)).stdout.trim();
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}

/** `git config --unset-all`, where a key that was never set is fine (git exits 5 for it). */
export async function unsetConfig(cwd: string, key: string): Promise<void> {
  try {
    await git(cwd, ["config", "--local", "--unset-all", key]);
  } catch (err) {
    if (!(err instanceof GitError && err.code === 5)) throw err;
  }
}
