import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import type { Caller } from "../../../test/support/http.js";
import { addProvider } from "../../../test/support/llm.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { providers } from "../src/db/schema.js";

const KEY = "sk-ant-api03-THIS-IS-THE-REAL-SECRET-KEY-9f3c";

let t: TestServer;
let llm: ScriptedLlm;
let locked: ScriptedLlm;
let bob: { call: Caller; id: string };
beforeAll(async () => {
  [t, llm, locked] = await Promise.all([
    startTestServer(),
    startScriptedLlm([], ["scripted-1", "scripted-2"]),
    startScriptedLlm([], ["m"], { apiKey: "right-key" }),
  ]);
  bob = await t.newUser("bob@example.com");
});
afterAll(async () => {
  await Promise.all([t?.stop(), llm?.close(), locked?.close()]);
});

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe(`providers API (${process.env.STRAND_TEST_DB})`, () => {
  it("creates, lists, reads, updates and deletes a provider; the key is never returned", async () => {
    const created = await t.admin("POST", "/api/v1/providers", {
      body: { name: "work-anthropic", kind: "anthropic", api_key: KEY },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "work-anthropic",
      kind: "anthropic",
      base_url: "https://api.anthropic.com",
      shared: false,
      api_key_set: true,
      api_key_last4: "9f3c",
    });
    expect(created.body.id).toMatch(/^prv_/);
    const id = created.body.id;

    const list = await t.admin("GET", "/api/v1/providers");
    const one = await t.admin("GET", `/api/v1/providers/${id}`);
    expect(one.body).toEqual(created.body);
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(id);

    const patched = await t.admin("PATCH", `/api/v1/providers/${id}`, {
      body: {
        name: "team-anthropic",
        base_url: "https://proxy.example.com/v1/",
        api_key: "sk-ant-a-new-key-000000abcd",
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: "team-anthropic",
      base_url: "https://proxy.example.com/v1",
      api_key_last4: "abcd",
    });
    const removedKey = await t.admin("PATCH", `/api/v1/providers/${id}`, { body: { api_key: null } });
    expect(removedKey.body).toMatchObject({ api_key_set: false, api_key_last4: null });

    for (const r of [created, list, one, patched]) {
      expect(r.text).not.toContain(KEY);
      expect(r.text).not.toContain("sk-ant-a-new-key");
      expect(r.text).not.toContain("api_key_enc");
    }

    expect((await t.admin("DELETE", `/api/v1/providers/${id}`)).status).toBe(200);
    expect((await t.admin("GET", `/api/v1/providers/${id}`)).status).toBe(404);
  });

  it("stores the key encrypted under the server secret", async () => {
    const p = await addProvider(t.admin, { name: "enc-check", kind: "openai", api_key: KEY });
    const rows = await t.server.database.db.select().from(providers).where(sql`${providers.id} = ${p.id}`);
    const row = rows[0]!;
    expect(row.apiKeyEnc).toMatch(/^v1\./);
    expect(row.apiKeyEnc).not.toContain(KEY);
    expect(Buffer.from(row.apiKeyEnc!.split(".").at(-1)!, "base64url").toString("latin1")).not.toContain("REAL-SECRET");
    // Nowhere in the row, in any column.
    const dump = await t.server.database.db.execute(sql`select row_to_json(p)::text as j from providers p`);
    const text = JSON.stringify((dump as unknown as { rows: unknown[] }).rows ?? dump);
    expect(text).not.toContain("REAL-SECRET");
    // Generated on first start, readable by the server's user only.
    const file = join(t.dataDir, "secret");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim().length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    [{ kind: "openai", api_key: "k" }, "body.name", "expected string"],
    [{ name: "a/b", kind: "openai", api_key: "k" }, "body.name", "no '/'"],
    [{ name: "x", kind: "gemini", api_key: "k" }, "body.kind", "Invalid option"],
    [{ name: "x", kind: "openai-compatible" }, "body.base_url", "base_url is required for kind openai-compatible"],
    [{ name: "x", kind: "anthropic" }, "body.api_key", "api_key is required for kind anthropic"],
    [{ name: "x", kind: "vllm", base_url: "ftp://host" }, "body.base_url", "http(s) URL"],
    [{ name: "x", kind: "vllm", base_url: "http://u:p@host" }, "body.base_url", "without credentials"],
    [{ name: "x", kind: "ollama", api_key: "" }, "body.api_key", "must not be empty"],
    [{ name: "x", kind: "ollama", api_key_enc: "v1" }, "body.api_key_enc", "Unrecognized key"],
  ])("rejects %j with a message on %s", async (body, path, message) => {
    const res = await t.admin("POST", "/api/v1/providers", { body });
    expect(res.status).toBe(400);
    const issue = res.body.details.find((d: { path: string }) => d.path === path);
    expect(issue, JSON.stringify(res.body)).toBeDefined();
    expect(issue.message).toContain(message);
  });

  it("refuses a duplicate name per owner with 409 naming the field; other users may reuse it", async () => {
    await addProvider(t.admin, { name: "dup", kind: "ollama" });
    const again = await t.admin("POST", "/api/v1/providers", { body: { name: "dup", kind: "vllm" } });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("conflict");
    expect(again.body.message).toMatch(/^name: you already have a provider named "dup"/);
    expect(again.body.details).toEqual([{ path: "body.name", message: again.body.message }]);

    const other = await addProvider(t.admin, { name: "dup2", kind: "ollama" });
    const rename = await t.admin("PATCH", `/api/v1/providers/${other.id}`, { body: { name: "dup" } });
    expect(rename.status).toBe(409);

    expect((await bob.call("POST", "/api/v1/providers", { body: { name: "dup", kind: "ollama" } })).status).toBe(201);
  });

  it("keeps providers private to their owner unless an admin shares one", async () => {
    const mine = await addProvider(bob.call, { name: "bobs", kind: "ollama" });
    expect((await t.admin("GET", `/api/v1/providers/${mine.id}`)).status).toBe(404);
    expect((await t.admin("DELETE", `/api/v1/providers/${mine.id}`)).status).toBe(404);

    const notAdmin = await bob.call("POST", "/api/v1/providers", { body: { name: "s", kind: "ollama", shared: true } });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.message).toContain("only an admin");

    const shared = await addProvider(t.admin, { name: "company", kind: "openai", api_key: KEY, shared: true });
    const seen = await bob.call("GET", "/api/v1/providers");
    expect(seen.body.items.find((p: { id: string }) => p.id === shared.id)).toMatchObject({ shared: true });
    expect(seen.text).not.toContain(KEY);
    const edit = await bob.call("PATCH", `/api/v1/providers/${shared.id}`, { body: { name: "mine-now" } });
    expect(edit.status).toBe(403);
    expect(edit.body.message).toContain("only its owner");

    const second = await t.admin("POST", "/api/v1/providers", {
      body: { name: "company", kind: "ollama", shared: true },
    });
    expect(second.status).toBe(409); // same owner and name
    const bobTry = await bob.call("POST", "/api/v1/providers", { body: { name: "company", kind: "ollama" } });
    expect(bobTry.status).toBe(201); // a private one may shadow a shared one
  });

  it("lists the provider's models, for OpenAI-style, Anthropic and Ollama providers", async () => {
    const cases = [
      { name: "m-openai", kind: "openai", base_url: `${llm.url}/v1`, api_key: "k" },
      { name: "m-compat", kind: "openai-compatible", base_url: llm.url },
      { name: "m-anthropic", kind: "anthropic", base_url: llm.url, api_key: "k" },
      { name: "m-ollama", kind: "ollama", base_url: llm.url },
    ];
    for (const body of cases) {
      const p = await addProvider(t.admin, body);
      const res = await t.admin("GET", `/api/v1/providers/${p.id}/models`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.map((m: { model: string }) => m.model)).toEqual([
        `${body.name}/scripted-1`,
        `${body.name}/scripted-2`,
      ]);
    }
  });

  it("tests a connection: good, bad key, unreachable, unknown model", async () => {
    const good = await addProvider(t.admin, {
      name: "t-good",
      kind: "openai",
      base_url: locked.url,
      api_key: "right-key",
    });
    const ok = await t.admin("POST", `/api/v1/providers/${good.id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, error: null, status: 200 });
    expect(ok.body.message).toContain("1 model");
    expect(ok.body.latency_ms).toBeGreaterThanOrEqual(0);

    const withModel = await t.admin("POST", `/api/v1/providers/${good.id}/test`, { body: { model: "m" } });
    expect(withModel.body).toMatchObject({ ok: true });
    expect(locked.requests.at(-1)?.body).toMatchObject({ model: "m", max_tokens: 1 });
    expect(locked.requests.at(-1)?.headers.authorization).toBe("Bearer right-key");

    const bad = await addProvider(t.admin, {
      name: "t-bad",
      kind: "anthropic",
      base_url: locked.url,
      api_key: "wrong-key",
    });
    const refused = await t.admin("POST", `/api/v1/providers/${bad.id}/test`);
    expect(refused.body).toMatchObject({ ok: false, error: "bad_key", status: 401 });
    expect(refused.body.message).toContain(`PATCH /api/v1/providers/${bad.id}`);

    const port = await closedPort();
    const down = await addProvider(t.admin, { name: "t-down", kind: "vllm", base_url: `http://127.0.0.1:${port}/v1` });
    const unreachable = await t.admin("POST", `/api/v1/providers/${down.id}/test`);
    expect(unreachable.body).toMatchObject({ ok: false, error: "unreachable", status: null });
    expect(unreachable.body.message).toContain("ECONNREFUSED");
    const models = await t.admin("GET", `/api/v1/providers/${down.id}/models`);
    expect(models.status).toBe(502);
    expect(models.body.error).toBe("provider_unreachable");

    llm.push({ status: 404 });
    const gone = await addProvider(t.admin, { name: "t-404", kind: "openai", base_url: llm.url, api_key: "k" });
    const noModel = await t.admin("POST", `/api/v1/providers/${gone.id}/test`, { body: { model: "nope" } });
    expect(noModel.body).toMatchObject({ ok: false, error: "not_found", status: 404 });
  });

  it("answers 404 for another user's provider on models and test", async () => {
    const p = await addProvider(t.admin, { name: "private-one", kind: "ollama", base_url: llm.url });
    expect((await bob.call("GET", `/api/v1/providers/${p.id}/models`)).status).toBe(404);
    expect((await bob.call("POST", `/api/v1/providers/${p.id}/test`)).status).toBe(404);
  });
});
