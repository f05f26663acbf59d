import {
  type AnySearchResult,
  ENTRY_KINDS,
  isKnowledgeResult,
  type KnowledgeSearchResult,
  type ROUTES,
  type RouteQuery,
  RUNTIMES,
  type Runtime,
  type SearchKind,
  type SearchResult,
  snippetParts,
} from "@strand/protocol";

/** What `GET /api/v1/search` takes, as a URL carries it (`kind` comma-separated). */
export type SearchApiQuery = RouteQuery<(typeof ROUTES)["search.query"]>;

/** A snippet cut at its highlights (the protocol's `snippetParts`, shared with the CLI). */
export const highlightParts = snippetParts;

/** One session's hits, in the order the server ranked them. */
export interface SessionGroup {
  sessionId: string;
  sessionName: string;
  runtime: Runtime;
  projectId: string | null;
  teamId: string | null;
  hits: SearchResult[];
}

/**
 * Groups ranked results by session: sessions in the order of their best hit, hits in rank order
 * under them. Pages are grouped together (a later page adds to the groups already shown), and a
 * hit repeated across pages is shown once.
 */
export function groupBySession(results: readonly AnySearchResult[]): SessionGroup[] {
  return groupResults(results).flatMap((b) => (b.type === "session" ? [b.group] : []));
}

/** What the results page lists, in rank order: a session with its hits, or one knowledge chunk. */
export type ResultBlock = { type: "session"; group: SessionGroup } | { type: "knowledge"; hit: KnowledgeSearchResult };

/**
 * Ranked results as the page lists them: a session where its best hit ranks, with all its hits
 * under it; a knowledge chunk where it ranks. A result repeated across pages is shown once.
 */
export function groupResults(results: readonly AnySearchResult[]): ResultBlock[] {
  const blocks: ResultBlock[] = [];
  const groups = new Map<string, SessionGroup>();
  const seen = new Set<string>();
  for (const r of results) {
    if (isKnowledgeResult(r)) {
      if (seen.has(`chunk:${r.chunk_id}`)) continue;
      seen.add(`chunk:${r.chunk_id}`);
      blocks.push({ type: "knowledge", hit: r });
      continue;
    }
    if (seen.has(r.entry_id)) continue;
    seen.add(r.entry_id);
    let g = groups.get(r.session_id);
    if (!g) {
      g = {
        sessionId: r.session_id,
        sessionName: r.session_name,
        runtime: r.runtime,
        projectId: r.project_id,
        teamId: r.team_id,
        hits: [],
      };
      groups.set(r.session_id, g);
      blocks.push({ type: "session", group: g });
    }
    g.hits.push(r);
  }
  return blocks;
}

export const SEARCH_SCOPES = ["all", "history", "knowledge"] as const;
export type SearchScope = (typeof SEARCH_SCOPES)[number];
export const SCOPE_LABELS: Record<SearchScope, string> = {
  all: "everything",
  history: "conversations",
  knowledge: "knowledge",
};

/** What the results page searches for, as its URL says (`/search?q=…&kind=text,tool_call&…`). */
export interface SearchFilters {
  q: string;
  kinds: SearchKind[];
  runtime: Runtime | "";
  project: string;
  team: string;
  /** `YYYY-MM-DD` as a date input gives it; sent as the start of that day (local time). */
  since: string;
  /** `YYYY-MM-DD`; the whole day is included (sent as the start of the next day). */
  until: string;
  /** Conversations, knowledge sources or both (the default). */
  scope: SearchScope;
}

export const EMPTY_FILTERS: SearchFilters = {
  q: "",
  kinds: [],
  runtime: "",
  project: "",
  team: "",
  since: "",
  until: "",
  scope: "all",
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromParams(p: URLSearchParams): SearchFilters {
  const kinds = (p.get("kind") ?? "")
    .split(",")
    .filter((k): k is SearchKind => (ENTRY_KINDS as readonly string[]).includes(k));
  const runtime = p.get("runtime") ?? "";
  const day = (v: string | null) => (v && DAY.test(v) ? v : "");
  return {
    q: p.get("q") ?? "",
    kinds,
    runtime: (RUNTIMES as readonly string[]).includes(runtime) ? (runtime as Runtime) : "",
    project: p.get("project") ?? "",
    team: p.get("team") ?? "",
    since: day(p.get("since")),
    until: day(p.get("until")),
    scope: (SEARCH_SCOPES as readonly string[]).includes(p.get("scope") ?? "")
      ? (p.get("scope") as SearchScope)
      : "all",
  };
}

/** The URL of the results page for these filters; empty ones are left out so links stay short. */
export function searchPath(f: Partial<SearchFilters>): string {
  const p = new URLSearchParams();
  const all = { ...EMPTY_FILTERS, ...f };
  p.set("q", all.q);
  if (all.kinds.length > 0) p.set("kind", all.kinds.join(","));
  if (all.runtime) p.set("runtime", all.runtime);
  if (all.project) p.set("project", all.project);
  if (all.team) p.set("team", all.team);
  if (all.since) p.set("since", all.since);
  if (all.until) p.set("until", all.until);
  if (all.scope !== "all") p.set("scope", all.scope);
  return `/search?${p.toString()}`;
}

/** A local calendar day as the instant it starts, in ISO 8601 with the offset the API wants. */
export function startOfDay(day: string, plusDays = 0): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The API query for the filters (and a page's cursor). */
export function apiQuery(f: SearchFilters, cursor?: string): SearchApiQuery {
  return {
    q: f.q,
    scope: f.scope,
    ...(f.kinds.length > 0 ? { kind: f.kinds.join(",") } : {}),
    ...(f.runtime ? { runtime: f.runtime } : {}),
    ...(f.project ? { project_id: f.project } : {}),
    ...(f.team ? { team_id: f.team } : {}),
    ...(f.since ? { since: startOfDay(f.since) } : {}),
    ...(f.until ? { until: startOfDay(f.until, 1) } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

export const KIND_LABELS: Record<SearchKind, string> = {
  user: "prompt",
  text: "answer",
  thinking: "thinking",
  tool_call: "tool call",
  plan: "plan",
  notice: "notice",
  permission: "permission",
};

/** The link that opens a hit: the session page, scrolled to the entry and marked. */
export function hitPath(r: Pick<SearchResult, "session_id" | "entry_id">): string {
  return `/sessions/${encodeURIComponent(r.session_id)}?entry=${encodeURIComponent(r.entry_id)}`;
}
