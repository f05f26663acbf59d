import type { ReviewThread } from "@strand/protocol";
import type { DiffLine, Hunk } from "../chat/diff.js";

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * The hunks of one file's git patch (`diff --git …` with its headers), numbered on both sides. The
 * file headers before the first hunk are skipped; "\ No newline at end of file" marks are dropped.
 * A truncated patch yields the hunks it holds.
 */
export function parsePatch(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  let oldNo = 0;
  let newNo = 0;
  for (const raw of patch.split("\n")) {
    const header = HUNK_HEADER.exec(raw);
    if (header) {
      oldNo = Number(header[1]);
      newNo = Number(header[3]);
      current = { header: raw, lines: [] };
      hunks.push(current);
      continue;
    }
    if (!current) continue;
    const sign = raw[0];
    const text = raw.slice(1);
    let line: DiffLine;
    if (sign === " ") line = { kind: "context", text, oldNo: oldNo++, newNo: newNo++ };
    else if (sign === "-") line = { kind: "remove", text, oldNo: oldNo++ };
    else if (sign === "+") line = { kind: "add", text, newNo: newNo++ };
    // "\ No newline at end of file", or the empty string after the patch's last newline.
    else continue;
    current.lines.push(line);
  }
  return hunks;
}

/** What the diff of a file shows, as `side:line` keys, for placing threads under their lines. */
export function visibleLines(hunks: readonly Hunk[]): Set<string> {
  const keys = new Set<string>();
  for (const h of hunks)
    for (const l of h.lines) {
      if (l.kind !== "add" && l.oldNo !== undefined) keys.add(`old:${l.oldNo}`);
      if (l.kind !== "remove" && l.newNo !== undefined) keys.add(`new:${l.newNo}`);
    }
  return keys;
}

export const lineKey = (side: "old" | "new", line: number) => `${side}:${line}`;

/** The files of a diff, as far as threads are concerned: where each side's lines live. */
export interface FileSides {
  path: string;
  old_path?: string;
}

/** Whether a thread is on this file: new-side threads by its path, old-side ones by its old path. */
export function threadOnFile(t: Pick<ReviewThread, "path" | "side">, f: FileSides): boolean {
  return t.side === "new" ? t.path === f.path : t.path === (f.old_path ?? f.path);
}

export interface Placement {
  /** Under the line a thread ends on, by `side:line`. */
  inline: Map<string, ReviewThread[]>;
  /** On the file, but its lines are not in the diff (any more): listed above the diff. */
  top: ReviewThread[];
}

/** Where each of a file's threads goes: under its last line if the diff shows it, else on top. */
export function placeThreads(threads: readonly ReviewThread[], hunks: readonly Hunk[]): Placement {
  const visible = visibleLines(hunks);
  const inline = new Map<string, ReviewThread[]>();
  const top: ReviewThread[] = [];
  for (const t of threads) {
    const key = lineKey(t.side, t.end_line);
    if (!visible.has(key)) {
      top.push(t);
      continue;
    }
    inline.set(key, [...(inline.get(key) ?? []), t]);
  }
  return { inline, top };
}

/** A line selection on one side; shift-click extends it, any other click starts again. */
export interface Selection {
  side: "old" | "new";
  start: number;
  end: number;
  /** Where the selection began, so shift-clicks extend from it in either direction. */
  from: number;
}

export function select(
  current: Selection | null,
  target: { side: "old" | "new"; line: number },
  shiftKey: boolean,
): Selection {
  if (shiftKey && current && current.side === target.side) {
    return {
      side: target.side,
      from: current.from,
      start: Math.min(current.from, target.line),
      end: Math.max(current.from, target.line),
    };
  }
  return { side: target.side, start: target.line, end: target.line, from: target.line };
}

export const rangeLabel = (path: string, start: number, end: number) =>
  start === end ? `${path}:${start}` : `${path}:${start}-${end}`;
