import { type SearchKind, type SearchResult, snippetParts } from "@strand/protocol";

/** How `strand search` names entry kinds (as the web UI's badges do). */
export const KIND_NAMES: Record<SearchKind, string> = {
  user: "prompt",
  text: "answer",
  thinking: "thinking",
  tool_call: "tool call",
  plan: "plan",
  notice: "notice",
  permission: "permission",
};

export interface FormatOptions {
  /** Emphasise matches with ANSI bold/yellow (a terminal); plain text otherwise. */
  color: boolean;
  projectName?: (id: string) => string | undefined;
  teamName?: (id: string) => string | undefined;
  /** For "2h ago"; the CLI's `ago`. */
  ago: (iso: string) => string;
}

const MARK_ON = "\x1b[1;33m";
const BOLD = "\x1b[1m";
const DIM = "\x1b[2m";
const OFF = "\x1b[0m";

/**
 * Results grouped by session (sessions in the order of their best hit), each hit on its own line:
 * kind, when, and the snippet with its matches emphasised. Snippets are put on one line: the
 * entry's own line breaks become ` ⏎ ` so a hit never spills into the next.
 */
export function formatResults(results: readonly SearchResult[], o: FormatOptions): string {
  if (results.length === 0) return "";
  const groups = new Map<string, SearchResult[]>();
  for (const r of results) {
    const g = groups.get(r.session_id);
    if (g) g.push(r);
    else groups.set(r.session_id, [r]);
  }
  const style = (s: string, code: string) => (o.color ? `${code}${s}${OFF}` : s);
  const kindWidth = Math.max(...results.map((r) => KIND_NAMES[r.kind].length));
  const blocks: string[] = [];
  for (const hits of groups.values()) {
    const first = hits[0] as SearchResult;
    const where = [
      first.runtime,
      first.project_id ? `project ${o.projectName?.(first.project_id) ?? first.project_id}` : undefined,
      first.team_id ? `team ${o.teamName?.(first.team_id) ?? first.team_id}` : undefined,
    ].filter(Boolean);
    const lines = [`${style(first.session_name, BOLD)} (${first.session_id}) · ${where.join(" · ")}`];
    for (const h of hits) {
      const snippet = snippetParts(h.snippet, h.highlights)
        .map((p) => {
          const text = p.text.replace(/\s*\r?\n\s*/g, " ⏎ ");
          return p.mark ? style(text, MARK_ON) : text;
        })
        .join("");
      lines.push(
        `  ${KIND_NAMES[h.kind].padEnd(kindWidth)}  ${style(o.ago(h.created_at).padStart(7), DIM)}  ${snippet}`,
      );
      lines.push(`${" ".repeat(kindWidth + 13)}${style(`entry ${h.entry_id} #${h.seq}`, DIM)}`);
    }
    blocks.push(lines.join("\n"));
  }
  return blocks.join("\n\n");
}

const RELATIVE = /^(\d+)\s*(m|min|h|d|w)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `--since`/`--until` as people type them: an ISO 8601 time (sent as is), a day (`2026-11-30`,
 * its start in UTC) or an age (`30m`, `12h`, `7d`, `2w` ago). Anything else is sent as typed,
 * and the server says what it wants.
 */
export function parseTime(value: string, now = Date.now()): string {
  const v = value.trim();
  const rel = RELATIVE.exec(v);
  if (rel) {
    const n = Number(rel[1]);
    const unit = { m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 }[rel[2] as "m" | "min" | "h" | "d" | "w"];
    return new Date(now - n * unit * 1000).toISOString();
  }
  if (DAY.test(v)) return `${v}T00:00:00Z`;
  return v;
}
