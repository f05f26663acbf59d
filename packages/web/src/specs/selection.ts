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
