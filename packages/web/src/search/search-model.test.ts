import type { KnowledgeSearchResult, SearchResult } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import {
  apiQuery,
  EMPTY_FILTERS,
  filtersFromParams,
  groupBySession,
  groupResults,
  hitPath,
  searchPath,
  startOfDay,
} from "./search-model.js";

function hit(session: string, entry: string, extra: Partial<SearchResult> = {}): SearchResult {
  return {
    session_id: session,
    session_name: `Session ${session}`,
    entry_id: entry,
    seq: 1,
    kind: "text",
    snippet: entry,
    highlights: [],
    score: 1,
    created_at: "2026-12-01T00:00:00Z",
    project_id: null,
    team_id: null,
    runtime: "strand-agent",
    ...extra,
  };
}

describe("groupBySession", () => {
  it("orders sessions by their best hit and keeps rank order inside each, once per entry", () => {
    const groups = groupBySession([
      hit("a", "a1"),
      hit("b", "b1", { runtime: "codex", project_id: "prj_1", team_id: "team_1" }),
      hit("a", "a2"),
      hit("c", "c1"),
      hit("b", "b2"),
      // The next page repeats one hit (it changed between the pages): shown once.
      hit("a", "a2"),
    ]);
    expect(groups.map((g) => [g.sessionId, g.hits.map((h) => h.entry_id)])).toEqual([
      ["a", ["a1", "a2"]],
      ["b", ["b1", "b2"]],
      ["c", ["c1"]],
    ]);
    expect(groups[1]).toMatchObject({
      sessionName: "Session b",
      runtime: "codex",
      projectId: "prj_1",
      teamId: "team_1",
    });
  });
});

function chunk(id: string): KnowledgeSearchResult {
  return {
    type: "knowledge",
    source_id: "ks_1",
    source_name: "Runbooks",
    source_kind: "files",
    document_id: "kd_1",
    external_id: "deploy.md",
    document_title: "Deploy",
    chunk_id: id,
    chunk_seq: 0,
    location: "Deploy › Rollback",
    url: null,
    snippet: id,
    highlights: [],
    score: 1,
    created_at: "2026-12-01T00:00:00Z",
    project_id: "prj_1",
    team_id: null,
  };
}

describe("groupResults", () => {
  it("lists knowledge chunks where they rank, between sessions placed at their best hit, each once", () => {
    const blocks = groupResults([
      chunk("k1"),
      hit("a", "a1"),
      chunk("k2"),
      hit("a", "a2"),
      hit("b", "b1"),
      chunk("k1"),
    ]);
    expect(
      blocks.map((b) => (b.type === "session" ? `${b.group.sessionId}:${b.group.hits.length}` : b.hit.chunk_id)),
    ).toEqual(["k1", "a:2", "k2", "b:1"]);
    expect(groupBySession([chunk("k1"), hit("a", "a1")]).map((g) => g.sessionId)).toEqual(["a"]);
  });
});

describe("filters in the URL and the API query", () => {
  it("round-trips through the URL, dropping what the API would refuse", () => {
    const f = {
      q: 'login "token expired"',
      kinds: ["text" as const, "tool_call" as const],
      runtime: "codex" as const,
      project: "prj_1",
      team: "",
      since: "2026-11-01",
      until: "2026-11-30",
      scope: "knowledge" as const,
    };
    const path = searchPath(f);
    expect(path).toBe(
      "/search?q=login+%22token+expired%22&kind=text%2Ctool_call&runtime=codex&project=prj_1&since=2026-11-01&until=2026-11-30&scope=knowledge",
    );
    expect(filtersFromParams(new URL(path, "http://x").searchParams)).toEqual(f);
    expect(filtersFromParams(new URLSearchParams("q=x&kind=text,bogus&runtime=vim&since=yesterday"))).toEqual({
      ...EMPTY_FILTERS,
      q: "x",
      kinds: ["text"],
    });
  });

  it("sends only the set filters; until includes its whole day", () => {
    expect(apiQuery({ ...EMPTY_FILTERS, q: "deploy" })).toEqual({ q: "deploy", scope: "all" });
    const q = apiQuery(
      { ...EMPTY_FILTERS, q: "deploy", kinds: ["user"], team: "team_1", since: "2026-11-01", until: "2026-11-30" },
      "c2",
    );
    expect(q).toEqual({
      q: "deploy",
      scope: "all",
      kind: "user",
      team_id: "team_1",
      since: startOfDay("2026-11-01"),
      until: startOfDay("2026-12-01"),
      cursor: "c2",
    });
    expect(new Date(startOfDay("2026-11-30", 1)).getTime() - new Date(startOfDay("2026-11-30")).getTime()).toBe(
      86_400_000,
    );
  });

  it("links a hit to its entry on the session page", () => {
    expect(hitPath({ session_id: "ses_1", entry_id: "ent_2" })).toBe("/sessions/ses_1?entry=ent_2");
  });
});
