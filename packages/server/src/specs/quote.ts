const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/**
 * Reviewers select text in the *rendered* spec, so a quote is what the browser shows: no `**`, no
 * list markers, no link targets, line breaks wherever the layout put them. A quote "is in" a
 * document when both read the same once Markdown syntax and whitespace runs are taken out.
 */
export function plainText(text: string): string {
  return (
    text
      // Lines that render as no text: fences, rules and setext underlines, table separator rows.
      .replace(/^[ \t]*(?:```|~~~).*$/gm, "")
      .replace(/^[ \t]*([-*_=])(?:[ \t]*\1){2,}[ \t]*$/gm, "")
      .replace(/^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?$/gm, "")
      // Images show no text; link targets are not shown: [text](url) reads as text.
      .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
      .replace(/\]\([^)\s]*(?:\s+"[^"]*")?\)/g, "]")
      // Autolinks show their address; other HTML tags show nothing.
      .replace(/<((?:https?|mailto):[^>\s]+)>/g, "$1")
      .replace(/<\/?[A-Za-z][^>]*>/g, " ")
      // Block markers at the start of a line: headings, quotes, list items, checkboxes.
      .replace(/^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?)+/gm, "")
      .replace(/^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?/gm, "")
      // Backslash escapes and entities render as the character.
      .replace(/\\([!-/:-@[-`{-~])/g, "$1")
      .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, (_, name: string) => ENTITIES[name] ?? "")
      // Inline syntax, and table pipes between cells.
      .replace(/[*_~`[\]]/g, "")
      .replace(/\|/g, " ")
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
