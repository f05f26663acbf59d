/**
 * Reviewers select text in the *rendered* spec, so a quote is what the browser shows: no `**`, no
 * list markers, no link targets, line breaks wherever the layout put them. A quote "is in" a
 * document when both read the same once Markdown syntax and whitespace runs are taken out.
 */
export function plainText(text: string): string {
  return (
    text
      // Link and image targets are not shown: [text](url) reads as text.
      .replace(/\]\([^)\s]*(?:\s+"[^"]*")?\)/g, "]")
      // Block markers at the start of a line: headings, quotes, list items, checkboxes.
      .replace(/^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?)+/gm, "")
      .replace(/^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?/gm, "")
      // Inline syntax and table pipes.
      .replace(/[*_~`[\]]/g, "")
      .replace(/\|/g, " ")
      .replace(/&nbsp;/g, " ")
      .replace(/\s+/g, " ")
      .trim()
  );
}

/** Whether the quoted selection still reads in the document (null: the document is gone). */
export function containsQuote(document: string | null, quote: string): boolean {
  if (document === null) return false;
  const q = plainText(quote);
  if (q === "") return false;
  return plainText(document).includes(q);
}
