/** One line of a unified diff, with its numbers in the old and the new file. */
export interface DiffLine {
  kind: "context" | "add" | "remove";
  text: string;
  oldNo?: number;
  newNo?: number;
}

export interface Hunk {
  /** `@@ -a,b +c,d @@` */
  header: string;
  lines: DiffLine[];
}

/** Above this many cells (changed old lines × changed new lines) the LCS table is not worth it. */
const MAX_LCS_CELLS = 1_000_000;

export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Line diff of two texts (`old` null: a new file), as every line with its kind. Common head and
 * tail are matched first; the middle by longest common subsequence, or, when it is huge, as
 * "all removed, then all added" (still correct, only less precise).
 */
export function diffLines(oldText: string | null, newText: string): DiffLine[] {
  const a = splitLines(oldText ?? "");
  const b = splitLines(newText);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: "context", text: a[i] as string, oldNo: i + 1, newNo: i + 1 });
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  for (const op of middle(midA, midB)) {
    if (op.kind === "context") out.push({ ...op, oldNo: head + op.i + 1, newNo: head + op.j + 1 });
    else if (op.kind === "remove") out.push({ kind: "remove", text: op.text, oldNo: head + op.i + 1 });
    else out.push({ kind: "add", text: op.text, newNo: head + op.j + 1 });
  }
  for (let k = tail; k > 0; k--) {
    const i = a.length - k;
    const j = b.length - k;
    out.push({ kind: "context", text: a[i] as string, oldNo: i + 1, newNo: j + 1 });
  }
  return out;
}

interface Op {
  kind: DiffLine["kind"];
  text: string;
  i: number;
  j: number;
}

function middle(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || n * m > MAX_LCS_CELLS) {
    return [
      ...a.map((text, i) => ({ kind: "remove" as const, text, i, j: 0 })),
      ...b.map((text, j) => ({ kind: "add" as const, text, i: 0, j })),
    ];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const w = m + 1;
  const lcs = new Int32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * w + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: "context", text: a[i] as string, i, j });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number)) {
      ops.push({ kind: "remove", text: a[i] as string, i, j });
      i++;
    } else {
      ops.push({ kind: "add", text: b[j] as string, i, j });
      j++;
    }
  }
  for (; i < n; i++) ops.push({ kind: "remove", text: a[i] as string, i, j });
  for (; j < m; j++) ops.push({ kind: "add", text: b[j] as string, i, j });
  return ops;
}

/** The changes of `diffLines` grouped into hunks with `context` lines around each change. */
export function unifiedHunks(oldText: string | null, newText: string, context = 3): Hunk[] {
  const lines = diffLines(oldText, newText);
  const changed = lines.flatMap((l, i) => (l.kind === "context" ? [] : [i]));
  const hunks: Hunk[] = [];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - context);
    let end = (changed[k] as number) + context;
    while (k + 1 < changed.length && (changed[k + 1] as number) - context <= end + 1) {
      k++;
      end = (changed[k] as number) + context;
    }
    k++;
    const slice = lines.slice(start, Math.min(lines.length, end + 1));
    hunks.push({ header: hunkHeader(slice, lines, start), lines: slice });
  }
  return hunks;
}

function hunkHeader(slice: DiffLine[], all: DiffLine[], start: number): string {
  const oldCount = slice.filter((l) => l.kind !== "add").length;
  const newCount = slice.filter((l) => l.kind !== "remove").length;
  // An empty side names the line before the hunk (0 at the top), as diff(1) does.
  const before = all.slice(0, start);
  const oldStart =
    oldCount === 0 ? before.filter((l) => l.kind !== "add").length : (slice.find((l) => l.oldNo)?.oldNo as number);
  const newStart =
    newCount === 0 ? before.filter((l) => l.kind !== "remove").length : (slice.find((l) => l.newNo)?.newNo as number);
  return `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`;
}

export function diffStats(hunks: readonly Hunk[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const h of hunks)
    for (const l of h.lines) {
      if (l.kind === "add") added++;
      else if (l.kind === "remove") removed++;
    }
  return { added, removed };
}

/** A row of a side-by-side diff: the old line on the left, the new one on the right, or either alone. */
export interface SplitRow {
  left?: DiffLine;
  right?: DiffLine;
}

/**
 * A hunk's lines side by side: context lines on both sides, and each run of removed lines next to
 * the added lines that follow it, pair by pair; the longer run continues alone.
 */
export function splitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as DiffLine;
    if (line.kind === "context") {
      rows.push({ left: line, right: line });
      i++;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (i < lines.length && lines[i]?.kind === "remove") removed.push(lines[i++] as DiffLine);
    while (i < lines.length && lines[i]?.kind === "add") added.push(lines[i++] as DiffLine);
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const row: SplitRow = {};
      if (removed[k]) row.left = removed[k];
      if (added[k]) row.right = added[k];
      rows.push(row);
    }
  }
  return rows;
}
