import { GitError } from "./errors.js";
import { GitCommandError, runGit } from "./run-git.js";

export class InvalidNameError extends GitError {
  constructor(message: string) {
    super(message, 400, "invalid_name");
  }
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NAME_RULE =
  "1-63 characters of lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, " +
  "without '..' and not ending in '.git'";

/** Checks a repository name (also a directory name on disk); returns it unchanged. */
export function assertRepoName(name: string): string {
  return assertPathSegment("repository name", name);
}

/** Checks a project slug, which names the directory holding that project's repositories. */
export function assertProjectSlug(slug: string): string {
  return assertPathSegment("project slug", slug);
}

function assertPathSegment(what: string, name: string): string {
  if (typeof name !== "string" || !NAME.test(name) || name.includes("..") || name.endsWith(".git")) {
    throw new InvalidNameError(`${what} ${JSON.stringify(name)} is not allowed: use ${NAME_RULE}`);
  }
  return name;
}

/**
 * Checks a branch name with git's own rules (`git check-ref-format --branch`) and returns the short
 * name git would use. Full ref names (`refs/heads/x`) are refused: callers pass what users type.
 */
export async function validateBranchName(name: string): Promise<string> {
  const refuse = (why: string) =>
    new InvalidNameError(
      `branch name ${JSON.stringify(name)} is not allowed: ${why}; ` +
        "branch names may contain '/' but not spaces, '..', '~', '^', ':', '?', '*', '[', '\\', " +
        "a leading '-' or '/', a trailing '/', '.' or '.lock', or '@{'",
    );
  if (typeof name !== "string" || name.length === 0) throw refuse("it is empty");
  if (name.startsWith("-")) throw refuse("it starts with '-'");
  if (name.startsWith("refs/")) throw refuse("give the short name without 'refs/' (e.g. 'main')");
  if (name.length > 200) throw refuse("it is longer than 200 characters");
  try {
    const { stdout } = await runGit(["check-ref-format", "--branch", name]);
    const normalized = stdout.trim();
    if (normalized !== name) throw refuse(`git would read it as ${JSON.stringify(normalized)}`);
    return normalized;
  } catch (err) {
    if (err instanceof GitCommandError) throw refuse("git check-ref-format rejects it");
    throw err;
  }
}
