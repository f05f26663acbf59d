import { GitError } from "./errors.js";
import { GitCommandError, type RunGitOptions, runGit } from "./run-git.js";

export class RefNotFoundError extends GitError {
  constructor(
    readonly repoPath: string,
    readonly ref: string,
  ) {
    super(`no branch or commit ${JSON.stringify(ref)} in this repository`, 404, "ref_not_found");
  }
}

export interface BranchInfo {
  name: string;
  commit: string;
  /** The tip commit's committer date, ISO 8601. */
  updated_at: string;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  author_name: string;
  author_email: string;
  /** ISO 8601 with the author's offset. */
  authored_at: string;
}

function refuseOption(ref: string): void {
  // Anything starting with '-' would reach git as an option, not a revision.
  if (ref.startsWith("-")) throw new RefNotFoundError("", ref);
}

/**
 * The commit a branch name, full ref or sha points at, or null. A short name means the branch first,
 * unlike git's own lookup where a tag of the same name wins.
 */
export async function resolveRef(
  repoPath: string,
  ref: string,
  opts: Pick<RunGitOptions, "env"> = {},
): Promise<string | null> {
  refuseOption(ref);
  const candidates = ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, ref];
  for (const candidate of candidates) {
    try {
      const { stdout } = await runGit(["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`], {
        gitDir: repoPath,
        env: opts.env,
      });
      return stdout.trim();
    } catch (err) {
      if (!(err instanceof GitCommandError) || err.exitCode !== 1) throw err;
    }
  }
  return null;
}

/** Like resolveRef, but a missing ref is a RefNotFoundError. */
export async function requireCommit(repoPath: string, ref: string): Promise<string> {
  const sha = await resolveRef(repoPath, ref);
  if (!sha) throw new RefNotFoundError(repoPath, ref);
  return sha;
}

/** Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
export async function isAncestor(
  repoPath: string,
  ancestor: string,
  descendant: string,
  opts: Pick<RunGitOptions, "env"> = {},
): Promise<boolean> {
  refuseOption(ancestor);
  refuseOption(descendant);
  try {
    await runGit(["merge-base", "--is-ancestor", ancestor, descendant], { gitDir: repoPath, env: opts.env });
    return true;
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 1) return false;
    throw err;
  }
}

/** The best common ancestor of two commits, or null when they share no history. */
export async function mergeBase(repoPath: string, a: string, b: string): Promise<string | null> {
  refuseOption(a);
  refuseOption(b);
  try {
    return (await runGit(["merge-base", a, b], { gitDir: repoPath })).stdout.trim();
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 1) return null;
    throw err;
  }
}

export async function listBranches(repoPath: string): Promise<BranchInfo[]> {
  const { stdout } = await runGit(
    ["for-each-ref", "--format=%(refname:strip=2)%00%(objectname)%00%(committerdate:iso-strict)", "refs/heads/"],
    { gitDir: repoPath },
  );
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name = "", commit = "", updated_at = ""] = line.split("\0");
      return { name, commit, updated_at };
    });
}

/** The newest `limit` commits reachable from `ref`, newest first. */
export async function recentCommits(repoPath: string, ref: string, limit: number): Promise<CommitInfo[]> {
  const sha = await requireCommit(repoPath, ref);
  const count = Math.max(1, Math.min(Math.floor(limit), 10_000));
  const { stdout } = await runGit(["log", `--max-count=${count}`, "--format=%H%x00%s%x00%an%x00%ae%x00%aI%x1e", sha], {
    gitDir: repoPath,
  });
  return stdout
    .split("\x1e")
    .map((record) => record.replace(/^\n/, ""))
    .filter(Boolean)
    .map((record) => {
      const [sha = "", subject = "", author_name = "", author_email = "", authored_at = ""] = record.split("\0");
      return { sha, subject, author_name, author_email, authored_at };
    });
}

/** The branch HEAD names (it may have no commits yet). */
export async function defaultBranch(repoPath: string): Promise<string> {
  // Not --short: with a tag of the same name git would shorten to "heads/main".
  const { stdout } = await runGit(["symbolic-ref", "HEAD"], { gitDir: repoPath });
  return stdout.trim().replace(/^refs\/heads\//, "");
}

export async function branchExists(repoPath: string, name: string): Promise<boolean> {
  try {
    await runGit(["show-ref", "--verify", "--quiet", `refs/heads/${name}`], { gitDir: repoPath });
    return true;
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 1) return false;
    throw err;
  }
}
