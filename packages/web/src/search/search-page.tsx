import { ENTRY_KINDS, RUNTIMES, type SearchKind, type SearchResult } from "@strand/protocol";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "../api/client.js";
import { ApiRequestError } from "../api/errors.js";
import { queryKeys } from "../api/query-keys.js";
import { KnowledgeHit } from "../knowledge/knowledge-hit.js";
import { ago } from "../ui/format.js";
import { searchApi } from "./api.js";
import {
  apiQuery,
  filtersFromParams,
  groupResults,
  highlightParts,
  hitPath,
  KIND_LABELS,
  SCOPE_LABELS,
  SEARCH_SCOPES,
  type SearchFilters,
  type SessionGroup,
  searchPath,
} from "./search-model.js";
import "./search.css";

/**
 * `/search?q=…`: hits over every conversation you may see, grouped by session, each snippet with
 * its matches marked; filters in the URL (so a search is a link), pages through `next_cursor`.
 */
export function SearchPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const filters = filtersFromParams(params);
  const set = (change: Partial<SearchFilters>) => navigate(searchPath({ ...filters, ...change }), { replace: true });

  const results = useInfiniteQuery({
    queryKey: queryKeys.search(apiQuery(filters)),
    queryFn: ({ pageParam }) => searchApi.query(apiQuery(filters, pageParam || undefined)),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // A refusal (an empty or too long query, a bad filter) will not change by asking again.
    retry: (n, err) => !(err instanceof ApiRequestError && err.status >= 400 && err.status < 500) && n < 1,
  });
  // While older conversations are still being indexed, say so: a missing old hit is then expected.
  const status = useQuery({
    queryKey: queryKeys.searchStatus,
    queryFn: searchApi.status,
    refetchInterval: (q) => (q.state.data && !q.state.data.backfill.complete ? 5_000 : false),
  }).data;
  const projects = useQuery({ queryKey: queryKeys.projects, queryFn: api.listProjects }).data?.items ?? [];
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items ?? [];
  const projectName = (id: string | null) => (id ? (projects.find((p) => p.id === id)?.name ?? id) : null);
  const teamName = (id: string | null) => (id ? (teams.find((t) => t.id === id)?.name ?? id) : null);

  const all = results.data?.pages.flatMap((p) => p.results) ?? [];
  const blocks = groupResults(all);
  const sessionCount = blocks.filter((b) => b.type === "session").length;
  const chunkCount = blocks.length - sessionCount;
  const filtered =
    filters.kinds.length > 0 || filters.runtime || filters.project || filters.team || filters.since || filters.until;

  const toggleKind = (k: SearchKind) =>
    set({ kinds: filters.kinds.includes(k) ? filters.kinds.filter((x) => x !== k) : [...filters.kinds, k] });

  return (
    <section className="page search-page" data-testid="search-page">
      <header className="page-header">
        <h1>Search</h1>
        {filters.q && (
          <span className="muted" data-testid="search-summary">
            {results.data
              ? `${all.length}${results.hasNextPage ? "+" : ""} result${all.length === 1 ? "" : "s"} in ${sessionCount} session${sessionCount === 1 ? "" : "s"}${chunkCount > 0 ? ` and ${chunkCount} knowledge chunk${chunkCount === 1 ? "" : "s"}` : ""} for “${filters.q}”`
              : `for “${filters.q}”`}
          </span>
        )}
      </header>

      <form className="search-filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="search-kinds" data-testid="search-scope-filter">
          <legend>Search in</legend>
          {SEARCH_SCOPES.map((s) => (
            <label key={s} className={`kind-chip${filters.scope === s ? " on" : ""}`}>
              <input type="radio" name="scope" checked={filters.scope === s} onChange={() => set({ scope: s })} />
              {SCOPE_LABELS[s]}
            </label>
          ))}
        </fieldset>
        <fieldset className="search-kinds" data-testid="search-kind-filter">
          <legend>Kind</legend>
          {ENTRY_KINDS.map((k) => (
            <label key={k} className={`kind-chip${filters.kinds.includes(k) ? " on" : ""}`}>
              <input type="checkbox" checked={filters.kinds.includes(k)} onChange={() => toggleKind(k)} />
              {KIND_LABELS[k]}
            </label>
          ))}
        </fieldset>
        <label>
          Runtime
          <select
            value={filters.runtime}
            onChange={(e) => set({ runtime: e.target.value as SearchFilters["runtime"] })}
            data-testid="search-runtime-filter"
          >
            <option value="">any</option>
            {RUNTIMES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Project
          <select
            value={filters.project}
            onChange={(e) => set({ project: e.target.value })}
            data-testid="search-project-filter"
          >
            <option value="">any</option>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
            {filters.project && !projects.some((p) => p.id === filters.project) && (
              <option value={filters.project}>{filters.project}</option>
            )}
          </select>
        </label>
        <label>
          Team
          <select value={filters.team} onChange={(e) => set({ team: e.target.value })} data-testid="search-team-filter">
            <option value="">any</option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
            {filters.team && !teams.some((t) => t.id === filters.team) && (
              <option value={filters.team}>{filters.team}</option>
            )}
          </select>
        </label>
        <label>
          Since
          <input
            type="date"
            value={filters.since}
            max={filters.until || undefined}
            onChange={(e) => set({ since: e.target.value })}
            data-testid="search-since"
          />
        </label>
        <label>
          Until
          <input
            type="date"
            value={filters.until}
            min={filters.since || undefined}
            onChange={(e) => set({ until: e.target.value })}
            data-testid="search-until"
          />
        </label>
        {filtered && (
          <button
            type="button"
            className="link"
            onClick={() => set({ kinds: [], runtime: "", project: "", team: "", since: "", until: "" })}
            data-testid="search-clear-filters"
          >
            Clear filters
          </button>
        )}
      </form>

      {status && !status.backfill.complete && (
        <p className="muted search-notice" role="status" data-testid="search-backfill">
          Older conversations are still being indexed ({status.backfill.indexed} of {status.backfill.total}); their hits
          appear as they are.
        </p>
      )}
      {status?.embeddings.error && (
        <p className="muted search-notice" role="status" data-testid="search-embeddings-error">
          Semantic matches are unavailable for now ({status.embeddings.error}); keyword search works.
        </p>
      )}
      {results.error && (
        <p className="error search-error" role="alert" data-testid="search-error">
          {results.error.message}
        </p>
      )}
      {results.isPending && <p className="page-status">Searching…</p>}
      {results.data && all.length === 0 && (
        <p className="muted search-empty" data-testid="search-empty">
          Nothing matches “{filters.q}”{filtered ? " with these filters" : ""}. Try fewer or other words, a part of an
          identifier, or {filtered ? "clear the filters" : "a “quoted phrase” for exact words"}.
        </p>
      )}

      <ol className="search-groups" data-testid="search-results" aria-label="Results by session and document">
        {blocks.map((b) =>
          b.type === "session" ? (
            <Group
              key={b.group.sessionId}
              group={b.group}
              project={projectName(b.group.projectId)}
              team={teamName(b.group.teamId)}
            />
          ) : (
            <li key={b.hit.chunk_id} className="search-group search-knowledge" data-testid="search-knowledge">
              <ul className="search-hits">
                <KnowledgeHit hit={b.hit} showSource />
              </ul>
            </li>
          ),
        )}
      </ol>

      {results.hasNextPage && (
        <button
          type="button"
          onClick={() => results.fetchNextPage()}
          disabled={results.isFetchingNextPage}
          data-testid="search-more"
        >
          {results.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}

function Group({ group: g, project, team }: { group: SessionGroup; project: string | null; team: string | null }) {
  return (
    <li className="search-group" data-testid="search-group" data-session-id={g.sessionId}>
      <header className="search-group-header">
        <Link
          to={`/sessions/${encodeURIComponent(g.sessionId)}`}
          className="search-session"
          data-testid="search-session"
        >
          {g.sessionName}
        </Link>
        <span className="muted search-session-meta">
          {g.runtime}
          {project && ` · ${project}`}
          {team && ` · ${team}`}
        </span>
        <span className="muted search-hit-count">
          {g.hits.length} hit{g.hits.length === 1 ? "" : "s"}
        </span>
      </header>
      <ul className="search-hits">
        {g.hits.map((h) => (
          <Hit key={h.entry_id} hit={h} />
        ))}
      </ul>
    </li>
  );
}

function Hit({ hit: h }: { hit: SearchResult }) {
  return (
    <li>
      <Link
        to={hitPath(h)}
        className="search-hit"
        data-testid="search-hit"
        data-entry-id={h.entry_id}
        data-kind={h.kind}
      >
        <span className={`kind-badge kind-${h.kind}`}>{KIND_LABELS[h.kind]}</span>
        <span className="search-snippet" data-testid="search-snippet">
          {highlightParts(h.snippet, h.highlights).map((p, i) =>
            // Parts never move: their index is their identity.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>,
          )}
        </span>
        <time className="muted" dateTime={h.created_at} title={new Date(h.created_at).toLocaleString()}>
          {ago(h.created_at)}
        </time>
      </Link>
    </li>
  );
}
