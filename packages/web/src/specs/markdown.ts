import DOMPurify from "dompurify";
import { marked } from "marked";

/**
 * A spec document as safe HTML. The agent wrote it, so it is untrusted: marked renders GitHub
 * Markdown, DOMPurify strips scripts, handlers and javascript: links from the result.
 */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true }) as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}
