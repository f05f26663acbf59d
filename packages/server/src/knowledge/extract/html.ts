/*
 * HTML → sections split by h1–h6, with script, style and navigation dropped (they are not what a
 * person reads). Used for .html files and for DOCX, which mammoth turns into HTML with Word's
 * Heading styles as h1–h6.
 */
import { type HTMLElement, type Node, NodeType, parse, type TextNode } from "node-html-parser";
import { ExtractError, type ExtractedDocument, type Section } from "../types.js";
import { EMPTY_FILE } from "./text.js";

const DROPPED = new Set(["script", "style", "nav", "noscript", "template", "svg", "head", "title", "iframe", "object"]);
const BLOCK = new Set([
  "p",
  "div",
  "section",
  "article",
  "main",
  "header",
  "footer",
  "aside",
  "blockquote",
  "pre",
  "ul",
  "ol",
  "li",
  "table",
  "thead",
  "tbody",
  "tfoot",
  "tr",
  "dl",
  "dt",
  "dd",
  "figure",
  "figcaption",
  "form",
  "fieldset",
  "address",
  "details",
  "summary",
  "hr",
  "br",
]);
const CELL = new Set(["td", "th"]);
const HEADING = /^h([1-6])$/;

export interface HtmlSections {
  title: string | undefined;
  firstHeading: string | undefined;
  sections: Section[];
}

export function htmlToSections(html: string): HtmlSections {
  // node-html-parser keeps a doctype or an XML declaration as text; neither is content.
  const source = html.replace(/<!doctype[^>]*>|<\?xml[^>]*\?>/gi, "");
  const root = parse(source, { comment: false, blockTextElements: { pre: true, script: false, style: false } });
  const titleEl = root.querySelector("title");
  const title = titleEl ? collapse(titleEl.textContent) || undefined : undefined;

  const sections: Section[] = [];
  const stack: string[] = [];
  let firstHeading: string | undefined;
  let buf = "";
  // Paragraph text is whitespace-collapsed; <pre> blocks are kept verbatim (code indentation is meaning).
  let blocks: string[] = [];
  const endText = () => {
    const text = buf
      .split("\n")
      .map((l) => l.replace(/[ \t\u00a0]+/g, " ").trim())
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    if (text !== "") blocks.push(text);
    buf = "";
  };
  const flush = () => {
    endText();
    if (blocks.length > 0) sections.push({ headings: [...stack], text: blocks.join("\n\n") });
    blocks = [];
  };

  const walk = (node: Node) => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      // .text is the decoded text (entities resolved), unlike .rawText.
      const text = (node as TextNode).text;
      buf += text.replace(/\s+/g, " ");
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const el = node as HTMLElement;
    const tag = el.rawTagName?.toLowerCase() ?? "";
    if (DROPPED.has(tag)) return;
    const h = HEADING.exec(tag);
    if (h?.[1]) {
      const text = collapse(el.textContent);
      if (text === "") return;
      flush();
      const level = Number(h[1]);
      stack.length = Math.min(stack.length, level - 1);
      stack.push(text);
      firstHeading ??= text;
      return;
    }
    if (tag === "pre") {
      endText();
      const code = el.textContent.replace(/^\n/, "").trimEnd();
      if (code.trim() !== "") blocks.push(code);
      return;
    }
    const block = BLOCK.has(tag);
    if (block) buf += "\n";
    if (tag === "li") buf += "- ";
    for (const child of el.childNodes) walk(child);
    if (CELL.has(tag)) buf += " | ";
    if (block) buf += "\n";
    if (tag === "p" || tag === "tr" || tag === "li") buf += "\n";
  };
  walk(root);
  flush();
  return { title, firstHeading, sections };
}

export function extractHtml(fallbackTitle: string, html: string): ExtractedDocument {
  const { title, firstHeading, sections } = htmlToSections(html);
  if (sections.length === 0) throw new ExtractError(EMPTY_FILE);
  return { format: "html", title: title ?? firstHeading ?? fallbackTitle, sections, metadata: {} };
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
