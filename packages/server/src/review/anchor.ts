import type { ReviewSide } from "@strand/protocol";

/** The text of lines `start`…`end` (from 1, inclusive), or null when the file has fewer lines. */
export function anchorOf(lines: readonly string[], start: number, end: number): string | null {
  if (start < 1 || end < start || end > lines.length) return null;
  return lines.slice(start - 1, end).join("\n");
}

/**
 * A thread is outdated when its lines no longer read as they did when it was written: the file is
 * gone from that side (`lines` null) or is shorter, or any anchored line changed. A push that only
 * touches other lines of the file keeps it current; moving the lines (text inserted above) makes it
 * outdated, since the line numbers it names now point at other code.
 */
export function isOutdated(anchor: string, lines: readonly string[] | null, start: number, end: number): boolean {
  if (!lines) return true;
  return anchorOf(lines, start, end) !== anchor;
}

/** `path:3` or `path:3-7`: how a person (and the agent) names a line or a range. */
export function lineRef(path: string, start: number, end: number): string {
  return start === end ? `${path}:${start}` : `${path}:${start}-${end}`;
}

/** Which commit a side's lines are read at: the branch head for new lines, the merge base for old ones. */
export function commitOfSide(side: ReviewSide, at: { head: string; base: string }): string {
  return side === "new" ? at.head : at.base;
}
