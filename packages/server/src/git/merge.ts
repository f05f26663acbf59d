import { GitError } from "./errors.js";
import { isAncestor, RefNotFoundError, resolveRef } from "./inspect.js";
import { validateBranchName } from "./names.js";
import { GitCommandError, runGit } from "./run-git.js";

export type MergeStrategy = "fast-forward" | "merge" | "squash";

export interface Person {
  name: string;
  email: string;
}

export interface MergeOptions {
  /** The branch that receives the work (short name). */
  base: string;
  /** The branch (or commit) whose work is merged. */
  head: string;
  strategy: MergeStrategy;
  /** The new commit's message; unused by fast-forward, which makes no commit. */
  message: string;
  author: Person;
  /** Defaults to the author. */
  committer?: Person;
  /**
   * The commit `base` must still be at, typically the one the reviewed diff was computed against;
   * if base has moved since, the merge fails with BaseMovedError instead of merging unreviewed state.
   */
  expectedBase?: string;
}

export class MergeConflictError extends GitError {
  constructor(
    readonly base: string,
    readonly head: string,
    readonly files: string[],
  ) {
    super(
      `${head} does not merge cleanly into ${base}: conflicts in ${files.join(", ") || "(unnamed paths)"}; ` +
        `merge ${base} into ${head}, resolve them and push again`,
      409,
      "merge_conflict",
    );
  }
}

export class BaseMovedError extends GitError {
  constructor(
    readonly base: string,
    readonly expected: string,
  ) {
    super(
      `${base} moved while merging (it was at ${expected.slice(0, 12)}); review the new state and merge again`,
      409,
      "base_moved",
    );
  }
}

export class NotFastForwardError extends GitError {
  constructor(
    readonly base: string,
    readonly head: string,
  ) {
    super(
      `${base} cannot be fast-forwarded to ${head}: ${base} has commits ${head} lacks; ` +
        `use the merge or squash strategy, or merge ${base} into ${head} first`,
      409,
      "not_fast_forward",
    );
  }
}

export class NothingToMergeError extends GitError {
  constructor(
    readonly base: string,
    readonly head: string,
  ) {
    super(`nothing to merge: ${base} already contains everything in ${head}`, 409, "nothing_to_merge");
  }
}

export class MergeError extends GitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 422, "merge_failed", options);
  }
}

/**
 * Merges `head` into the branch `base` of a bare repository using plumbing only (no work tree, no
 * hooks), and moves `base` with a compare-and-swap so a concurrent push is never overwritten.
 */
export async function mergeBranch(repoPath: string, opts: MergeOptions): Promise<{ commit: string }> {
  const base = await validateBranchName(opts.base);
  const baseRef = `refs/heads/${base}`;
  const currentBase = await resolveRef(repoPath, baseRef);
  if (!currentBase) throw new RefNotFoundError(repoPath, base);
  // With an expected base the merge is built on it, and the compare-and-swap below refuses if base moved.
  if (opts.expectedBase !== undefined && !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(opts.expectedBase)) {
    throw new MergeError(`expectedBase must be a full commit id, not ${JSON.stringify(opts.expectedBase)}`);
  }
  const baseSha = opts.expectedBase ?? currentBase;
  const headSha = await resolveRef(repoPath, opts.head);
  if (!headSha) throw new RefNotFoundError(repoPath, opts.head);
  if (await isAncestor(repoPath, headSha, baseSha)) throw new NothingToMergeError(base, opts.head);

  let commit: string;
  if (opts.strategy === "fast-forward") {
    if (!(await isAncestor(repoPath, baseSha, headSha))) throw new NotFastForwardError(base, opts.head);
    commit = headSha;
  } else {
    if (!opts.message.trim()) throw new MergeError("a merge needs a commit message");
    const tree = await mergeTree(repoPath, base, baseSha, opts.head, headSha);
    if (opts.strategy === "squash" && tree === (await treeOf(repoPath, baseSha))) {
      throw new NothingToMergeError(base, opts.head);
    }
    const parents = opts.strategy === "merge" ? [baseSha, headSha] : [baseSha];
    commit = await commitTree(repoPath, tree, parents, opts);
  }

  const reflog = `strand: ${opts.strategy} ${opts.head} into ${base}`;
  try {
    await runGit(["update-ref", "-m", reflog, baseRef, commit, baseSha], { gitDir: repoPath });
  } catch (err) {
    if (err instanceof GitCommandError && (await resolveRef(repoPath, baseRef)) !== baseSha) {
      throw new BaseMovedError(base, baseSha);
    }
    throw err;
  }
  return { commit };
}

/**
 * The files a merge of `head` into `base` would conflict in (empty when it merges cleanly), found
 * with a trial merge that writes only loose objects and moves no ref.
 */
export async function findConflicts(repoPath: string, base: string, head: string): Promise<string[]> {
  const baseSha = await resolveRef(repoPath, base);
  if (!baseSha) throw new RefNotFoundError(repoPath, base);
  const headSha = await resolveRef(repoPath, head);
  if (!headSha) throw new RefNotFoundError(repoPath, head);
  try {
    await mergeTree(repoPath, base, baseSha, head, headSha);
    return [];
  } catch (err) {
    if (err instanceof MergeConflictError) return err.files;
    throw err;
  }
}

async function mergeTree(repoPath: string, base: string, baseSha: string, head: string, headSha: string) {
  try {
    const { stdout } = await runGit(
      ["merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", baseSha, headSha],
      { gitDir: repoPath },
    );
    return stdout.split("\0")[0] ?? "";
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 1) {
      const [, ...files] = err.stdout.split("\0").filter(Boolean);
      throw new MergeConflictError(base, head, [...new Set(files)].sort());
    }
    if (err instanceof GitCommandError) {
      throw new MergeError(`cannot merge ${head} into ${base}: ${err.lastStderrLine}`, { cause: err });
    }
    throw err;
  }
}

async function treeOf(repoPath: string, commit: string): Promise<string> {
  return (await runGit(["rev-parse", `${commit}^{tree}`], { gitDir: repoPath })).stdout.trim();
}

async function commitTree(repoPath: string, tree: string, parents: string[], opts: MergeOptions): Promise<string> {
  const committer = opts.committer ?? opts.author;
  const { stdout } = await runGit(["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"], {
    gitDir: repoPath,
    input: opts.message.endsWith("\n") ? opts.message : `${opts.message}\n`,
    env: {
      GIT_AUTHOR_NAME: opts.author.name,
      GIT_AUTHOR_EMAIL: opts.author.email,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
    },
  });
  return stdout.trim();
}
