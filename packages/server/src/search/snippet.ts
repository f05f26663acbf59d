import type { SearchHighlight } from "@strand/protocol";

/** About this many characters of an entry are shown around its match. */
export const SNIPPET_LENGTH = 300;
/** How much of the text before the first match the snippet keeps. */
const LEAD = 80;

export interface Snippet {
  snippet: string;
  highlights: SearchHighlight[];
}

export interface SnippetTerms {
  /** Matched exactly, case-insensitively, anywhere (phrases, identifiers). */
  exact: string[];
  /** Words: a word of the text matches when it equals one or starts with one of `stems`. */
  words: string[];
  /** The full-text lexemes of the query (`fail` for "failed"), so "failing" lights up too. */
  stems: string[];
}

/**
 * The text around the first match, with every match of every term inside it as UTF-16 ranges of
 * the snippet (what JavaScript indexes count). Computed here rather than by ts_headline, which
 * gives marked-up text but no offsets and cannot see identifiers' exact matches.
 */
export function makeSnippet(text: string, terms: SnippetTerms): Snippet {
  const matches = findMatches(text, terms);
  const first = matches.find((m) => m.exact) ?? matches[0];
  let start = 0;
  if (first && first.start > LEAD) {
    start = first.start - LEAD;
    // Start at a word when one begins close by.
    const space = text.slice(start, start + 20).search(/\s/);
    if (space >= 0) start += space + 1;
  }
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  if (end < text.length) {
    const space = text.slice(end - 20, end).search(/\s\S*$/);
    if (space >= 0) end = end - 20 + space;
  }
  // Never cut a surrogate pair in half.
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start += 1;
  const prefix = start > 0 ? "…" : "";
  const suffix = end < text.length ? "…" : "";
  // One whitespace character for another: offsets stay true.
  const body = text.slice(start, end).replace(/\s/g, " ");
  const shift = prefix.length - start;
  const highlights: SearchHighlight[] = [];
  for (const m of matches) {
    if (m.start < start || m.end > end) continue;
    const h = { start: m.start + shift, end: m.end + shift };
    const prev = highlights[highlights.length - 1];
    if (prev && h.start <= prev.end) prev.end = Math.max(prev.end, h.end);
    else highlights.push(h);
  }
  return { snippet: prefix + body + suffix, highlights };
}

interface Match {
  start: number;
  end: number;
  exact: boolean;
}

function findMatches(text: string, terms: SnippetTerms): Match[] {
  const out: Match[] = [];
  for (const term of terms.exact) {
    if (!term) continue;
    const re = new RegExp(escapeRegExp(term), "giu");
    for (const m of text.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].length, exact: true });
  }
  const words = new Set(terms.words.map((w) => w.toLowerCase()));
  const stems = terms.stems.filter((s) => s.length >= 2).map((s) => s.toLowerCase());
  if (words.size || stems.length) {
    for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
      const token = m[0].toLowerCase();
      if (words.has(token) || stems.some((s) => token.startsWith(s))) {
        out.push({ start: m.index, end: m.index + m[0].length, exact: false });
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
