import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { conversationEntries } from "../src/db/schema.js";

let t: TestServer | undefined;
afterAll(() => t?.stop());

describe(`search backfill (${process.env.STRAND_TEST_DB})`, () => {
  it("indexes entries stored before search existed, in batches, and resumes after a restart without duplicates", async () => {
    t = await startTestServer();
    const user = await t.newUser("backfill@example.com");
    const s = (await user.call("POST", "/api/v1/sessions", { body: { name: "old work", start: false } })).body;
    const stored: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await user.call("POST", `/api/v1/sessions/${s.id}/messages`, {
        body: { request_id: `old-${i}`, content: `ibis migration note ${i}` },
      });
      stored.push(res.body.id);
    }
    const threadBefore = (await user.call("GET", `/api/v1/sessions/${s.id}/messages?limit=100`)).body.items;
    // What rows written before migration 0012 look like.
    await t.server.database.db
      .update(conversationEntries)
      .set({ searchText: null, searchTsv: sql`null`, searchVersion: null })
      .where(eq(conversationEntries.sessionId, s.id));
    expect((await user.call("GET", "/api/v1/search?q=ibis")).body.results).toEqual([]);

    const slow = { STRAND_SEARCH_BACKFILL_BATCH: "3", STRAND_SEARCH_BACKFILL_PAUSE_MS: "300" };
    t = await t.restart(slow);
    let call = t.as({ token: user.token });
    const status = async () => (await call("GET", "/api/v1/search/status")).body;
    const before = await status();
    expect(before.backfill.total).toBe(30);
    // Part-way through: some batches committed, others not yet.
    const partial = await until(
      status,
      (st) => st.backfill.indexed > 0 && st.backfill.indexed < 30,
      "the backfill under way",
      30_000,
    );
    expect(partial.backfill.complete).toBe(false);
    t = await t.restart({ ...slow, STRAND_SEARCH_BACKFILL_PAUSE_MS: "0" });
    call = t.as({ token: user.token });
    const done = await until(status, (st) => st.backfill.complete, "the backfill to finish", 30_000);
    expect(done.backfill).toEqual({ indexed: 30, total: 30, complete: true });

    const found = await call("GET", "/api/v1/search?q=ibis&limit=100");
    const ids = found.body.results.map((r: { entry_id: string }) => r.entry_id);
    expect(ids).toHaveLength(30);
    expect(new Set(ids)).toEqual(new Set(stored));
    // The backfill is bookkeeping: the thread is exactly as it was, updated_at included.
    const thread = await call("GET", `/api/v1/sessions/${s.id}/messages?limit=100`);
    expect(thread.body.items).toEqual(threadBefore);
    const phrase = await call("GET", "/api/v1/search?q=%22migration%20note%2029%22");
    expect(phrase.body.results.map((r: { entry_id: string }) => r.entry_id)).toEqual([stored[29]]);
  });

  it("redoes rows indexed by an older version, so their identifiers are found whole", async () => {
    t = t ?? (await startTestServer());
    const user = await t.newUser("heron@example.com");
    const s = (await user.call("POST", "/api/v1/sessions", { body: { name: "old index", start: false } })).body;
    const old = await user.call("POST", `/api/v1/sessions/${s.id}/messages`, {
      body: { request_id: "heron-1", content: "the heron raised HERON_LIMIT_9 at src/heron/wing.ts:40" },
    });
    const fresh = await user.call("POST", `/api/v1/sessions/${s.id}/messages`, {
      body: { request_id: "heron-2", content: "another HERON_LIMIT_9 seen" },
    });
    const find = async (q: string) =>
      (await user.call("GET", `/api/v1/search?q=${encodeURIComponent(q)}`)).body.results.map(
        (r: { entry_id: string }) => r.entry_id,
      );
    expect(await find("wing.ts")).toEqual([old.body.id]);
    // Version 1 (migration 0012): the words only, no identifier lexemes.
    await t.server.database.db
      .update(conversationEntries)
      .set({ searchTsv: sql`to_tsvector('english', ${conversationEntries.searchText})`, searchVersion: null })
      .where(eq(conversationEntries.id, old.body.id));
    expect(await find("wing.ts")).toEqual([]);
    // Found by its words meanwhile, after the entry that has the identifier whole.
    expect(await find("HERON_LIMIT_9")).toEqual([fresh.body.id, old.body.id]);
    t = await t.restart({ STRAND_SEARCH_BACKFILL_PAUSE_MS: "0" });
    const call = t.as({ token: user.token });
    await until(
      async () => (await call("GET", "/api/v1/search/status")).body,
      (st) => st.backfill.complete,
      "the backfill to redo the row",
      30_000,
    );
    const again = await call("GET", "/api/v1/search?q=wing.ts");
    expect(again.body.results.map((r: { entry_id: string }) => r.entry_id)).toEqual([old.body.id]);
  });
});
