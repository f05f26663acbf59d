import { SPEC_DOCUMENTS, type SpecDocumentName } from "@strand/protocol";
import { GitCommandError, readFileAt, runGit } from "../git/index.js";

/** Where a task's spec documents live on its branch. */
export const specPathOf = (task: { number: number; slug: string }) => `specs/${task.number}-${task.slug}`;
export const documentPath = (specPath: string, name: SpecDocumentName) => `${specPath}/${name}.md`;

/** The three documents at a commit, in order; null content for a document not there. */
export async function readDocuments(
  repoPath: string | null,
  commit: string | null,
  specPath: string,
): Promise<{ name: SpecDocumentName; path: string; content: string | null }[]> {
  return Promise.all(
    SPEC_DOCUMENTS.map(async (name) => {
      const path = documentPath(specPath, name);
      const content = repoPath && commit ? await readFileAt(repoPath, commit, path) : null;
      return { name, path, content };
    }),
  );
}

/** The commit of a revision is gone from the repo (a force-push that was garbage-collected). */
export class MissingCommitError extends Error {}

/**
 * One document's unified diff between two commits, with its added and deleted line counts. The
 * path goes to git as a literal pathspec, so no character in a slug is read as a pattern.
 */
export async function diffDocument(
  repoPath: string,
  from: string,
  to: string,
  path: string,
): Promise<{ patch: string; additions: number; deletions: number }> {
  let patch: string;
  try {
    ({ stdout: patch } = await runGit(
      ["diff", "--no-color", "--no-ext-diff", "--no-textconv", from, to, "--", `:(literal)${path}`],
      { gitDir: repoPath },
    ));
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 128) throw new MissingCommitError(err.message);
    throw err;
  }
  let additions = 0;
  let deletions = 0;
  let inHunk = false;
  for (const line of patch.split("\n")) {
    if (line.startsWith("@@")) inHunk = true;
    else if (line.startsWith("diff --git ")) inHunk = false;
    else if (inHunk && line.startsWith("+")) additions++;
    else if (inHunk && line.startsWith("-")) deletions++;
  }
  return { patch, additions, deletions };
}
