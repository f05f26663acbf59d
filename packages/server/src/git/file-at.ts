import { GitCommandError, runGit } from "./run-git.js";

/** Above this size a file is not read for review anchors: nobody comments line by line on it. */
export const FILE_AT_LIMIT = 8 * 1024 * 1024;

/**
 * The text of `path` as it is in `commit`, or null when the file is not there (or is not a file).
 * Read through `cat-file`, so the path never reaches git as an option or a pathspec.
 */
export async function readFileAt(repoPath: string, commit: string, path: string): Promise<string | null> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit))
    throw new Error(`readFileAt needs a full commit id, not ${commit}`);
  // Batch input is one object per line, so a path with a newline cannot be asked that way (or exist in a diff we show).
  if (path.includes("\n")) return null;
  const object = `${commit}:${path}`;
  let size: number;
  try {
    const info = await runGit(["cat-file", "--batch-check=%(objecttype) %(objectsize)"], {
      gitDir: repoPath,
      input: `${object}\n`,
    });
    const [type, bytes] = info.stdout.trim().split(" ");
    if (type !== "blob") return null;
    size = Number(bytes);
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode !== null) return null;
    throw err;
  }
  if (size > FILE_AT_LIMIT) return null;
  const { stdout } = await runGit(["cat-file", "blob", object], { gitDir: repoPath });
  return stdout;
}

/** The lines of a text as a diff numbers them (a final newline ends the last line, it does not start one). */
export function linesOf(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}
