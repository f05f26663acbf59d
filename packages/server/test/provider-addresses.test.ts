import { createServer, type Server } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import { addProvider, agentSession, callsOf } from "../../../test/support/llm.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";

const SETTING = "STRAND_PROVIDER_PRIVATE_NETWORKS";
const LONG = `model list disabled by the operator: ${"x".repeat(300)}`;

/**
 * An internal service on loopback that is no LLM provider: it answers every path with an error
 * body of its own, the kind a base URL pointed at it would make Strand read.
 */
function startInternalService(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "";
    if (path.startsWith("/html/")) {
      res.writeHead(path.endsWith("/chat/completions") ? 400 : 500, { "content-type": "text/html" });
      res.end("<html><body>INTERNAL-ADMIN-PAGE db_password=hunter2</body></html>");
    } else if (path.startsWith("/text/")) {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("INTERNAL-TEXT-SECRET: ask ops for a token");
    } else if (path.startsWith("/missing/")) {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<h1>INTERNAL-404-PAGE</h1>");
    } else if (path.startsWith("/shaped/")) {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: LONG, type: "unavailable" } }));
    } else {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "INTERNAL-JSON-OBJECT", trace: "at handler.js:12" } }));
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

let t: TestServer;
let llm: ScriptedLlm;
let internal: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  [t, llm, internal] = await Promise.all([startTestServer(), startScriptedLlm(), startInternalService()]);
});
afterAll(async () => {
  await Promise.all([t?.stop(), llm?.close(), internal?.close()]);
});

describe(`provider base URLs and the network (${process.env.STRAND_TEST_DB})`, () => {
  it("refuses a provider at the metadata address on create, in any spelling", async () => {
    for (const base_url of [
      "http://169.254.169.254",
      "http://169.254.169.254/latest/v1",
      "http://[::ffff:a9fe:a9fe]",
    ]) {
      const res = await t.admin("POST", "/api/v1/providers", {
        body: { name: "meta", kind: "openai-compatible", base_url },
      });
      expect(res.status, base_url).toBe(400);
      expect(res.body.error).toBe("validation_failed");
      expect(res.body.message).toMatch(/^base_url: .* is in 169\.254\.0\.0\/16, the link-local range/);
      expect(res.body.message).toContain("never lets a provider reach");
      expect(res.body.details).toEqual([{ path: "body.base_url", message: res.body.message }]);
    }
    expect((await t.admin("GET", "/api/v1/providers")).body.items.map((p: { name: string }) => p.name)).not.toContain(
      "meta",
    );
  });

  it("refuses moving a provider to the metadata address on update, and keeps the old URL", async () => {
    const p = await addProvider(t.admin, { name: "moving", kind: "openai", base_url: `${llm.url}/v1`, api_key: "k" });
    const res = await t.admin("PATCH", `/api/v1/providers/${p.id}`, {
      body: { base_url: "http://169.254.169.254/v1" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: "validation_failed",
      message: expect.stringContaining("169.254.169.254 is in 169.254.0.0/16"),
    });
    expect((await t.admin("GET", `/api/v1/providers/${p.id}`)).body.base_url).toBe(`${llm.url}/v1`);
    // Other changes to it still go through.
    expect((await t.admin("PATCH", `/api/v1/providers/${p.id}`, { body: { name: "moved" } })).status).toBe(200);
  });

  it("lets a provider on loopback work by default (a local Ollama)", async () => {
    const p = await addProvider(t.admin, { name: "local", kind: "openai-compatible", base_url: llm.url });
    const models = await t.admin("GET", `/api/v1/providers/${p.id}/models`);
    expect(models.status, models.text).toBe(200);
    expect(models.body.items.map((m: { model: string }) => m.model)).toEqual(["local/scripted-1"]);
  });

  it("tells the status, not the page, when a loopback host answers test or models with HTML or text", async () => {
    const html = await addProvider(t.admin, {
      name: "html",
      kind: "openai-compatible",
      base_url: `${internal.url}/html/v1`,
    });
    const tested = await t.admin("POST", `/api/v1/providers/${html.id}/test`);
    expect(tested.body).toMatchObject({
      ok: false,
      error: "http_error",
      status: 500,
      message: `${internal.url}/html/v1/models answered HTTP 500`,
    });
    const models = await t.admin("GET", `/api/v1/providers/${html.id}/models`);
    expect(models.status).toBe(502);
    expect(models.body).toMatchObject({ error: "provider_error", details: { status: 500 } });
    expect(models.body.message).toContain("answered HTTP 500");

    const text = await addProvider(t.admin, {
      name: "text",
      kind: "openai-compatible",
      base_url: `${internal.url}/text/v1`,
    });
    const badKey = await t.admin("POST", `/api/v1/providers/${text.id}/test`);
    expect(badKey.body).toMatchObject({ ok: false, error: "bad_key", status: 401 });
    expect(badKey.body.message).toMatch(/^the provider rejected the API key \(HTTP 401\); set the right one/);

    const missing = await addProvider(t.admin, {
      name: "missing",
      kind: "openai-compatible",
      base_url: `${internal.url}/missing/v1`,
    });
    const notFound = await t.admin("POST", `/api/v1/providers/${missing.id}/test`);
    expect(notFound.body).toMatchObject({ ok: false, error: "not_found", status: 404 });

    const unshaped = await addProvider(t.admin, {
      name: "json-obj",
      kind: "openai-compatible",
      base_url: `${internal.url}/obj/v1`,
    });
    const noMessage = await t.admin("POST", `/api/v1/providers/${unshaped.id}/test`);
    expect(noMessage.body).toMatchObject({ ok: false, error: "http_error", status: 500 });

    for (const r of [tested, models, badKey, notFound, noMessage]) {
      expect(r.text).not.toMatch(/INTERNAL-|hunter2|<html|<h1>|handler\.js/);
    }
  });

  it("repeats a loopback provider's JSON error message, capped at 200 characters", async () => {
    const p = await addProvider(t.admin, {
      name: "shaped",
      kind: "openai-compatible",
      base_url: `${internal.url}/shaped/v1`,
    });
    const tested = await t.admin("POST", `/api/v1/providers/${p.id}/test`);
    expect(tested.body).toMatchObject({ ok: false, error: "http_error", status: 503 });
    expect(tested.body.message).toBe(`${internal.url}/shaped/v1/models answered HTTP 503: ${LONG.slice(0, 200)}`);
  });

  it("does not hand a loopback host's error page to an agent through the proxy either", async () => {
    const s = await agentSession(t, t.admin);
    const agent = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: s.token, maxRetries: 0 });
    const err = await agent.chat.completions
      .create({ model: "html/some-model", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 400,
      message: expect.stringContaining("refused the request (HTTP 400): no details"),
    });
    expect(String((err as Error).message)).not.toContain("INTERNAL-ADMIN-PAGE");
    const [row] = await callsOf(t, s.id);
    expect(row!.error).not.toContain("INTERNAL-ADMIN-PAGE");
  });
});

