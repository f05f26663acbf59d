/*
 * A document's sections → chunks of about 500 tokens, headings kept (docs/knowledge.md).
 *
 * Tokens are estimated as ~4 characters: no tokenizer is shared by every embedding model and
 * keyword search does not care, so a cheap, deterministic estimate is what keeps chunk sizes
 * bounded. Each chunk's text starts with a prefix line naming the document, its heading path and
 * its page, so a chunk read alone (a search hit, an agent's read_document) says where it is from
 * and keyword search matches the title and headings too.
 */
import type { Chunk, Section } from "./types.js";

export interface ChunkOptions {
  /** Chunks aim for this many (estimated) tokens; small sections merge up to it. */
  targetTokens?: number;
  /** No chunk's body exceeds this many tokens (unless one word alone does). */
  maxTokens?: number;
}

const CHARS_PER_TOKEN = 4;
const DEFAULT_TARGET = 500;
const DEFAULT_MAX = 800;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** One group of sections that share a heading path and page: what a chunk may span. */
interface Group {
  headings: string[];
  page?: number;
  label?: string;
  parts: string[];
}

export function chunkDocument(doc: { title: string; sections: Section[] }, opts: ChunkOptions = {}): Chunk[] {
  const target = Math.max(1, opts.targetTokens ?? DEFAULT_TARGET);
  const max = Math.max(target, opts.maxTokens ?? Math.max(DEFAULT_MAX, target));
  const targetChars = target * CHARS_PER_TOKEN;
  const maxChars = max * CHARS_PER_TOKEN;

  // Merge neighbouring small sections under the same heading path and page; a different heading
  // or page always starts a new chunk so that a chunk's location is true for all of its text.
  const groups: Group[] = [];
  for (const section of doc.sections) {
    const text = normalise(section.text);
    if (text === "") continue;
    const last = groups.at(-1);
    if (
      last &&
      sameKey(last, section) &&
      last.parts.reduce((n, p) => n + p.length + 2, 0) + text.length <= targetChars
    ) {
      last.parts.push(text);
      continue;
    }
    groups.push({ headings: section.headings, page: section.page, label: section.label, parts: [text] });
  }

  const chunks: Chunk[] = [];
  for (const group of groups) {
    const location = locationOf(group);
    const prefix = prefixOf(doc.title, group);
    for (const body of pack(group.parts.join("\n\n"), targetChars, maxChars)) {
      chunks.push({ seq: chunks.length, location, text: `${prefix}\n${body}` });
    }
  }
  return chunks;
}

function sameKey(group: Group, section: Section): boolean {
  return (
    group.page === section.page &&
    group.label === section.label &&
    group.headings.length === section.headings.length &&
    group.headings.every((h, i) => h === section.headings[i])
  );
}

/** `page 3 · Install › Debian`, else the heading path, else the label. */
function locationOf(group: Group): string {
  const parts: string[] = [];
  if (group.page !== undefined) parts.push(`page ${group.page}`);
  if (group.headings.length > 0) parts.push(group.headings.join(" › "));
  else if (group.label) parts.push(group.label);
  return parts.join(" · ");
}

/** `<title> › <heading path> · page N`. */
function prefixOf(title: string, group: Group): string {
  let prefix = [title, ...group.headings].join(" › ");
  if (group.headings.length === 0 && group.label) prefix += ` · ${group.label}`;
  if (group.page !== undefined) prefix += ` · page ${group.page}`;
  return prefix;
}

/** Trims trailing spaces and runs of blank lines; keeps line structure (code, lists). */
function normalise(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Splits text into bodies of about targetChars, never over maxChars: first at paragraphs, then
 * sentences, then words; pieces are then packed greedily up to the target.
 */
function pack(text: string, targetChars: number, maxChars: number): string[] {
  if (text.length <= maxChars) return [text];
  const pieces = split(text, targetChars, 0);
  const out: string[] = [];
  let current = "";
  let sep = "";
  for (const piece of pieces) {
    if (current === "") {
      current = piece.text;
    } else if (current.length + sep.length + piece.text.length <= targetChars) {
      current += sep + piece.text;
    } else {
      out.push(current);
      current = piece.text;
    }
    sep = piece.sep;
  }
  if (current !== "") out.push(current);
  return out;
}

interface Piece {
  text: string;
  /** What joined this piece to the next one in the source. */
  sep: string;
}

const LEVELS: { re: RegExp; sep: string }[] = [
  { re: /\n\s*\n/, sep: "\n\n" },
  { re: /(?<=[.!?。])\s+/, sep: " " },
  { re: /\s+/, sep: " " },
];

function split(text: string, targetChars: number, level: number): Piece[] {
  if (text.length <= targetChars) return [{ text, sep: " " }];
  const rule = LEVELS[level];
  if (!rule) return [{ text, sep: " " }]; // one word longer than the target: kept whole
  const parts = text
    .split(rule.re)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length <= 1) return split(text, targetChars, level + 1);
  const out: Piece[] = [];
  for (const part of parts) {
    const sub = split(part, targetChars, level + 1);
    // The last sub-piece of a part is joined to the next part by this level's separator.
    const tail = sub.at(-1);
    if (tail) tail.sep = rule.sep;
    out.push(...sub);
  }
  return out;
}
