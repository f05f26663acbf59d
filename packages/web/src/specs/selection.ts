/** How much text around a selection goes with a comment, to place it when the quote recurs. */
export const CONTEXT_CHARS = 30;

export interface QuotedSelection {
  quote: string;
  prefix: string;
  suffix: string;
}

/**
 * The selected text of a document's rendered text (`start`..`end` are offsets into `text`), without
 * the whitespace around it, with up to `width` characters before and after. Null when only
 * whitespace is selected.
 */
export function quoteOf(text: string, start: number, end: number, width = CONTEXT_CHARS): QuotedSelection | null {
  let from = Math.max(0, Math.min(start, end));
  let to = Math.min(text.length, Math.max(start, end));
  while (from < to && /\s/.test(text[from] ?? "")) from++;
  while (to > from && /\s/.test(text[to - 1] ?? "")) to--;
  if (from === to) return null;
  return {
    quote: text.slice(from, to),
    prefix: text.slice(Math.max(0, from - width), from),
    suffix: text.slice(to, to + width),
  };
}

/** The quote as a thread shows it: one line, shortened. */
export function shortQuote(quote: string, max = 160): string {
  const one = quote.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * Where a thread's quote is in a document's rendered text: the occurrence whose surrounding text
 * best matches the thread's prefix and suffix, compared with whitespace runs as one space (the
 * layout may break lines differently from when it was selected). Null when the text lacks it.
 */
export function findQuote(text: string, q: QuotedSelection): { start: number; end: number } | null {
  // The text with each whitespace run as one space, and where each of its characters came from.
  let flat = "";
  const origin: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      if (flat.endsWith(" ")) continue;
      flat += " ";
    } else flat += ch;
    origin.push(i);
  }
  const squash = (s: string) => s.replace(/\s+/g, " ");
  const quote = squash(q.quote).trim();
  if (!quote) return null;
  const prefix = squash(q.prefix);
  const suffix = squash(q.suffix);
  let best: { at: number; score: number } | null = null;
  for (let at = flat.indexOf(quote); at >= 0; at = flat.indexOf(quote, at + 1)) {
    const score =
      commonSuffix(flat.slice(Math.max(0, at - prefix.length), at), prefix) +
      commonPrefix(flat.slice(at + quote.length, at + quote.length + suffix.length), suffix);
    if (!best || score > best.score) best = { at, score };
  }
  if (!best) return null;
  const last = origin[best.at + quote.length - 1] as number;
  return { start: origin[best.at] as number, end: last + 1 };
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}
