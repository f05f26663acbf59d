import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { SessionWorkspace } from "@strand/protocol";
import type { Log } from "../log.js";
import { checkpointMessage } from "./commit-message.js";
import { GitError, git, gitMaybe } from "./git.js";

export interface CheckpointOptions {
  dir: string;
  workspace: SessionWorkspace;
  /** The turn's prompt: the checkpoint's message. */
  prompt: string;
  log: Log;
}

export interface CheckpointResult {
  /** The commit the branch is at after the checkpoint. */
  commit: string;
  /** Whether the server has it now. */
  pushed: boolean;
  /** Why it was not pushed (what the server or git said). */
  error?: string;
}

/** One checkpoint at a time per workspace: a second waits for the first (git's index is not shared). */
const running = new Map<string, Promise<unknown>>();

/**
 * The end of a turn: commits what the agent left uncommitted (everything, `git add -A`) and
 * pushes the branch to the server. Also pushes commits the agent made itself that the server
 * does not have yet. A refused push is reported in the result, not thrown; null when there was
 * nothing to commit or push.
 */
export function checkpoint(o: CheckpointOptions): Promise<CheckpointResult | null> {
  const before = running.get(o.dir) ?? Promise.resolve();
  const next = before.catch(() => {}).then(() => run(o));
  running.set(o.dir, next);
  void next
    .catch(() => {})
    .finally(() => {
      if (running.get(o.dir) === next) running.delete(o.dir);
    });
  return next;
}

async function run(o: CheckpointOptions): Promise<CheckpointResult | null> {
  const { dir, workspace: ws, log } = o;
  const changed = (await git(dir, ["status", "--porcelain"])).stdout.trim() !== "";
  let committed = false;
  if (changed) {
    const busy = await operationInProgress(dir);
    if (busy) {
      const head = await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", "HEAD"]);
      const error = `not checkpointed: a ${busy} is in progress in the workspace; finish or abort it first`;
      log("warn", error);
      return { commit: head ?? "", pushed: false, error };
    }
    await git(dir, ["add", "-A"]);
    committed = await hasStaged(dir);
    if (committed) {
      // Hooks are for the agent's own commits; a checkpoint must not be lost to a failing linter.
      const message = checkpointMessage(o.prompt, ws.co_author);
      await git(dir, ["commit", "--quiet", "--no-verify", "--cleanup=whitespace", "-F", "-"], message);
    }
  }
  if (!committed && !(await aheadOfOrigin(dir, ws))) return null;
  const commit = (await git(dir, ["rev-parse", "HEAD"])).stdout.trim();
  const setUpstream = await needsUpstream(dir, ws.branch);
  try {
    await git(dir, ["push", ...(setUpstream ? ["--set-upstream"] : []), "origin", `HEAD:refs/heads/${ws.branch}`]);
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    const error = pushRefusal(err.stderr);
    log("warn", "the checkpoint was committed but not pushed", { commit, branch: ws.branch, error });
    return { commit, pushed: false, error };
  }
  log("info", "checkpoint pushed", { commit, branch: ws.branch, committed });
  return { commit, pushed: true };
}

async function hasStaged(dir: string): Promise<boolean> {
  try {
    await git(dir, ["diff", "--cached", "--quiet"]);
    return false;
  } catch (err) {
    if (err instanceof GitError && err.code === 1) return true;
    throw err;
  }
}

/** A merge, rebase or cherry-pick the agent left half done: committing now would end it wrongly. */
async function operationInProgress(dir: string): Promise<string | undefined> {
  const markers: [string, string][] = [
    ["rebase-merge", "rebase"],
    ["rebase-apply", "rebase"],
    ["MERGE_HEAD", "merge"],
    ["CHERRY_PICK_HEAD", "cherry-pick"],
    ["REVERT_HEAD", "revert"],
  ];
  for (const [name, what] of markers) {
    const path = (await git(dir, ["rev-parse", "--git-path", name])).stdout.trim();
    if (await stat(resolve(dir, path)).catch(() => undefined)) return what;
  }
  return undefined;
}

/** Whether HEAD has commits the server's copy of the branch (or, before the first push, its base) lacks. */
async function aheadOfOrigin(dir: string, ws: SessionWorkspace): Promise<boolean> {
  if ((await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", "HEAD"])) === undefined) return false;
  for (const ref of [`refs/remotes/origin/${ws.branch}`, `refs/remotes/origin/${ws.base}`]) {
    if ((await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", ref])) === undefined) continue;
    return Number((await git(dir, ["rev-list", "--count", `${ref}..HEAD`])).stdout.trim()) > 0;
  }
  return true; // the server has neither: everything is new to it
}

/** The session's branch is checked out but tracks nothing yet (it was made from the base). */
async function needsUpstream(dir: string, branch: string): Promise<boolean> {
  const current = await gitMaybe(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  if (current !== branch) return false;
  return (await gitMaybe(dir, ["config", "--get", `branch.${branch}.merge`])) === undefined;
}

/** What the server said (its `remote:` lines) and git's verdict on the ref, for people. */
export function pushRefusal(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trimEnd());
  const remote = lines.filter((l) => l.startsWith("remote:")).map((l) => l.slice("remote:".length).trim());
  const verdict = lines.filter((l) => l.startsWith(" ! ") || l.startsWith("fatal:")).map((l) => l.trim());
  const said = [...remote.filter(Boolean), ...verdict];
  return (said.length ? said.join("\n") : stderr.trim() || "git push failed without saying why").slice(0, 4000);
}
