import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import { type AgentSession, addProvider, agentSession, callsOf } from "../../../test/support/llm.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { revokeSessionTokens } from "../src/auth/api-tokens.js";

// The agent side is played by the official SDKs, pointed at Strand with a session token.
const anthropicAgent = (t: TestServer, s: AgentSession) =>
  new Anthropic({ baseURL: t.url, apiKey: s.token, maxRetries: 0 });
const openaiAgent = (t: TestServer, s: AgentSession) =>
  new OpenAI({ baseURL: `${t.url}/v1`, apiKey: s.token, maxRetries: 0 });

let t: TestServer;
let claude: ScriptedLlm; // plays an Anthropic provider
let gpt: ScriptedLlm; // plays an OpenAI provider
let agent: AgentSession;
beforeAll(async () => {
  [t, claude, gpt] = await Promise.all([
    startTestServer(),
    startScriptedLlm([], ["claude-sonnet-4-5", "claude-haiku-4-5"], { apiKey: "sk-ant-real" }),
    startScriptedLlm([], ["gpt-4.1", "text-embedding-3-small"], { apiKey: "sk-openai-real" }),
  ]);
  await addProvider(t.admin, {
    name: "work-anthropic",
    kind: "anthropic",
    base_url: claude.url,
    api_key: "sk-ant-real",
  });
  await addProvider(t.admin, {
    name: "work-openai",
    kind: "openai",
    base_url: `${gpt.url}/v1`,
    api_key: "sk-openai-real",
  });
  agent = await agentSession(t, t.admin, { model: "work-anthropic/claude-sonnet-4-5" });
});
afterAll(async () => {
  await Promise.all([t?.stop(), claude?.close(), gpt?.close()]);
});

