import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SPEC_DOCUMENTS, type SpecDocumentName } from "@strand/protocol";
import { isAncestor, readFileAt, requireCommit, resolveRef, runGit } from "../git/index.js";

export interface Attachment {
  name: string;
  content: Buffer;
}

const ZERO = "0000000000000000000000000000000000000000";

/**
 * Makes sure the task branch exists (cut from `base`) and holds the task's attachments under
 * `<specPath>/attachments/`, with git plumbing in the bare repository: no work tree, no hooks.
 * Idempotent: a retry after a crash finds the branch and the files and changes nothing; a branch
 * moved by a concurrent push is never overwritten (compare-and-swap on the ref).
 */
export async function prepareTaskBranch(
  repoPath: string,
  o: { branch: string; base: string; specPath: string; attachments: readonly Attachment[]; author: Person },
): Promise<string> {
  const ref = `refs/heads/${o.branch}`;
  let head = await resolveRef(repoPath, ref);
  if (!head) {
    const base = await requireCommit(repoPath, `refs/heads/${o.base}`);
    try {
      await runGit(["update-ref", "-m", "strand: task branch", ref, base, ZERO], { gitDir: repoPath });
    } catch (err) {
      // Made meanwhile (another replica, or the agent's first push): use it as it is.
      if (!(await resolveRef(repoPath, ref))) throw err;
    }
    head = (await resolveRef(repoPath, ref)) as string;
  }
  const missing: { path: string; blob: string }[] = [];
  for (const a of o.attachments) {
    const path = `${o.specPath}/attachments/${a.name}`;
    const blob = (await runGit(["hash-object", "--stdin"], { gitDir: repoPath, input: a.content })).stdout.trim();
    const existing = await blobAt(repoPath, head, path);
    if (existing !== blob) missing.push({ path, blob });
  }
  if (missing.length === 0) return head;
  const dir = await mkdtemp(join(tmpdir(), "strand-task-index-"));
  try {
    const env = { GIT_INDEX_FILE: join(dir, "index") };
    await runGit(["read-tree", head], { gitDir: repoPath, env });
    for (const a of o.attachments) {
      await runGit(["hash-object", "-w", "--stdin"], { gitDir: repoPath, input: a.content });
    }
    for (const m of missing) {
      await runGit(["update-index", "--add", "--cacheinfo", `100644,${m.blob},${m.path}`], { gitDir: repoPath, env });
    }
    const tree = (await runGit(["write-tree"], { gitDir: repoPath, env })).stdout.trim();
    const names = missing.map((m) => m.path.split("/").at(-1)).join(", ");
    const commit = (
      await runGit(["commit-tree", tree, "-p", head, "-F", "-"], {
        gitDir: repoPath,
        input: `Attach ${names} to ${o.specPath}\n`,
        env: {
          GIT_AUTHOR_NAME: o.author.name,
          GIT_AUTHOR_EMAIL: o.author.email,
          GIT_COMMITTER_NAME: o.author.name,
          GIT_COMMITTER_EMAIL: o.author.email,
        },
      })
    ).stdout.trim();
    await runGit(["update-ref", "-m", "strand: task attachments", ref, commit, head], { gitDir: repoPath });
    return commit;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Person {
  name: string;
  email: string;
}

async function blobAt(repoPath: string, commit: string, path: string): Promise<string | null> {
  try {
    const { stdout } = await runGit(["rev-parse", "--verify", "--quiet", `${commit}:${path}`], { gitDir: repoPath });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** The spec documents at a commit, by name (null: not there). */
export async function specDocumentsAt(
  repoPath: string,
  commit: string,
  specPath: string,
): Promise<Record<SpecDocumentName, string | null>> {
  const out = {} as Record<SpecDocumentName, string | null>;
  for (const d of SPEC_DOCUMENTS) out[d] = await readFileAt(repoPath, commit, `${specPath}/${d}.md`);
  return out;
}

/** The file names of the spec documents missing at a commit, e.g. ["design.md", "tasks.md"]. */
export function missingDocuments(docs: Record<SpecDocumentName, string | null>): string[] {
  return SPEC_DOCUMENTS.filter((d) => docs[d] === null || docs[d]?.trim() === "").map((d) => `${d}.md`);
}

/** The branch head, or null when it has not been made. */
export const headOf = (repoPath: string, branch: string) => resolveRef(repoPath, `refs/heads/${branch}`);

/**
 * How many commits the branch has that its base does not, leaving out those that touch only the
 * spec (planning's, the attachments', ticking tasks.md): an implementation changes something else.
 */
export async function implementationCommits(repoPath: string, branch: string, base: string, specPath: string) {
  const head = await headOf(repoPath, branch);
  const baseTip = await resolveRef(repoPath, `refs/heads/${base}`);
  if (!head || !baseTip) return 0;
  const { stdout } = await runGit(
    ["rev-list", "--count", `${baseTip}..${head}`, "--", ":(top)", `:(top,exclude)${specPath}`],
    { gitDir: repoPath },
  );
  return Number(stdout.trim()) || 0;
}

/** True when `head` is already contained in `base` (merged). */
export async function mergedInto(repoPath: string, branch: string, base: string): Promise<boolean> {
  const head = await headOf(repoPath, branch);
  const baseTip = await resolveRef(repoPath, `refs/heads/${base}`);
  if (!head || !baseTip) return false;
  return isAncestor(repoPath, head, baseTip);
}
