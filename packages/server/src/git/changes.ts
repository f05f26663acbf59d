import { GitError } from "./errors.js";
import { requireCommit } from "./inspect.js";
import { GitCommandError, runGit, streamGit } from "./run-git.js";

export type ChangeStatus = "added" | "modified" | "deleted" | "renamed" | "copied" | "type_changed";

export interface FileChange {
  path: string;
  /** The path before a rename or copy. */
  old_path?: string;
  status: ChangeStatus;
  additions: number;
  deletions: number;
  binary: boolean;
  /** git's unified diff for this file, from its `diff --git` line; cut at PATCH_LIMIT bytes. */
  patch: string;
  truncated: boolean;
}

export interface Changes {
  /** The merge base of base and head: what the head's work is compared against. */
  base: string;
  head: string;
  files: FileChange[];
}

export const PATCH_LIMIT = 256 * 1024;

export class UnrelatedHistoriesError extends GitError {
  constructor(base: string, head: string) {
    super(`${base} and ${head} have no common history, so there are no changes to show`, 422, "unrelated_histories");
  }
}

const STATUS: Record<string, ChangeStatus> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type_changed",
};

// Same options for every pass, so the three listings come out in the same order.
const DIFF_OPTIONS = ["--no-color", "--no-ext-diff", "--no-textconv", "-M"];

/**
 * What `head` changes relative to where it left `base` (three-dot semantics: `base...head`), one entry
 * per file with counts and its patch.
 */
export async function diffChanges(repoPath: string, base: string, head: string): Promise<Changes> {
  const baseSha = await requireCommit(repoPath, base);
  const headSha = await requireCommit(repoPath, head);
  let mergeBase: string;
  try {
    mergeBase = (await runGit(["merge-base", baseSha, headSha], { gitDir: repoPath })).stdout.trim();
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 1) throw new UnrelatedHistoriesError(base, head);
    throw err;
  }
  const range = [mergeBase, headSha];
  const [names, counts, patches] = await Promise.all([
    runGit(["diff", ...DIFF_OPTIONS, "--name-status", "-z", ...range], { gitDir: repoPath }),
    runGit(["diff", ...DIFF_OPTIONS, "--numstat", "-z", ...range], { gitDir: repoPath }),
    collectPatches(repoPath, range),
  ]);
  const entries = parseNameStatus(names.stdout);
  const numbers = parseNumstat(counts.stdout);
  if (numbers.length !== entries.length || patches.length !== entries.length) {
    throw new Error(
      `git diff listings disagree (${entries.length} names, ${numbers.length} counts, ${patches.length} patches)`,
    );
  }
  const files = entries.map((entry, i): FileChange => {
    const count = numbers[i] ?? { additions: 0, deletions: 0, binary: false };
    const patch = patches[i] ?? { text: "", truncated: false };
    return {
      path: entry.path,
      ...(entry.old_path !== undefined ? { old_path: entry.old_path } : {}),
      status: entry.status,
      ...count,
      patch: patch.text,
      truncated: patch.truncated,
    };
  });
  return { base: mergeBase, head: headSha, files };
}

function parseNameStatus(output: string): { path: string; old_path?: string; status: ChangeStatus }[] {
  const fields = output.split("\0");
  const entries: { path: string; old_path?: string; status: ChangeStatus }[] = [];
  for (let i = 0; i < fields.length; ) {
    const code = fields[i++];
    if (!code) continue;
    const status = STATUS[code[0] ?? ""] ?? "modified";
    if (status === "renamed" || status === "copied") {
      const old_path = fields[i++] ?? "";
      entries.push({ path: fields[i++] ?? "", old_path, status });
    } else entries.push({ path: fields[i++] ?? "", status });
  }
  return entries;
}

function parseNumstat(output: string): { additions: number; deletions: number; binary: boolean }[] {
  const fields = output.split("\0");
  const counts: { additions: number; deletions: number; binary: boolean }[] = [];
  for (let i = 0; i < fields.length; ) {
    const field = fields[i++];
    if (!field) continue;
    const [added = "", deleted = "", path = ""] = field.split("\t");
    // A rename leaves the path empty here and gives old and new paths as the next two fields.
    if (path === "") i += 2;
    const binary = added === "-" && deleted === "-";
    counts.push({ additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary });
  }
  return counts;
}

const HEADER = Buffer.from("diff --git ");

export interface PatchSplitter {
  write(chunk: Buffer): void;
  finish(): { text: string; truncated: boolean }[];
}

/**
 * Splits `git diff` output, fed in chunks of any size, at each file's `diff --git` line, keeping at most
 * `limit` bytes per file, so a huge generated file never has to fit in memory. A patch's content lines
 * all start with ' ', '+', '-', '\\' or '@', so a line starting "diff --git " is always a header.
 */
export function createPatchSplitter(limit = PATCH_LIMIT): PatchSplitter {
  const files: { parts: Buffer[]; size: number; truncated: boolean }[] = [];
  let lineStart: Buffer[] = [];
  let lineStartSize = 0;
  let atLineStart = true;

  const append = (bytes: Buffer) => {
    const file = files.at(-1);
    if (!file || bytes.length === 0) return;
    const room = limit - file.size;
    if (bytes.length <= room) {
      file.parts.push(bytes);
      file.size += bytes.length;
    } else {
      if (room > 0) file.parts.push(bytes.subarray(0, room));
      file.size = limit;
      file.truncated = true;
    }
  };
  const decideLine = () => {
    const head = Buffer.concat(lineStart);
    if (head.equals(HEADER)) files.push({ parts: [], size: 0, truncated: false });
    append(head);
    lineStart = [];
    lineStartSize = 0;
    atLineStart = head.at(-1) === 0x0a;
  };

  return {
    write(chunk) {
      let i = 0;
      while (i < chunk.length) {
        const newline = chunk.indexOf(0x0a, i);
        const lineEnd = newline === -1 ? chunk.length : newline + 1;
        if (atLineStart) {
          // Gather the first bytes of the line until it is clear whether it is a file header.
          const take = Math.min(HEADER.length - lineStartSize, lineEnd - i);
          lineStart.push(chunk.subarray(i, i + take));
          lineStartSize += take;
          i += take;
          if (lineStartSize === HEADER.length || chunk[i - 1] === 0x0a) decideLine();
          continue;
        }
        append(chunk.subarray(i, lineEnd));
        i = lineEnd;
        atLineStart = newline !== -1;
      }
    },
    finish() {
      if (lineStartSize > 0) decideLine();
      return files.map((file) => {
        let bytes = Buffer.concat(file.parts);
        // Cut a truncated patch at a line end, so it never ends in half a line or half a character.
        if (file.truncated) bytes = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
        return { text: bytes.toString("utf8"), truncated: file.truncated };
      });
    },
  };
}

async function collectPatches(repoPath: string, range: string[]): Promise<{ text: string; truncated: boolean }[]> {
  const splitter = createPatchSplitter();
  await streamGit(["diff", ...DIFF_OPTIONS, "--patch", "--full-index", ...range], { gitDir: repoPath }, (chunk) =>
    splitter.write(chunk),
  );
  return splitter.finish();
}
