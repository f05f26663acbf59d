import type { SearchHighlight } from "./search.js";

/** A piece of a search snippet: plain text, or a matched part to emphasise (`<mark>`, bold). */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

/**
 * Cuts a result's snippet at its `highlights` (UTF-16 offsets, what string indexes count), for the
 * web UI and the CLI alike. Ranges are clamped to the snippet, sorted, and overlapping or touching
 * ones merged, so a sloppy range can never drop or repeat text; an edge that falls inside a
 * surrogate pair moves outwards to the whole character.
 */
export function snippetParts(snippet: string, highlights: readonly SearchHighlight[]): SnippetPart[] {
  const ranges = highlights
    .map((h) => ({
      start: widenStart(snippet, clamp(h.start, snippet)),
      end: widenEnd(snippet, clamp(h.end, snippet)),
    }))
    .filter((h) => h.end > h.start)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  const parts: SnippetPart[] = [];
  let at = 0;
  for (const r of merged) {
    if (r.start > at) parts.push({ text: snippet.slice(at, r.start), mark: false });
    parts.push({ text: snippet.slice(r.start, r.end), mark: true });
    at = r.end;
  }
  if (at < snippet.length || parts.length === 0) parts.push({ text: snippet.slice(at), mark: false });
  return parts;
}

function clamp(n: number, s: string): number {
  return Math.min(Math.max(0, Math.trunc(n)), s.length);
}
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
function widenStart(s: string, i: number): number {
  return i > 0 && isLowSurrogate(s.charCodeAt(i)) ? i - 1 : i;
}
function widenEnd(s: string, i: number): number {
  return i > 0 && i < s.length && isLowSurrogate(s.charCodeAt(i)) ? i + 1 : i;
}