describe(`${SETTING}=none (${process.env.STRAND_TEST_DB})`, () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("refuses loopback providers on create, and at connect time one stored while loopback was allowed", async () => {
    const before = await startTestServer();
    server = before;
    const stored = await addProvider(before.admin, {
      name: "loop",
      kind: "openai",
      base_url: `${llm.url}/v1`,
      api_key: "k",
    });
    const session = await agentSession(before, before.admin);
    const strict = await before.restart({ [SETTING]: "none" });
    server = strict;

    const create = await strict.admin("POST", "/api/v1/providers", {
      body: { name: "loop2", kind: "openai-compatible", base_url: llm.url },
    });
    expect(create.status).toBe(400);
    expect(create.body.error).toBe("validation_failed");
    expect(create.body.message).toMatch(
      new RegExp(
        `^base_url: 127\\.0\\.0\\.1 is in 127\\.0\\.0\\.0/8, the loopback range, which ${SETTING}=none does not allow; ` +
          `an admin can allow it by adding loopback or a CIDR such as 127\\.0\\.0\\.1/32 to ${SETTING}`,
      ),
    );
    // An Ollama at its default address is refused the same way.
    const ollama = await strict.admin("POST", "/api/v1/providers", { body: { name: "ollama", kind: "ollama" } });
    expect(ollama.status).toBe(400);

    const asked = llm.requests.length;
    const tested = await strict.admin("POST", `/api/v1/providers/${stored.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: false, error: "address_refused", status: null });
    expect(tested.body.message).toMatch(
      new RegExp(`^Strand refused to connect to ${llm.url}/v1/models: 127\\.0\\.0\\.1 is in 127\\.0\\.0\\.0/8.*=none`),
    );
    expect(tested.body.message).toContain(`PATCH /api/v1/providers/${stored.id}`);

    const models = await strict.admin("GET", `/api/v1/providers/${stored.id}/models`);
    expect(models.status).toBe(502);
    expect(models.body).toMatchObject({ error: "provider_address_refused", details: { reason: "address_refused" } });

    const agent = new OpenAI({ baseURL: `${strict.url}/v1`, apiKey: session.token, maxRetries: 0 });
    const err = await agent.chat.completions
      .create({ model: "loop/gpt-4.1", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({
      status: 502,
      code: "provider_unreachable",
      message: expect.stringContaining(`Strand refused to connect to provider loop at ${llm.url}/v1: 127.0.0.1 is in`),
    });
    const [row] = await callsOf(strict, session.id);
    expect(row).toMatchObject({ status: "address_refused", httpStatus: 502, attempts: 1 });
    expect(llm.requests.length).toBe(asked); // nothing reached the provider
  });
});
