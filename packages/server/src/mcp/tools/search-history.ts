import {
  SearchHistoryInputSchema,
  type SearchQuery,
  SearchQuerySchema,
  type SearchResponse,
  type SearchResult,
} from "@strand/protocol";
import type { Actor } from "../../policy/policy.js";
import { cut, when } from "../render.js";
import { defineTool, McpToolError } from "../tool.js";

/** The search engine as this tool needs it (`ctx.search`, packages/server/src/search). */
export interface HistorySearch {
  search(actor: Actor, query: Omit<SearchQuery, "scope"> & { scope?: SearchQuery["scope"] }): Promise<SearchResponse>;
}

/**
 * `search_history`: the same engine and the same scope as `GET /api/v1/search` for the session's
 * owner (the engine resolves a session actor to its owner's sessions, policy `historyScope`).
 */
export function searchHistoryTool(engine: HistorySearch) {
  return defineTool({
    name: "search_history",
    title: "Search past conversations",
    description:
      "Search every earlier Strand conversation this session's owner may see (their sessions and their teams'): " +
      "prompts, answers, tool calls and their output, notices. Use it to find how an error was fixed before, " +
      'what was decided, or which command worked. query: words, "quoted phrases" or identifiers such as ' +
      "ERR_CONN_4417 or src/auth/login.ts. Each result names its session_id and entry_id: pass them to " +
      "read_conversation to read what happened around it.",
    input: SearchHistoryInputSchema,
    async run(input, { caller }) {
      const parsed = SearchQuerySchema.safeParse({
        q: input.query,
        session_id: input.session_id,
        project_id: input.project_id,
        kind: input.kind,
        since: input.since,
        until: input.until,
        limit: input.limit,
      });
      if (!parsed.success) {
        throw new McpToolError(parsed.error.issues.map((i) => i.message.replace(/^q /, "query ")).join("; "));
      }
      const res = await engine.search(caller.actor, { ...parsed.data, scope: "history" });
      const results = res.results.filter((r): r is SearchResult => r.type !== "knowledge");
      return {
        text: render(input.query, results, res.next_cursor !== null),
        structured: { results, mode: res.mode, more: res.next_cursor !== null },
      };
    },
  });
}

function render(query: string, results: SearchResult[], more: boolean): string {
  if (!results.length) return `No earlier conversation entries match ${JSON.stringify(query)}.`;
  const lines = [`${results.length} result${results.length === 1 ? "" : "s"} for ${JSON.stringify(query)}:`];
  results.forEach((r, i) => {
    lines.push(
      `\n${i + 1}. session "${r.session_name}" (session_id ${r.session_id}) · ${when(new Date(r.created_at))} · ` +
        `${r.kind} · entry_id ${r.entry_id} (#${r.seq})`,
      `   ${cut(marked(r.snippet, r.highlights).replace(/\s*\n\s*/g, " ⏎ "), 600)}`,
    );
  });
  if (more) lines.push("\n(more results: narrow the query, or add session_id, kind or since)");
  return lines.join("\n");
}

/** The matched ranges in **bold**, as the UI highlights them. */
function marked(snippet: string, highlights: SearchResult["highlights"]): string {
  let out = "";
  let at = 0;
  for (const h of [...highlights].sort((a, b) => a.start - b.start)) {
    if (h.start < at || h.end > snippet.length || h.end <= h.start) continue;
    out += `${snippet.slice(at, h.start)}**${snippet.slice(h.start, h.end)}**`;
    at = h.end;
  }
  return out + snippet.slice(at);
}
