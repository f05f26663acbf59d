/*
 * Markdown → sections by its headings (ATX `## x` and setext `x\n---`). Code fences are kept as
 * text, and a `#` inside a fence is code, not a heading. The first level-1 heading is the title.
 */
import { ExtractError, type ExtractedDocument, type Section } from "../types.js";
import { EMPTY_FILE } from "./text.js";

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;

export function extractMarkdown(fallbackTitle: string, source: string): ExtractedDocument {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const sections: Section[] = [];
  const stack: string[] = [];
  let body: string[] = [];
  let title: string | undefined;
  let fence: string | null = null;

  const flush = () => {
    const text = body.join("\n").trim();
    if (text !== "") sections.push({ headings: [...stack], text });
    body = [];
  };
  const heading = (level: number, text: string) => {
    flush();
    stack.length = Math.min(stack.length, level - 1);
    // A skipped level (# A then ### B) keeps the path short rather than inventing an empty heading.
    stack.push(text);
    if (level === 1 && title === undefined) title = text;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const f = FENCE.exec(line);
    if (fence !== null) {
      body.push(line);
      if (f?.[1] && f[1][0] === fence[0] && f[1].length >= fence.length && line.trim() === f[1]) fence = null;
      continue;
    }
    if (f?.[1]) {
      fence = f[1];
      body.push(line);
      continue;
    }
    const atx = ATX.exec(line);
    if (atx?.[1]) {
      heading(atx[1].length, (atx[2] ?? "").trim());
      continue;
    }
    const next = lines[i + 1];
    const setext = next !== undefined ? SETEXT.exec(next) : null;
    // Setext needs a paragraph line above: a `---` after a blank line is a thematic break.
    if (setext?.[1] && line.trim() !== "" && !/^\s{4}/.test(line) && (body.at(-1) ?? "").trim() === "") {
      heading(setext[1][0] === "=" ? 1 : 2, line.trim());
      i++;
      continue;
    }
    body.push(line);
  }
  flush();
  if (sections.length === 0) throw new ExtractError(EMPTY_FILE);
  return { format: "markdown", title: title || fallbackTitle, sections, metadata: {} };
}
