/*
 * Atlassian Document Format (Jira Cloud's v3 description and comment bodies) → plain text in
 * sections under their headings, so chunks keep "where in the issue" the way files keep pages.
 * Unknown node types are walked for their text rather than dropped: Atlassian adds types often.
 */
import type { Section } from "../types.js";

export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
}

const BLOCKS = new Set([
  "paragraph",
  "blockquote",
  "codeBlock",
  "rule",
  "panel",
  "listItem",
  "bulletList",
  "orderedList",
  "table",
  "tableRow",
  "mediaSingle",
  "mediaGroup",
  "expand",
  "nestedExpand",
  "decisionList",
  "taskList",
  "taskItem",
  "decisionItem",
]);

/** The text of inline content and nested blocks, blocks separated by newlines. */
export function adfToText(node: AdfNode | null | undefined): string {
  return tidy(render(node));
}

function render(node: AdfNode | null | undefined): string {
  if (!node || typeof node !== "object") return "";
  const attrs = node.attrs ?? {};
  switch (node.type) {
    case "text":
      return node.text ?? "";
    case "hardBreak":
      return "\n";
    case "mention":
      return String(attrs.text ?? "@someone");
    case "emoji":
      return String(attrs.text ?? attrs.shortName ?? "");
    case "inlineCard":
    case "blockCard":
    case "embedCard":
      return String(attrs.url ?? "");
    case "date":
      return typeof attrs.timestamp === "string" || typeof attrs.timestamp === "number"
        ? new Date(Number(attrs.timestamp)).toISOString().slice(0, 10)
        : "";
    case "status":
      return `[${String(attrs.text ?? "")}]`;
    case "listItem":
    case "taskItem":
      return `- ${children(node).trim()}\n`;
    case "tableCell":
    case "tableHeader":
      return `${children(node).trim()} | `;
    case "tableRow":
      return `${children(node).replace(/ \| $/, "")}\n`;
    case "media":
      return String(attrs.alt ?? "");
  }
  const inner = children(node);
  return BLOCKS.has(node.type) || node.type === "heading" ? `${inner}\n\n` : inner;
}

function children(node: AdfNode): string {
  return Array.isArray(node.content) ? node.content.map(render).join("") : "";
}

function tidy(text: string): string {
  return text
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * A document's top-level blocks grouped under their headings. `label` is set on every section
 * (e.g. `description`), since an issue's sections are told apart by it when headings are empty.
 */
export function adfToSections(doc: AdfNode | null | undefined, label?: string, baseHeadings: string[] = []): Section[] {
  const sections: Section[] = [];
  if (!doc || !Array.isArray(doc.content)) return sections;
  let path: { level: number; text: string }[] = [];
  let buf = "";
  const flush = () => {
    const text = tidy(buf);
    if (text)
      sections.push({ headings: [...baseHeadings, ...path.map((h) => h.text)], text, ...(label ? { label } : {}) });
    buf = "";
  };
  for (const block of doc.content) {
    if (block.type === "heading") {
      flush();
      const level = Number(block.attrs?.level ?? 1);
      path = path.filter((h) => h.level < level);
      path.push({ level, text: tidy(children(block)) });
    } else {
      buf += render(block);
    }
  }
  flush();
  return sections;
}

/** Plain text (a comment an agent writes) as an ADF document, one paragraph per blank-line-separated block. */
export function textToAdf(text: string): AdfNode {
  const paragraphs = text.split(/\n{2,}/).filter((p) => p.trim() !== "");
  return {
    type: "doc",
    attrs: { version: 1 },
    content: paragraphs.map((p) => {
      const lines = p.split("\n");
      const content: AdfNode[] = [];
      lines.forEach((line, i) => {
        if (i > 0) content.push({ type: "hardBreak" });
        if (line) content.push({ type: "text", text: line });
      });
      return { type: "paragraph", content };
    }),
  } as AdfNode & { attrs: { version: number } };
}
