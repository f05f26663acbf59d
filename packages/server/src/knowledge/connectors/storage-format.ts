/*
 * Confluence storage format (XHTML with ac:/ri: macros) → text in sections under its headings.
 * A small tokenizer rather than an HTML library: storage format is well-formed XML-ish markup,
 * and what matters is the text, the headings, code macros' CDATA and link titles.
 */
import type { Section } from "../types.js";

const BLOCK = new Set([
  "p",
  "div",
  "br",
  "table",
  "ul",
  "ol",
  "pre",
  "blockquote",
  "hr",
  "ac:structured-macro",
  "ac:rich-text-body",
  "ac:task",
  "ac:layout-section",
  "ac:layout-cell",
]);
// Whose content is not text a reader sees.
const SKIP = new Set(["ac:parameter", "script", "style", "ri:attachment"]);

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
  middot: "·",
  bull: "•",
  copy: "©",
  reg: "®",
  trade: "™",
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[name.toLowerCase()] ?? m;
  });
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, "i").exec(tag);
  return m ? decodeEntities(m[2] ?? m[3] ?? "") : undefined;
}

function tidy(text: string): string {
  return text
    .replace(/[ \t\r\f\v]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Storage format → sections; `baseHeadings` go before the page's own headings (ancestors stay in the title). */
export function storageToSections(xhtml: string, label?: string, baseHeadings: string[] = []): Section[] {
  const sections: Section[] = [];
  let path: { level: number; text: string }[] = [];
  let buf = "";
  let heading: { level: number; text: string } | null = null;
  let skipDepth = 0;
  let linkHasBody = false;
  let pendingLinkTitle: string | undefined;

  const emit = (s: string) => {
    if (skipDepth > 0) return;
    if (heading) heading.text += s;
    else buf += s;
  };
  const flush = () => {
    // A row's last cell separator is noise.
    const text = tidy(buf.replace(/ \| *(?=\n|$)/g, ""));
    if (text)
      sections.push({ headings: [...baseHeadings, ...path.map((h) => h.text)], text, ...(label ? { label } : {}) });
    buf = "";
  };

  const re = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>|([^<]+)/g;
  for (let m = re.exec(xhtml); m; m = re.exec(xhtml)) {
    const [, cdata, closing, rawName, rest = "", selfClosing, text] = m;
    if (cdata !== undefined) {
      emit(`\n${cdata}\n`);
      continue;
    }
    if (text !== undefined) {
      emit(decodeEntities(text));
      continue;
    }
    if (!rawName) continue;
    const name = rawName.toLowerCase();
    const h = /^h([1-6])$/.exec(name);
    if (h) {
      const level = Number(h[1]);
      if (!closing) {
        flush();
        heading = { level, text: "" };
      } else if (heading) {
        const t = tidy(heading.text);
        path = path.filter((p) => p.level < level);
        if (t) path.push({ level, text: t });
        heading = null;
      }
      continue;
    }
    if (SKIP.has(name)) {
      if (selfClosing) continue;
      skipDepth += closing ? -1 : 1;
      if (skipDepth < 0) skipDepth = 0;
      continue;
    }
    // Links to pages and users carry their text in attributes when there is no link body.
    if (name === "ac:link") {
      if (!closing) {
        linkHasBody = false;
        pendingLinkTitle = undefined;
      } else {
        if (!linkHasBody && pendingLinkTitle) emit(pendingLinkTitle);
        pendingLinkTitle = undefined;
      }
      continue;
    }
    if (name === "ri:page" || name === "ri:space" || name === "ri:url") {
      pendingLinkTitle = attr(rest, "ri:content-title") ?? attr(rest, "ri:space-key") ?? attr(rest, "ri:value");
      continue;
    }
    if (name === "ac:link-body" || name === "ac:plain-text-link-body") {
      linkHasBody = true;
      continue;
    }
    if (name === "ac:emoticon") {
      emit(attr(rest, "ac:emoji-fallback") ?? "");
      continue;
    }
    if (name === "tr") {
      if (closing) emit("\n");
      continue;
    }
    if (name === "td" || name === "th") {
      if (closing) emit(" | ");
      continue;
    }
    if (name === "li") {
      // One item a line: the opening tag starts it, the closing one adds nothing.
      if (!closing) emit("\n- ");
      continue;
    }
    if (BLOCK.has(name)) emit("\n");
  }
  if (heading) {
    // An unclosed heading still names what follows.
    const t = tidy((heading as { text: string }).text);
    if (t) path.push({ level: (heading as { level: number }).level, text: t });
  }
  flush();
  return sections;
}