describe(`LLM proxy, same format on both sides (${process.env.STRAND_TEST_DB})`, () => {
  it("passes an Anthropic call through with the real key injected, and records it", async () => {
    claude.push({ text: "hello from claude", usage: { input: 1200, output: 300 } });
    const msg = await anthropicAgent(t, agent).messages.create({
      model: "work-anthropic/claude-sonnet-4-5",
      max_tokens: 100,
      system: "be brief",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(msg.content[0]).toMatchObject({ type: "text", text: "hello from claude" });
    expect(msg.usage).toMatchObject({ input_tokens: 1200, output_tokens: 300 });
    const sent = claude.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.body).toMatchObject({ model: "claude-sonnet-4-5", system: "be brief", max_tokens: 100 });
    expect(sent.headers["x-api-key"]).toBe("sk-ant-real");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["anthropic-version"]).toBe("2026-10-21"); // the caller's version goes on
    expect(JSON.stringify(sent.headers)).not.toContain(agent.token);

    const [row] = await callsOf(t, agent.id);
    expect(row).toMatchObject({
      api: "messages",
      providerName: "work-anthropic",
      model: "claude-sonnet-4-5",
      stream: false,
      inputTokens: 1200,
      outputTokens: 300,
      status: "ok",
      httpStatus: 200,
      attempts: 1,
      ttftMs: null,
    });
    expect(row!.costMicros).toBe(1200 * 3 + 300 * 15);
    expect(row!.latencyMs).toBeGreaterThanOrEqual(0);

    const metrics = (await t.admin("GET", "/metrics")).text;
    expect(metrics).toMatch(/strand_llm_calls_total\{api="messages",status="ok"\} [1-9]/);
    expect(metrics).toMatch(/strand_llm_cost_usd_total\{provider="work-anthropic"\} 0\.0081/);
  });

  it("streams an Anthropic call through, usage from the stream", async () => {
    const s = await agentSession(t, t.admin);
    claude.push({ text: "streamed words arrive in pieces", usage: { input: 50, output: 7 } });
    const stream = anthropicAgent(t, s).messages.stream({
      model: "work-anthropic/claude-haiku-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "go" }],
    });
    let deltas = 0;
    stream.on("text", () => deltas++);
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: "text", text: "streamed words arrive in pieces" });
    expect(deltas).toBeGreaterThan(2);
    const [row] = await callsOf(t, s.id);
    expect(row).toMatchObject({ stream: true, inputTokens: 50, outputTokens: 7, status: "ok" });
    expect(row!.ttftMs).not.toBeNull();
    expect(row!.costMicros).toBe(50 * 1 + 7 * 5);
  });

  it("passes an OpenAI call through, plain and streamed, asking the provider for usage", async () => {
    const s = await agentSession(t, t.admin);
    const openai = openaiAgent(t, s);
    gpt.push({ text: "plain answer", usage: { input: 20, output: 4 } });
    const plain = await openai.chat.completions.create({
      model: "work-openai/gpt-4.1",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(plain.choices[0]?.message.content).toBe("plain answer");
    expect(gpt.requests.at(-1)?.headers.authorization).toBe("Bearer sk-openai-real");
    expect(gpt.requests.at(-1)?.body.model).toBe("gpt-4.1");

    gpt.push({ text: "streamed answer", usage: { input: 30, output: 6 } });
    const stream = await openai.chat.completions.create({
      model: "work-openai/gpt-4.1",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    const chunks = [];
    for await (const c of stream) {
      chunks.push(c);
      text += c.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("streamed answer");
    // Strand asked for usage; the caller did not, so it gets no usage-only chunk.
    expect(gpt.requests.at(-1)?.body.stream_options).toEqual({ include_usage: true });
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);

    gpt.push({ text: "with usage", usage: { input: 9, output: 2 } });
    const withUsage = await openai.chat.completions.create({
      model: "work-openai/gpt-4.1",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of withUsage) usage = c.usage ?? usage;
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2 });

    const rows = await callsOf(t, s.id, 3);
    expect(rows.map((r) => [r.stream, r.inputTokens, r.outputTokens, r.status])).toEqual([
      [false, 20, 4, "ok"],
      [true, 30, 6, "ok"],
      [true, 9, 2, "ok"],
    ]);
    expect(rows[1]!.costMicros).toBe(30 * 2 + 6 * 8);
  });

  it("passes the first streamed token on before the provider has finished", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The provider sends its first piece, then waits until the agent has seen it: a proxy that
    // buffered the stream would never let the agent see it, and this test would time out.
    claude.push({ text: "first piece, then the rest", gate });
    gpt.push({ text: "first piece, then the rest", gate });
    const a = anthropicAgent(t, agent).messages.stream({
      model: "work-anthropic/claude-sonnet-4-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "x" }],
    });
    const firstA = await new Promise<string>((resolve) => a.once("text", resolve));
    const o = await openaiAgent(t, agent).chat.completions.create({
      model: "work-openai/gpt-4.1",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    const it = o[Symbol.asyncIterator]();
    let firstO = "";
    while (!firstO) firstO = (await it.next()).value?.choices[0]?.delta.content ?? "";
    release();
    expect(firstA).toBe("first pi");
    expect(firstO).toBe("first pi");
    expect((await a.finalMessage()).content[0]).toMatchObject({ text: "first piece, then the rest" });
    while (!(await it.next()).done) {}
  });

  it("accepts the session token as x-api-key or as a bearer token", async () => {
    const ways: Record<string, string>[] = [{ "x-api-key": agent.token }, { authorization: `Bearer ${agent.token}` }];
    for (const headers of ways) {
      claude.push({ text: "ok" });
      const res = await fetch(`${t.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
        body: JSON.stringify({
          model: "work-anthropic/claude-sonnet-4-5",
          max_tokens: 5,
          messages: [{ role: "user", content: "x" }],
        }),
      });
      expect(res.status).toBe(200);
      expect(claude.requests.at(-1)?.headers["anthropic-version"]).toBe("2023-06-01");
    }
  });

  it("counts tokens through Anthropic providers, and estimates them for providers that cannot count", async () => {
    const counted = await anthropicAgent(t, agent).messages.countTokens({
      model: "work-anthropic/claude-sonnet-4-5",
      messages: [{ role: "user", content: "count these words please" }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(claude.requests.at(-1)).toMatchObject({
      path: "/v1/messages/count_tokens",
      body: { model: "claude-sonnet-4-5" },
    });
    // OpenAI-style APIs have no counting endpoint: about four characters a token, and no call upstream.
    const before = gpt.requests.length;
    const estimated = await anthropicAgent(t, agent).messages.countTokens({
      model: "work-openai/gpt-4.1",
      messages: [{ role: "user", content: "y".repeat(400) }],
    });
    expect(estimated.input_tokens).toBeGreaterThan(100);
    expect(estimated.input_tokens).toBeLessThan(130);
    expect(gpt.requests.length).toBe(before);
  });

  it("lists provider/model names the session can use, in the caller's shape", async () => {
    const o = await openaiAgent(t, agent).models.list();
    expect(o.data.map((m) => m.id)).toEqual([
      "work-anthropic/claude-haiku-4-5",
      "work-anthropic/claude-sonnet-4-5",
      "work-openai/gpt-4.1",
      "work-openai/text-embedding-3-small",
    ]);
    const a = await anthropicAgent(t, agent).models.list();
    expect(a.data.map((m) => m.id)).toContain("work-anthropic/claude-sonnet-4-5");
  });

  it("proxies embeddings to OpenAI-style providers and refuses them for Anthropic ones", async () => {
    const s = await agentSession(t, t.admin);
    gpt.push({ usage: { input: 1200, output: 0 } });
    const e = await openaiAgent(t, s).embeddings.create({
      model: "work-openai/text-embedding-3-small",
      input: ["one", "two"],
    });
    expect(e.data).toHaveLength(2);
    expect(e.data[0]?.embedding).toHaveLength(4);
    await expect(
      openaiAgent(t, s).embeddings.create({ model: "work-anthropic/claude-sonnet-4-5", input: "x" }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("Anthropic has no embeddings API") });
    const rows = await callsOf(t, s.id, 2);
    expect(rows[0]).toMatchObject({ api: "embeddings", inputTokens: 1200, status: "ok" });
    expect(rows[0]!.costMicros).toBe(24); // 1200 tokens at $0.02 per million
    expect(rows[1]).toMatchObject({ api: "embeddings", status: "invalid_request", httpStatus: 400 });
  });
});

describe("LLM proxy errors, in the caller's own format", () => {
  it("refuses a revoked session token with 401 in each API's shape", async () => {
    const s = await agentSession(t, t.admin);
    await revokeSessionTokens(t.server.database.db, s.id);
    const a = anthropicAgent(t, s).messages.create({
      model: "work-anthropic/claude-sonnet-4-5",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
    await expect(a).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await expect(a).rejects.toMatchObject({ error: { type: "error", error: { type: "authentication_error" } } });
    const o = openaiAgent(t, s).chat.completions.create({
      model: "work-openai/gpt-4.1",
      messages: [{ role: "user", content: "x" }],
    });
    await expect(o).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(o).rejects.toMatchObject({ code: "invalid_api_key", message: expect.stringContaining("revoked") });
  });

  it("stops taking a token it has just used once its session is stopped", async () => {
    // The scheduler revokes a session's token and moves the session on; the proxy must not keep
    // serving the token from memory (its cache lives 10 s; this must take far less).
    const s = await agentSession(t, t.admin);
    claude.push({ text: "ok" });
    const call = () =>
      fetch(`${t.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": s.token },
        body: JSON.stringify({
          model: "work-anthropic/claude-sonnet-4-5",
          max_tokens: 5,
          messages: [{ role: "user", content: "x" }],
        }),
      });
    expect((await call()).status).toBe(200);
    await revokeSessionTokens(t.server.database.db, s.id);
    await t.admin("PATCH", `/api/v1/sessions/${s.id}`, { body: { name: "stopping" } });
    const started = Date.now();
    await until(
      () => call().then((r) => r.status),
      (status) => status === 401,
      "a 401 after revocation",
      3_000,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("refuses user API tokens and missing keys: the proxy is for sandboxes", async () => {
    const userToken = new OpenAI({
      baseURL: `${t.url}/v1`,
      apiKey: "strand_test_admin_token_0123456789",
      maxRetries: 0,
    });
    await expect(userToken.models.list()).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining("takes a session token"),
    });
    const res = await fetch(`${t.url}/v1/messages`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("says which provider names exist when the model names an unknown one (a session with no model)", async () => {
    const modelless = await agentSession(t, t.admin);
    const a = anthropicAgent(t, modelless).messages.create({
      model: "nope/claude-sonnet-4-5",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
    await expect(a).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(a).rejects.toMatchObject({
      error: {
        type: "error",
        error: { type: "not_found_error", message: expect.stringContaining("work-anthropic, work-openai") },
      },
    });
    const o = openaiAgent(t, modelless).chat.completions.create({
      model: "nope/x",
      messages: [{ role: "user", content: "x" }],
    });
    await expect(o).rejects.toMatchObject({ status: 404, code: "model_not_found", type: "invalid_request_error" });
  });

  it("sends every call to the session's model, whatever name the runtime put in it", async () => {
    // A runtime's own defaults and helper models: bare ids, ids with a vendor prefix, other
    // providers' names, no model at all. The provider serves only the session's model.
    const s = await agentSession(t, t.admin, { model: "work-anthropic/claude-sonnet-4-5" });
    for (const model of ["claude-sonnet-4-5-20250929", "claude-haiku-4-5", "anthropic/claude-3-haiku", "nope/x"]) {
      claude.push({ text: `answer for ${model}` });
      const msg = await anthropicAgent(t, s).messages.create({
        model,
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
      });
      expect(msg.content[0]).toMatchObject({ text: `answer for ${model}` });
      expect(claude.requests.at(-1)?.body.model).toBe("claude-sonnet-4-5");
    }
    claude.push({ text: "no model named" });
    const res = await fetch(`${t.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": s.token },
      body: JSON.stringify({ max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(200);
    // Another provider/model the owner may use is taken as named.
    gpt.push({ text: "from gpt" });
    const named = await openaiAgent(t, s).chat.completions.create({
      model: "work-openai/gpt-4.1",
      messages: [{ role: "user", content: "x" }],
    });
    expect(named.choices[0]?.message.content).toBe("from gpt");
    expect(gpt.requests.at(-1)?.body.model).toBe("gpt-4.1");
    const rows = await until(
      () => callsOf(t, s.id),
      (r) => r.length === 6,
      "six llm_calls rows",
      5_000,
    );
    expect(rows.filter((r) => r.providerName === "work-anthropic").map((r) => r.model)).toEqual(
      Array(5).fill("claude-sonnet-4-5"),
    );
    expect(rows.find((r) => r.providerName === "work-openai")?.model).toBe("gpt-4.1");
  });

  it("without a session model, a bare model id has nowhere to go", async () => {
    const bare = await agentSession(t, t.admin); // no session model: nowhere to send it
    await expect(
      openaiAgent(t, bare).chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 404, message: expect.stringContaining("names no provider") });
  });

  it("passes on the provider's 404 for a model it does not know, saying so", async () => {
    claude.push({ status: 404 });
    const a = anthropicAgent(t, agent).messages.create({
      model: "work-anthropic/claude-imaginary",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
    await expect(a).rejects.toMatchObject({
      status: 404,
      error: {
        error: { type: "not_found_error", message: expect.stringContaining('does not know model "claude-imaginary"') },
      },
    });
  });

  it("answers malformed requests in the caller's format", async () => {
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${agent.token}` },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const rows = await until(
      () => callsOf(t, agent.id),
      (r) => r.some((c) => c.api === "chat" && c.httpStatus === 400),
      "the unreadable call's row",
      5_000,
    );
    expect(rows.find((c) => c.api === "chat" && c.httpStatus === 400)).toMatchObject({
      status: "invalid_request",
      providerName: null,
    });
    const modelless = await agentSession(t, t.admin);
    const noModel = await fetch(`${t.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": modelless.token },
      body: JSON.stringify({ messages: [] }),
    });
    expect(noModel.status).toBe(400);
    expect(await noModel.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringContaining("model is required") },
    });
  });

  it("tells the agent when its provider refuses Strand's key, without blaming the agent's token", async () => {
    const s = await agentSession(t, t.admin);
    await addProvider(t.admin, { name: "stale-key", kind: "openai", base_url: `${gpt.url}/v1`, api_key: "sk-old" });
    const o = openaiAgent(t, s).chat.completions.create({
      model: "stale-key/gpt-4.1",
      messages: [{ role: "user", content: "x" }],
    });
    await expect(o).rejects.toMatchObject({ status: 502, code: "provider_auth_failed" });
    const [row] = await callsOf(t, s.id);
    expect(row).toMatchObject({ status: "http_401", httpStatus: 502, providerName: "stale-key" });
  });
});
