import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { GitError } from "./errors.js";
import { assertProjectSlug, assertRepoName, validateBranchName } from "./names.js";
import { runGit } from "./run-git.js";

export class RepoExistsError extends GitError {
  constructor(
    readonly projectSlug: string,
    readonly repoName: string,
  ) {
    super(
      `repository ${projectSlug}/${repoName} already exists; pick another name or remove it first`,
      409,
      "repo_exists",
    );
  }
}

/**
 * The pre-receive hook every hosted repository gets. It enforces a policy only when the server passed
 * one (prePushEnv); pushes always come through the server, and the server's own updates (merges use
 * update-ref) run no hooks at all.
 */
export const PRE_RECEIVE_HOOK = `#!/bin/sh
# Installed by Strand: the push policy lives in the server (packages/server/src/git/pre-receive.ts).
if [ -n "$STRAND_NODE" ] && [ -n "$STRAND_PRE_RECEIVE" ] && [ -n "$STRAND_PUSH_POLICY" ]; then
  exec "$STRAND_NODE" "$STRAND_PRE_RECEIVE"
fi
exit 0
`;

/**
 * Makes a bare repository servable by Strand: pushes over HTTP allowed, history policy left to the hook
 * (git's own denyNonFastForwards cannot tell a session from a maintainer), and the hook installed.
 */
export async function configureHostedRepo(gitDir: string): Promise<void> {
  const settings: [string, string][] = [
    ["http.receivepack", "true"],
    ["receive.denyNonFastForwards", "false"],
    ["receive.denyDeletes", "false"],
    // Reflogs keep a record of who moved a branch when, which review and recovery need.
    ["core.logAllRefUpdates", "always"],
    // refs/strand/ is the server's own bookkeeping (upstream staging): never advertised, never pushable.
    ["transfer.hideRefs", "refs/strand/"],
  ];
  for (const [key, value] of settings) await runGit(["config", key, value], { gitDir });
  const hooks = join(gitDir, "hooks");
  await mkdir(hooks, { recursive: true });
  const hook = join(hooks, "pre-receive");
  await writeFile(hook, PRE_RECEIVE_HOOK);
  await chmod(hook, 0o755);
}

/** Bare repositories on disk at `<root>/<projectSlug>/<repoName>.git`. */
export class RepoStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Where a repository lives (whether or not it exists); throws InvalidNameError for unsafe names. */
  pathFor(projectSlug: string, repoName: string): string {
    return join(this.root, assertProjectSlug(projectSlug), `${assertRepoName(repoName)}.git`);
  }

  /**
   * A fresh directory beside where the repository will live, for building it before it appears under
   * its real name. Valid names never start with '.', so it can never collide with a repository.
   */
  async tempPathBeside(projectSlug: string, repoName: string, purpose: string): Promise<string> {
    const target = this.pathFor(projectSlug, repoName);
    await mkdir(dirname(target), { recursive: true });
    return join(dirname(target), `.${purpose}-${repoName}-${randomBytes(6).toString("hex")}.git`);
  }

  /**
   * Moves a finished repository from `tempPath` to its real name, atomically: either the whole
   * repository appears or nothing does. Throws RepoExistsError (and leaves `tempPath` alone) if the
   * name was taken meanwhile.
   */
  async publish(tempPath: string, projectSlug: string, repoName: string): Promise<string> {
    const target = this.pathFor(projectSlug, repoName);
    if (await this.exists(projectSlug, repoName)) throw new RepoExistsError(projectSlug, repoName);
    try {
      // rename(2) onto an existing non-empty directory fails, which closes the race with the check above.
      await rename(tempPath, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") throw new RepoExistsError(projectSlug, repoName);
      throw err;
    }
    return target;
  }

  /** Creates an empty bare repository; returns its path. */
  async create(projectSlug: string, repoName: string, opts: { defaultBranch?: string } = {}): Promise<string> {
    const branch = await validateBranchName(opts.defaultBranch ?? "main");
    if (await this.exists(projectSlug, repoName)) throw new RepoExistsError(projectSlug, repoName);
    const temp = await this.tempPathBeside(projectSlug, repoName, "create");
    try {
      // No template: the sample hooks and description file would only be noise on the server.
      await runGit(["init", "--quiet", "--bare", "--template=", `--initial-branch=${branch}`, temp]);
      await configureHostedRepo(temp);
      return await this.publish(temp, projectSlug, repoName);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** Whether a bare repository exists under that name. */
  async exists(projectSlug: string, repoName: string): Promise<boolean> {
    const path = this.pathFor(projectSlug, repoName);
    try {
      return (await stat(join(path, "HEAD"))).isFile();
    } catch {
      return false;
    }
  }

  /** Deletes a repository; returns false if there was none. */
  async remove(projectSlug: string, repoName: string): Promise<boolean> {
    const path = this.pathFor(projectSlug, repoName);
    if (!(await this.exists(projectSlug, repoName))) return false;
    // Renaming first makes the repository vanish at once instead of being served half-deleted.
    const doomed = await this.tempPathBeside(projectSlug, repoName, "removed");
    await rename(path, doomed);
    await rm(doomed, { recursive: true, force: true });
    return true;
  }
}
