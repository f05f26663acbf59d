import { SEARCH_QUERY_MAX } from "@strand/protocol";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, type ScriptedAgent, sessionToken } from "../../../test/support/agent-socket.js";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { sessions } from "../src/db/schema.js";
import { backfillProgress, NO_EMBEDDINGS } from "../src/search/backfill.js";
import { SearchService } from "../src/search/service.js";

let t: TestServer;
let alice: { call: Caller; id: string; token: string };
let bob: { call: Caller; id: string; token: string };
const agents: ScriptedAgent[] = [];

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.newUser("alice-search@example.com");
  bob = await t.newUser("bob-search@example.com");
});
afterAll(async () => {
  for (const a of agents) a.ws.ws.terminate();
  await t?.stop();
});

let requests = 0;
const newSession = async (call: Caller, body: Record<string, unknown> = {}) => {
  const res = await call("POST", "/api/v1/sessions", { body: { name: "search", start: false, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; owner_id: string; team_id: string | null };
};
const say = async (call: Caller, sessionId: string, text: string) => {
  const res = await call("POST", `/api/v1/sessions/${sessionId}/messages`, {
    body: { request_id: `r-${++requests}`, content: text },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; seq: number; created_at: string; turn_id: string };
};
const search = (call: Caller, query: Record<string, string | number>) =>
  call(
    "GET",
    `/api/v1/search?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
  );
const ids = (res: { body: { results: { entry_id: string }[] } }) => res.body.results.map((r) => r.entry_id);

describe(`search (${process.env.STRAND_TEST_DB})`, () => {
  it("finds a prompt in the request right after it was stored, with the match highlighted", async () => {
    const s = await newSession(alice.call, { name: "login work" });
    const entry = await say(alice.call, s.id, "Please fix the flaky login test in the quokka module");
    const res = await search(alice.call, { q: "quokka" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.mode).toBe("keyword");
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.results).toHaveLength(1);
    const [hit] = res.body.results;
    expect(hit).toMatchObject({
      session_id: s.id,
      session_name: "login work",
      entry_id: entry.id,
      seq: entry.seq,
      kind: "user",
      created_at: entry.created_at,
      project_id: null,
      team_id: null,
      runtime: "strand-agent",
    });
    expect(hit.highlights.map((h: any) => hit.snippet.slice(h.start, h.end))).toEqual(["quokka"]);
    // Stemmed words find other forms: "tests" → test.
    const forms = await search(alice.call, { q: "tests flaky" });
    expect(ids(forms)).toEqual([entry.id]);
    // No embedding model on this server: hybrid is keyword search, and the status says so.
    const hybrid = await search(alice.call, { q: "quokka", mode: "hybrid" });
    expect(hybrid.body.mode).toBe("keyword");
    expect(ids(hybrid)).toEqual([entry.id]);
    const status = await alice.call("GET", "/api/v1/search/status");
    expect(status.status).toBe(200);
    expect(status.body.backfill.complete).toBe(true);
    expect(status.body.embeddings).toEqual({
      model: null,
      dimensions: null,
      storage: "none",
      embedded: 0,
      total: 0,
      error: null,
    });
  });

  it("indexes agent entries (tool calls with commands, paths and output) as they are stored and updated", async () => {
    const s = await newSession(alice.call);
    const token = await sessionToken(t.server.database.db, alice.id, s.id);
    await t.server.database.db.update(sessions).set({ state: "starting" }).where(eq(sessions.id, s.id));
    const agent = await connectAgent(t.url, s.id, token, "search-proc");
    agents.push(agent);
    const prompt = await say(alice.call, s.id, "run the wombat suite");
    await agent.prompt(1);
    await agent.call({ type: "turn.started", turn_id: prompt.turn_id });
    const tool = (rev: number, output: string) => ({
      type: "entry.upsert",
      id: "ent_search_tool",
      turn_id: prompt.turn_id,
      rev,
      kind: "tool_call",
      status: rev === 1 ? "in_progress" : "failed",
      content: {
        tool_call_id: "c1",
        title: "Run tests",
        kind: "execute",
        input: { command: "npm test -- wombat" },
        content: [{ type: "terminal", terminal_id: "t1", output, exit_code: rev === 1 ? null : 1 }],
        locations: [],
        diffs: [{ path: "src/zoo/wombat.ts", old_text: null, new_text: "x" }],
      },
    });
    expect((await agent.call(tool(1, "starting"))).error).toBeUndefined();
    expect(ids(await search(alice.call, { q: "src/zoo/wombat.ts" }))).toEqual(["ent_search_tool"]);
    expect(ids(await search(alice.call, { q: "ERR_WOMBAT_77" }))).toEqual([]);
    await agent.call(tool(2, "Error: ERR_WOMBAT_77 at wombat.ts:12"));
    const res = await search(alice.call, { q: "ERR_WOMBAT_77" });
    expect(ids(res)).toEqual(["ent_search_tool"]);
    expect(res.body.results[0].kind).toBe("tool_call");
  });

  it("ranks entries with the exact identifier above entries that only share its words", async () => {
    const s = await newSession(alice.call);
    const words = await say(alice.call, s.id, "err conn 4417 came back when the conn pool ran dry");
    const other = await say(alice.call, s.id, "the ERR CONN 4417 family of errors");
    const exact = await say(alice.call, s.id, "the gateway answered ERR_CONN_4417 twice");
    const res = await search(alice.call, { q: "ERR_CONN_4417" });
    expect(ids(res)[0]).toBe(exact.id);
    expect(ids(res).slice(1).sort()).toEqual([words.id, other.id].sort());
    const top = res.body.results[0];
    expect(top.highlights.map((h: any) => top.snippet.slice(h.start, h.end))).toContain("ERR_CONN_4417");
    expect(top.score).toBeGreaterThan(res.body.results[1].score);
  });

  it("ranks entries with every word first, then entries with some of them", async () => {
    const s = await newSession(alice.call, { name: "words" });
    const one = await say(alice.call, s.id, "the dugong surfaced near the boat");
    const all = await say(alice.call, s.id, "a dugong flipper turned out to be a tooth of the pangolin");
    const other = await say(alice.call, s.id, "the pangolin hid in the forest");
    const res = await search(alice.call, { q: "dugong pangolin flipper" });
    expect(ids(res)[0]).toBe(all.id);
    expect(new Set(ids(res))).toEqual(new Set([all.id, one.id, other.id]));
    // Excluding a word keeps the query as written: every other word must be there.
    expect(ids(await search(alice.call, { q: "dugong -flipper" }))).toEqual([one.id]);
  });

  it("matches quoted phrases exactly", async () => {
    const s = await newSession(alice.call);
    const yes = await say(alice.call, s.id, "upstream said: Connection Refused by peer (pelican)");
    await say(alice.call, s.id, "the pelican refused a connection");
    const res = await search(alice.call, { q: '"connection refused" pelican' });
    expect(ids(res)).toEqual([yes.id]);
    const [hit] = res.body.results;
    expect(hit.highlights.map((h: any) => hit.snippet.slice(h.start, h.end))).toEqual([
      "Connection Refused",
      "pelican",
    ]);
  });

  it("filters by session, kind, time, team, project and runtime", async () => {
    const a = await newSession(alice.call, { runtime: "claude-code" });
    const b = await newSession(alice.call);
    const inA = await say(alice.call, a.id, "narwhal one");
    const inB = await say(alice.call, b.id, "narwhal two");
    const all = await search(alice.call, { q: "narwhal" });
    expect(ids(all).sort()).toEqual([inA.id, inB.id].sort());
    expect(ids(await search(alice.call, { q: "narwhal", session_id: a.id }))).toEqual([inA.id]);
    expect(ids(await search(alice.call, { q: "narwhal", runtime: "claude-code" }))).toEqual([inA.id]);
    expect(ids(await search(alice.call, { q: "narwhal", kind: "text,tool_call" }))).toEqual([]);
    expect(ids(await search(alice.call, { q: "narwhal", kind: "user" })).sort()).toEqual([inA.id, inB.id].sort());
    expect(ids(await search(alice.call, { q: "narwhal", since: inB.created_at }))).toEqual([inB.id]);
    expect(ids(await search(alice.call, { q: "narwhal", until: inB.created_at }))).toEqual([inA.id]);

    const project = await alice.call("POST", "/api/v1/projects", { body: { name: "narwhal project" } });
    expect(project.status, project.text).toBe(201);
    await t.server.database.db.update(sessions).set({ projectId: project.body.id }).where(eq(sessions.id, b.id));
    const byProject = await search(alice.call, { q: "narwhal", project_id: project.body.id });
    expect(ids(byProject)).toEqual([inB.id]);
    expect(byProject.body.results[0].project_id).toBe(project.body.id);

    const team = await alice.call("POST", "/api/v1/teams", { body: { name: "Narwhal Team" } });
    const inTeam = await say(alice.call, (await newSession(alice.call, { team_id: team.body.id })).id, "narwhal three");
    const byTeam = await search(alice.call, { q: "narwhal", team_id: team.body.id });
    expect(ids(byTeam)).toEqual([inTeam.id]);
    expect(byTeam.body.results[0].team_id).toBe(team.body.id);
  });

  it("pages through every result once, in order, with an opaque cursor", async () => {
    const s = await newSession(alice.call);
    const stored = new Set<string>();
    for (let i = 0; i < 23; i++) stored.add((await say(alice.call, s.id, `axolotl note ${i}`)).id);
    const seen: string[] = [];
    const scores: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await search(alice.call, { q: "axolotl", limit: 10, ...(cursor ? { cursor } : {}) });
      expect(res.status, res.text).toBe(200);
      seen.push(...ids(res));
      scores.push(...res.body.results.map((r: any) => r.score));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(stored);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);

    const first = await search(alice.call, { q: "axolotl", limit: 10 });
    // An entry stored between pages does not shift the pages of a search already under way.
    await say(alice.call, s.id, "axolotl latecomer");
    const second = await search(alice.call, { q: "axolotl", limit: 10, cursor: first.body.next_cursor });
    expect(ids(second).filter((id) => ids(first).includes(id))).toEqual([]);
    expect(ids(second)).toEqual(seen.slice(10, 20));

    const wrong = await search(alice.call, { q: "something else", cursor: first.body.next_cursor });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toMatch(/another query/);
    expect((await search(alice.call, { q: "axolotl", cursor: "garbage!" })).status).toBe(400);
  });

  it("answers junk with 200, and over-long queries with 400 naming the limit", async () => {
    const s = await newSession(alice.call);
    await say(alice.call, s.id, "drop table x is not something we do");
    const junk = [
      "&|!:*()",
      '"unbalanced quote',
      '"""',
      "😀🔥",
      "'; drop table x; --",
      "a:b & c | !d <-> e:*",
      "\\\\ % _ %% __",
      "(((",
      "-nothing",
      "or",
      "x".repeat(SEARCH_QUERY_MAX),
    ];
    for (const q of junk) {
      const res = await search(alice.call, { q });
      expect(res.status, `${q}: ${res.text}`).toBe(200);
      expect(Array.isArray(res.body.results)).toBe(true);
    }
    expect((await search(alice.call, { q: "&|!:*()" })).body.results).toEqual([]);
    expect((await search(alice.call, { q: "'; drop table x; --" })).body.results).toHaveLength(1);
    const long = await search(alice.call, { q: "y".repeat(10_000) });
    expect(long.status).toBe(400);
    expect(long.body.message).toContain(String(SEARCH_QUERY_MAX));
    expect((await search(alice.call, { q: "   " })).status).toBe(400);
  });
});

describe(`search scoping (${process.env.STRAND_TEST_DB})`, () => {
  it("shows nobody else's conversations, admins included", async () => {
    const secret = await say(alice.call, (await newSession(alice.call)).id, "capybara secret plans");
    const marker = await say(bob.call, (await newSession(bob.call)).id, "capybara marker of bob's");
    // Bob's own entry arrives, so the same search would have found alice's too.
    expect(ids(await search(bob.call, { q: "capybara" }))).toEqual([marker.id]);
    expect(ids(await search(alice.call, { q: "capybara" }))).toEqual([secret.id]);
    expect(ids(await search(t.admin, { q: "capybara" }))).toEqual([]);
    // Naming alice's session does not open it either.
    expect(ids(await search(bob.call, { q: "capybara", session_id: secret.id }))).toEqual([]);
  });

  it("team viewers find the team's sessions, and lose them the moment they are removed", async () => {
    const viewer = await t.newUser("viewer-search@example.com");
    const team = await alice.call("POST", "/api/v1/teams", { body: { name: "Search Team" } });
    const added = await alice.call("POST", `/api/v1/teams/${team.body.id}/members`, {
      body: { email: "viewer-search@example.com", role: "viewer" },
    });
    expect(added.status, added.text).toBe(201);
    const inTeam = await say(
      alice.call,
      (await newSession(alice.call, { team_id: team.body.id })).id,
      "okapi sighting",
    );
    const personal = await say(alice.call, (await newSession(alice.call)).id, "okapi personal");
    const own = await say(viewer.call, (await newSession(viewer.call)).id, "okapi of my own");
    expect(ids(await search(viewer.call, { q: "okapi" })).sort()).toEqual([inTeam.id, own.id].sort());
    expect(personal.id).not.toBe(inTeam.id);

    const removed = await alice.call("DELETE", `/api/v1/teams/${team.body.id}/members/${viewer.id}`);
    expect(removed.status).toBeLessThan(300);
    expect(ids(await search(viewer.call, { q: "okapi" }))).toEqual([own.id]);
  });

  it("a session's agent searches with its owner's scope: the owner's sessions and teams, nobody else's", async () => {
    const team = await bob.call("POST", "/api/v1/teams", { body: { name: "Agent Scope Team" } });
    await bob.call("POST", `/api/v1/teams/${team.body.id}/members`, {
      body: { email: "alice-search@example.com", role: "member" },
    });
    const teamEntry = await say(bob.call, (await newSession(bob.call, { team_id: team.body.id })).id, "tapir team");
    const bobsOwn = await say(bob.call, (await newSession(bob.call)).id, "tapir bob only");
    const mine = await newSession(alice.call);
    const mineEntry = await say(alice.call, mine.id, "tapir in the agent's own session");
    const other = await say(alice.call, (await newSession(alice.call)).id, "tapir in another of alice's");
    const svc = new SearchService(t.server.database.db, {
      backfill: () => backfillProgress(t.server.database.db),
      embeddings: async () => NO_EMBEDDINGS,
    });
    const agent = { kind: "session", sessionId: mine.id, ownerId: alice.id, teamId: null } as const;
    const res = await svc.search(agent, { q: "tapir", limit: 20, mode: "auto" });
    expect(res.results.map((r) => (r.type === "knowledge" ? r.chunk_id : r.entry_id)).sort()).toEqual(
      [teamEntry.id, mineEntry.id, other.id].sort(),
    );
    expect(res.results.map((r) => (r.type === "knowledge" ? r.chunk_id : r.entry_id))).not.toContain(bobsOwn.id);
    await bob.call("DELETE", `/api/v1/teams/${team.body.id}/members/${alice.id}`);
    const after = await svc.search(agent, { q: "tapir", limit: 20, mode: "auto" });
    expect(after.results.map((r) => (r.type === "knowledge" ? r.chunk_id : r.entry_id)).sort()).toEqual(
      [mineEntry.id, other.id].sort(),
    );
  });
});
