/**
 * Conversation entries as compact text for an agent to read: one block per entry, every string
 * cut to a budget so a window of 100 entries stays a few thousand tokens.
 */

/** Per entry; the entry the window is centred on gets more. */
export const ENTRY_CHARS = 1_200;
export const ANCHOR_CHARS = 4_000;
/** The whole answer of read_conversation. */
export const WINDOW_CHARS = 24_000;

export function entryBody(kind: string, content: unknown, max: number): string {
  const c = (content ?? {}) as Record<string, unknown>;
  switch (kind) {
    case "user": {
      const author = (c.author as { email?: string } | undefined)?.email;
      const outcome = typeof c.error === "string" ? ` (failed: ${c.error})` : "";
      return cut(`${author ? `${author}: ` : ""}${str(c.text)}${outcome}`, max);
    }
    case "tool_call":
      return toolCall(c, max);
    case "plan":
      return cut(
        arrayOf(c.entries)
          .map((e) => {
            const item = e as { content?: string; status?: string };
            return `- [${item.status === "completed" ? "x" : " "}] ${str(item.content)}`;
          })
          .join("\n"),
        max,
      );
    case "permission": {
      const call = (c.tool_call ?? {}) as Record<string, unknown>;
      return cut(
        `asked to run: ${str(call.title)}${c.selected_option_id ? ` → ${str(c.selected_option_id)}` : ""}`,
        max,
      );
    }
    case "notice":
      return cut(`${str(c.level)}: ${str(c.text)}`, max);
    default:
      return cut(str(c.text), max);
  }
}

function toolCall(c: Record<string, unknown>, max: number): string {
  const lines = [`${str(c.title) || "tool call"} (${str(c.kind) || "other"})`];
  if (c.input !== undefined && c.input !== null) lines.push(`input: ${cut(json(c.input), Math.floor(max / 3))}`);
  const paths = arrayOf(c.diffs).map((d) => str((d as { path?: string }).path));
  if (paths.length) lines.push(`changed: ${paths.join(", ")}`);
  const output: string[] = [];
  for (const item of arrayOf(c.content)) {
    const i = item as { type?: string; text?: string; output?: string; exit_code?: number | null };
    if (i.type === "text" && i.text) output.push(i.text);
    if (i.type === "terminal" && i.output)
      output.push(`${i.output}${i.exit_code != null ? `\n(exit ${i.exit_code})` : ""}`);
  }
  if (!output.length && c.output !== undefined && c.output !== null) output.push(json(c.output));
  if (output.length) lines.push(`output: ${edges(output.join("\n"), max - lines.join("\n").length)}`);
  return cut(lines.join("\n"), max);
}

/** Start and end of a long output, where commands and their errors show. */
function edges(s: string, max: number): string {
  if (max <= 20) return "…";
  if (s.length <= max) return s;
  const half = Math.floor((max - 5) / 2);
  return `${s.slice(0, half)}\n…\n${s.slice(-half)}`;
}

export function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

const str = (v: unknown): string => (typeof v === "string" ? v : v == null ? "" : String(v));
const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function json(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** `2026-12-04 18:53 UTC`: minutes are what a reader needs, and the zone is never in doubt. */
export const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
