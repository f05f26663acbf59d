import { appendFile, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { SessionWorkspace } from "@strand/protocol";
import type { Log } from "../log.js";
import { configureIdentity } from "./commit-identity.js";
import { configureCredentials, credentialArgs, remoteUrl } from "./credential-helper.js";
import { GitError, git, gitMaybe } from "./git.js";

export interface PrepareWorkspaceOptions {
  /** The workspace directory (`~/work`), where the agent runtime runs. */
  dir: string;
  /** The session token file; read by git's credential helper at each fetch and push. */
  tokenFile: string;
  workspace: SessionWorkspace;
  log: Log;
}

export interface PreparedWorkspace {
  branch: string;
  /** The commit the branch is at; null on an unborn branch (the repo has no commits yet). */
  head: string | null;
}

/** agentd's own files in the workspace (acp-sessions.ts), never part of a checkpoint. */
const AGENTD_EXCLUDE = "/.strand/agentd/";

/**
 * Makes the workspace a clone of the session's repo with the session's branch checked out.
 * Safe to run at every agentd start:
 * - `dir/.git` exists: its config is applied again and the branch checked out (git's own
 *   checkout, which keeps uncommitted work or refuses); nothing is reset or discarded.
 * - `dir` is empty: a clone.
 * - `dir` holds files but no `.git`: the repo is fetched into it in place (`git init` + fetch)
 *   and the branch checked out around the files. Git refuses when one of them would be
 *   overwritten; then the `.git` made here is removed again, the files stay as they were, and
 *   the error names them.
 */
export async function prepareWorkspace(o: PrepareWorkspaceOptions): Promise<PreparedWorkspace> {
  const { dir, workspace, log } = o;
  await mkdir(dir, { recursive: true });
  await checkRefName(dir, workspace.branch, "branch");
  await checkRefName(dir, workspace.base, "base");
  const url = remoteUrl(workspace.clone_url);
  const state = await inspect(dir);
  if (state === "repo") {
    await adoptOrigin(dir, url, log);
    await configure(o);
    await git(dir, ["fetch", "--prune", "origin"]).catch((err: Error) =>
      log("warn", "could not fetch the workspace's origin; using what the clone already has", { err: err.message }),
    );
    await ensureBranch(dir, workspace);
  } else if (state === "empty") {
    log("info", "cloning the session's repo into the workspace", { repo: workspace.repo, url, dir });
    await git(dir, [...credentialArgs(url, o.tokenFile), "clone", "--origin", "origin", url, "."]);
    await configure(o);
    await ensureBranch(dir, workspace);
  } else {
    log("info", "the workspace holds files but no clone; fetching the repo into it", { repo: workspace.repo, dir });
    await git(dir, ["init", "--quiet"]);
    try {
      await git(dir, ["remote", "add", "origin", url]);
      await configure(o);
      await git(dir, ["fetch", "origin"]);
      await ensureBranch(dir, workspace);
    } catch (err) {
      await rm(join(dir, ".git"), { recursive: true, force: true });
      throw new Error(
        `the workspace ${dir} already holds files that are not a clone of ${workspace.repo}, and checking out ` +
          `${workspace.branch} around them failed: ${gitMessage(err)}. Move those files away and restart the session.`,
      );
    }
  }
  const head = (await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", "HEAD"])) || null;
  log("info", "the workspace is ready", { repo: workspace.repo, branch: workspace.branch, head });
  return { branch: workspace.branch, head };
}

async function inspect(dir: string): Promise<"repo" | "empty" | "occupied"> {
  if (await stat(join(dir, ".git")).catch(() => undefined)) return "repo";
  return (await readdir(dir)).length === 0 ? "empty" : "occupied";
}

/**
 * An existing clone must be of this repo. The same repo at another address (the server's URL
 * changed) is followed; another repo is refused rather than pushed to the session's branch.
 */
async function adoptOrigin(dir: string, url: string, log: Log): Promise<void> {
  const current = await gitMaybe(dir, ["remote", "get-url", "origin"]);
  if (current === url) return;
  if (current === undefined) {
    await git(dir, ["remote", "add", "origin", url]);
    return;
  }
  if (samePath(current, url)) {
    log("info", "the repo's address changed; following it", { from: current, to: url });
    await git(dir, ["remote", "set-url", "origin", url]);
    return;
  }
  throw new Error(
    `the workspace ${dir} is a clone of ${current}, not of the session's repo ${url}; ` +
      "move it away (or set its origin to the session's repo) and restart the session",
  );
}

function samePath(a: string, b: string): boolean {
  try {
    return new URL(a).pathname === new URL(b).pathname;
  } catch {
    return false;
  }
}

async function configure(o: PrepareWorkspaceOptions): Promise<void> {
  await configureCredentials(o.dir, remoteUrl(o.workspace.clone_url), o.tokenFile);
  await configureIdentity(o.dir, o.workspace, o.log);
  // The agent's own first `git push` creates the upstream branch instead of failing for want of one.
  await git(o.dir, ["config", "--local", "push.autoSetupRemote", "true"]);
  await excludeAgentdFiles(o.dir);
}

async function excludeAgentdFiles(dir: string): Promise<void> {
  const infoDir = join(dir, ".git", "info");
  const file = join(infoDir, "exclude");
  const text = await readFile(file, "utf8").catch(() => "");
  if (text.split("\n").includes(AGENTD_EXCLUDE)) return;
  await mkdir(infoDir, { recursive: true });
  await appendFile(file, `${text && !text.endsWith("\n") ? "\n" : ""}${AGENTD_EXCLUDE}\n`);
}

/**
 * Checks out the session's branch: the local one, else the one on origin (tracking it), else a
 * new one from origin's base (its upstream is set by the first push). Uses `git switch`, which
 * carries uncommitted changes over or refuses; it never discards them.
 */
async function ensureBranch(dir: string, ws: SessionWorkspace): Promise<void> {
  const current = await gitMaybe(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const born = (await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", "HEAD"])) !== undefined;
  if (current === ws.branch && born) return;
  if (await refExists(dir, `refs/heads/${ws.branch}`)) {
    await git(dir, ["switch", ws.branch]);
  } else if (await refExists(dir, `refs/remotes/origin/${ws.branch}`)) {
    await git(dir, ["switch", "--track", "-c", ws.branch, `origin/${ws.branch}`]);
  } else if (await refExists(dir, `refs/remotes/origin/${ws.base}`)) {
    await git(dir, ["switch", "--no-track", "-c", ws.branch, `origin/${ws.base}`]);
  } else {
    const remote = (await git(dir, ["for-each-ref", "--format=%(refname:lstrip=3)", "refs/remotes/origin"])).stdout
      .split("\n")
      .filter((b) => b && b !== "HEAD");
    if (remote.length > 0 || born) {
      throw new Error(
        `the base branch "${ws.base}" is not in ${ws.repo} (its branches: ${remote.join(", ") || "none"}); ` +
          "the session's base must name an existing branch",
      );
    }
    // An empty repo: the branch is born with the first commit.
    await git(dir, ["symbolic-ref", "HEAD", `refs/heads/${ws.branch}`]);
  }
}

async function refExists(dir: string, ref: string): Promise<boolean> {
  return (await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])) !== undefined;
}

async function checkRefName(dir: string, name: string, what: string): Promise<void> {
  if ((await gitMaybe(dir, ["check-ref-format", "--branch", name])) === undefined || name.startsWith("-")) {
    throw new Error(`the session's ${what} "${name}" is not a valid git branch name`);
  }
}

function gitMessage(err: unknown): string {
  if (err instanceof GitError) return err.stderr.trim() || err.message;
  return (err as Error).message;
}
