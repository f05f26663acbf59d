import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import type { Caller } from "../../../test/support/http.js";
import { addProvider } from "../../../test/support/llm.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";

let llm: ScriptedLlm;
let t: TestServer;
let user: { call: Caller; id: string; token: string };
const MODELS = ["embed-1", "embed-2"];

beforeAll(async () => {
  llm = await startScriptedLlm([], MODELS);
  t = await startTestServer({
    STRAND_SEARCH_EMBEDDING_MODEL: "emb/embed-1",
    STRAND_SEARCH_EMBEDDING_RETRY_MS: "200",
  });
  // The server-wide model must be on a provider every user may route to: an admin's shared one.
  await addProvider(t.admin, { name: "emb", kind: "openai-compatible", base_url: llm.url, shared: true });
  user = await t.newUser("embed@example.com");
});
afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

const status = async () => (await user.call("GET", "/api/v1/search/status")).body;
const allEmbedded = (what: string) =>
  until(
    status,
    (st) => st.embeddings.total > 0 && st.embeddings.embedded === st.embeddings.total && st.embeddings.error === null,
    what,
    30_000,
  );
const say = async (sessionId: string, text: string) =>
  (
    await user.call("POST", `/api/v1/sessions/${sessionId}/messages`, {
      body: { request_id: `${text}-${Math.random()}`, content: text },
    })
  ).body as { id: string };
const search = (q: string, extra = "") => user.call("GET", `/api/v1/search?q=${encodeURIComponent(q)}${extra}`);
const ids = (res: any) => res.body.results.map((r: { entry_id: string }) => r.entry_id);

describe(`semantic search (${process.env.STRAND_TEST_DB})`, () => {
  it("embeds entries in the background and fuses nearest neighbours with keyword results", async () => {
    const s = (await user.call("POST", "/api/v1/sessions", { body: { name: "vectors", start: false } })).body;
    const zebra = await say(s.id, "zebra crossing on the main road");
    const qwerty = await say(s.id, "qwerty keyboards are the default layout");
    const done = await allEmbedded("every entry embedded");
    expect(done.embeddings).toMatchObject({
      model: "emb/embed-1",
      dimensions: 4,
      storage: t.backend === "pglite" ? "pgvector" : "array",
      error: null,
    });
    expect(llm.requests.some((r) => r.path.endsWith("/embeddings") && r.body.model === "embed-1")).toBe(true);

    const keyword = await search("zebra", "&mode=keyword");
    expect(keyword.body.mode).toBe("keyword");
    expect(ids(keyword)).toEqual([zebra.id]);
    const hybrid = await search("zebra");
    expect(hybrid.body.mode).toBe("hybrid");
    expect(ids(hybrid)[0]).toBe(zebra.id);
    // No word in common, but the same meaning as far as the scripted model can tell (its vectors
    // come from the first characters): only the vectors find it.
    expect(ids(await search("qwer", "&mode=keyword"))).toEqual([]);
    const semantic = await search("qwer");
    expect(semantic.body.mode).toBe("hybrid");
    expect(ids(semantic)[0]).toBe(qwerty.id);
    // Scoped like everything else: another user's search finds none of it, by meaning either.
    const other = await t.newUser("embed-other@example.com");
    const mine = await say(
      (await other.call("POST", "/api/v1/sessions", { body: { name: "x", start: false } })).body.id,
      "qwerty marker",
    );
    const foreign = await other.call("GET", "/api/v1/search?q=qwer");
    expect(ids(foreign)).not.toContain(qwerty.id);
    expect(ids(foreign).filter((id: string) => id !== mine.id)).toEqual([]);
  });

  it("keeps keyword search working while the provider is down, says why, and catches up when it is back", async () => {
    await allEmbedded("a clean start");
    const port = Number(new URL(llm.url).port);
    await llm.close();
    const s = (await user.call("POST", "/api/v1/sessions", { body: { name: "outage", start: false } })).body;
    const entry = await say(s.id, "yak shaving during the outage");
    const res = await search("yak");
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([entry.id]);
    expect(res.body.mode).toBe("keyword");
    const down = await until(status, (st) => st.embeddings.error !== null, "the embedder to report the outage", 30_000);
    expect(down.embeddings.error).toMatch(/emb\/embed-1.*(unreachable|ECONNREFUSED|connect)/i);
    expect(down.embeddings.embedded).toBeLessThan(down.embeddings.total);

    llm = await startScriptedLlm([], MODELS, { port });
    await allEmbedded("the embedder to catch up");
    expect((await search("yak")).body.mode).toBe("hybrid");
  });

  it("re-embeds a team's entries when the team sets its own model", async () => {
    const team = (await user.call("POST", "/api/v1/teams", { body: { name: "Embedding Team" } })).body;
    expect(team.embedding_model).toBeNull();
    const s = (await user.call("POST", "/api/v1/sessions", { body: { name: "t", team_id: team.id, start: false } }))
      .body;
    const entry = await say(s.id, "team notes about gazelles");
    await allEmbedded("the team's entry embedded with the server's model");
    const modelOf = async () =>
      (
        (await t.server.database.db.execute(
          sql`select model from entry_embeddings where entry_id = ${entry.id}`,
        )) as unknown as { rows: { model: string }[] }
      ).rows[0]?.model;
    expect(await modelOf()).toBe("emb/embed-1");

    expect((await user.call("PATCH", `/api/v1/teams/${team.id}`, { body: { embedding_model: "nope" } })).status).toBe(
      400,
    );
    const set = await user.call("PATCH", `/api/v1/teams/${team.id}`, { body: { embedding_model: "emb/embed-2" } });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ embedding_model: "emb/embed-2", name: "Embedding Team" });
    await until(modelOf, (m) => m === "emb/embed-2", "the team's entry re-embedded", 30_000);
    await allEmbedded("everything current again");
    expect(ids(await search("gazelles"))[0]).toBe(entry.id);
    const cleared = await user.call("PATCH", `/api/v1/teams/${team.id}`, { body: { embedding_model: null } });
    expect(cleared.body.embedding_model).toBeNull();
  });
});
