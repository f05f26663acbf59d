import type { EntryKind } from "@strand/protocol";

/**
 * The searchable text of a conversation entry: what a person would remember of it and type into a
 * search box. Pure (no I/O), so it runs inside the transaction that stores the entry and in the
 * backfill alike, and both produce the same text.
 */

/** The whole text is cut to this many characters: enough for any prompt or answer worth finding. */
export const ENTRY_TEXT_MAX = 8_192;
/** Terminal and tool output: its start and its end, where commands and errors show up. */
export const OUTPUT_EDGE = 1_024;

export function entryText(kind: EntryKind | string, content: unknown): string {
  const c = (content ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  switch (kind) {
    case "user":
    case "text":
    case "thinking":
      push(parts, c.text);
      break;
    case "notice":
      push(parts, c.text);
      break;
    case "plan":
      for (const item of arrayOf(c.entries)) push(parts, (item as Record<string, unknown>)?.content);
      break;
    case "permission": {
      const call = (c.tool_call ?? {}) as Record<string, unknown>;
      push(parts, call.title);
      push(parts, call.kind);
      pushInput(parts, call.input);
      break;
    }
    case "tool_call":
      toolCallText(parts, c);
      break;
    default:
      push(parts, c.text);
  }
  return bound(parts.join("\n"));
}

function toolCallText(parts: string[], c: Record<string, unknown>): void {
  push(parts, c.title);
  push(parts, c.kind);
  pushInput(parts, c.input);
  const paths = new Set<string>();
  for (const d of arrayOf(c.diffs)) {
    const path = (d as Record<string, unknown>)?.path;
    if (typeof path === "string") paths.add(path);
  }
  for (const l of arrayOf(c.locations)) {
    const path = (l as Record<string, unknown>)?.path;
    if (typeof path === "string") paths.add(path);
  }
  for (const p of paths) parts.push(p);
  for (const item of arrayOf(c.content)) {
    const i = item as Record<string, unknown>;
    if (i?.type === "text") push(parts, edges(str(i.text)));
    else if (i?.type === "terminal") push(parts, edges(str(i.output)));
  }
  if (typeof c.output === "string") push(parts, edges(c.output));
  else if (c.output !== undefined && c.output !== null) push(parts, edges(safeJson(c.output)));
}

/**
 * A tool's input: the command of an `execute`, the pattern of a search, a path or URL. Short string
 * values are what people remember; big ones (a whole file being written) are cut to their edges.
 */
function pushInput(parts: string[], input: unknown): void {
  if (typeof input === "string") {
    push(parts, edges(input));
    return;
  }
  if (!input || typeof input !== "object") return;
  const values: string[] = [];
  collectStrings(input, values, 0);
  for (const v of values) push(parts, edges(v));
}

function collectStrings(v: unknown, out: string[], depth: number): void {
  if (depth > 3 || out.length >= 20) return;
  if (typeof v === "string") out.push(v);
  else if (typeof v === "number" || typeof v === "boolean") return;
  else if (Array.isArray(v)) {
    // A command given as argv reads best as one line.
    if (v.every((x) => typeof x === "string")) out.push(v.join(" "));
    else for (const x of v) collectStrings(x, out, depth + 1);
  } else if (v && typeof v === "object") for (const x of Object.values(v)) collectStrings(x, out, depth + 1);
}

/** The first and last OUTPUT_EDGE characters of a long text, with a marker where the middle was. */
export function edges(text: string): string {
  if (text.length <= OUTPUT_EDGE * 2) return text;
  return `${text.slice(0, OUTPUT_EDGE)}\n…\n${text.slice(-OUTPUT_EDGE)}`;
}

function bound(text: string): string {
  if (text.length <= ENTRY_TEXT_MAX) return text;
  let cut = text.slice(0, ENTRY_TEXT_MAX);
  // Never leave half a surrogate pair: PostgreSQL refuses invalid UTF-8.
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

function push(parts: string[], v: unknown): void {
  if (typeof v === "string" && v.trim() !== "") parts.push(stripNul(v));
}

// PostgreSQL text cannot hold NUL; a terminal may well print one.
const stripNul = (s: string) => (s.includes("\u0000") ? s.replaceAll("\u0000", "") : s);
const str = (v: unknown) => (typeof v === "string" ? v : "");
const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "";
  } catch {
    return "";
  }
}
