import type { AnySearchResult, SearchQuery, SearchResponse, SearchResult, SearchStatus } from "@strand/protocol";
import type { Db } from "../db/database.js";
import { type KnowledgeHit, knowledgeKeywordSearch, toKnowledgeResult } from "../knowledge/search.js";
import type { Actor } from "../policy/actor.js";
import { historyScope, knowledgeScope } from "../policy/scopes.js";
import { decodeCursor, encodeCursor, queryKey } from "./cursor.js";
import { fuse } from "./fuse.js";
import { type Hit, keywordSearch, type SearchFilters } from "./keyword.js";
import { parseQuery } from "./parse-query.js";
import { makeSnippet } from "./snippet.js";

/** What the status route reports about the background jobs (search/backfill.ts, search/embedder.ts). */
export interface SearchProgress {
  backfill(): Promise<SearchStatus["backfill"]>;
  embeddings(): Promise<SearchStatus["embeddings"]>;
}

/** Semantic neighbours of a query, when an embedding model is set (search/embedder.ts). */
export interface VectorSearch {
  /** True when hybrid search can run for this actor now: a model is set and some vectors exist. */
  available(actor: Actor): Promise<boolean>;
  /**
   * The entries nearest to the query, best first, within the same scope and filters: one list per
   * embedding model in the actor's scope; null when the query could not be embedded (the provider
   * is down), and the search answers with keywords alone.
   */
  nearest(actor: Actor, q: string, filters: SearchFilters, asOf: Date, limit: number): Promise<Hit[][] | null>;
}

/**
 * Search over every conversation an actor may see (docs/search.md). People come through
 * `GET /api/v1/search`; agents through the MCP `search_history` tool with their session token,
 * which searches with the session owner's scope (policy/scopes.ts `historyScope`).
 */
export class SearchService {
  constructor(
    private readonly db: Db,
    private readonly progress: SearchProgress,
    private readonly vectors?: VectorSearch,
  ) {}

  /**
   * `scope` (default history, so older callers see no change): conversations, knowledge chunks
   * (knowledge/search.ts, policy `knowledgeScope`), or both fused by reciprocal rank (fuse.ts).
   */
  async search(
    actor: Actor,
    query: Omit<SearchQuery, "scope"> & { scope?: SearchQuery["scope"] },
    now = new Date(),
  ): Promise<SearchResponse> {
    const scopeOf = query.scope ?? "history";
    if (scopeOf !== "history") return this.searchKnowledge(actor, { ...query, scope: scopeOf }, now);
    const key = queryKey(query as SearchQuery, "");
    const cursor = query.cursor ? decodeCursor(key, query.cursor) : { at: now, offset: 0 };
    const parsed = parseQuery(query.q);
    const filters: SearchFilters = {
      sessionId: query.session_id,
      projectId: query.project_id,
      teamId: query.team_id,
      runtime: query.runtime,
      kinds: query.kind,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
    };
    // Only operators, punctuation or emoji: nothing to look for, in words or in meaning.
    if (parsed.empty) return { results: [], next_cursor: null, mode: "keyword" };
    const scope = historyScope(actor);
    const want = query.limit + 1;
    let hits: Hit[] | undefined;
    let mode: SearchResponse["mode"] = "keyword";
    const vectors = query.mode !== "keyword" ? this.vectors : undefined;
    if (vectors && (await vectors.available(actor))) {
      // Every list down to this page's end, fused, then cut: RRF needs each list's ranks from the top.
      const depth = cursor.offset + want;
      const semantic = await vectors.nearest(actor, query.q, filters, cursor.at, depth);
      if (semantic) {
        const keyword = await keywordSearch(this.db, parsed, scope, filters, {
          asOf: cursor.at,
          offset: 0,
          limit: depth,
        });
        hits = fuse([keyword, ...semantic]).slice(cursor.offset, cursor.offset + want);
        mode = "hybrid";
      }
    }
    if (!hits) {
      hits = await keywordSearch(this.db, parsed, scope, filters, {
        asOf: cursor.at,
        offset: cursor.offset,
        limit: want,
      });
    }
    const more = hits.length > query.limit;
    const page = hits.slice(0, query.limit);
    return {
      results: page.map((h) => toResult(h, parsed)),
      next_cursor: more ? encodeCursor(key, { at: cursor.at, offset: cursor.offset + page.length }) : null,
      mode,
    };
  }

  private async searchKnowledge(actor: Actor, query: SearchQuery, now: Date): Promise<SearchResponse> {
    const key = queryKey(query, "");
    const cursor = query.cursor ? decodeCursor(key, query.cursor) : { at: now, offset: 0 };
    const parsed = parseQuery(query.q);
    if (parsed.empty) return { results: [], next_cursor: null, mode: "keyword" };
    const want = query.limit + 1;
    const depth = cursor.offset + want;
    const knowledge = await knowledgeKeywordSearch(this.db, parsed, knowledgeScope(actor), query.source_id, {
      asOf: cursor.at,
      offset: query.scope === "all" ? 0 : cursor.offset,
      limit: query.scope === "all" ? depth : want,
    });
    type Tagged = (KnowledgeHit & { k: true }) | (Hit & { k: false });
    let hits: Tagged[] = knowledge.map((h) => ({ ...h, k: true as const }));
    if (query.scope === "all") {
      // Both lists from the top to this page's end, fused, then cut (as hybrid search does).
      const history = await this.search(
        actor,
        { ...query, scope: "history", cursor: undefined, limit: Math.min(depth, 100) },
        cursor.at,
      );
      const historyHits = history.results.map((r, i) => ({
        id: (r as SearchResult).entry_id,
        score: -i,
        stems: [],
        r,
        k: false as const,
      }));
      hits = fuse<Tagged | (typeof historyHits)[number]>([historyHits, hits] as never).slice(
        cursor.offset,
        cursor.offset + want,
      ) as Tagged[];
    }
    const more = hits.length > query.limit;
    const page = hits.slice(0, query.limit);
    const results: AnySearchResult[] = page.map((h) =>
      h.k ? toKnowledgeResult(h, parsed) : { ...(h as unknown as { r: SearchResult }).r, score: h.score },
    );
    return {
      results,
      next_cursor: more ? encodeCursor(key, { at: cursor.at, offset: cursor.offset + page.length }) : null,
      mode: "keyword",
    };
  }

  async status(_actor: Actor): Promise<SearchStatus> {
    const [backfill, embeddings] = await Promise.all([this.progress.backfill(), this.progress.embeddings()]);
    return { backfill, embeddings };
  }
}

function toResult(h: Hit, parsed: ReturnType<typeof parseQuery>): SearchResult {
  const { snippet, highlights } = makeSnippet(h.searchText, {
    exact: [...parsed.phrases, ...parsed.identifiers],
    words: parsed.terms,
    stems: h.stems,
  });
  return {
    type: "history",
    session_id: h.sessionId,
    session_name: h.sessionName,
    entry_id: h.id,
    seq: h.seq,
    kind: h.kind as SearchResult["kind"],
    snippet,
    highlights,
    score: h.score,
    created_at: h.createdAt.toISOString(),
    project_id: h.projectId,
    team_id: h.teamId,
    runtime: h.runtime as SearchResult["runtime"],
  };
}
