import { createServer } from "node:net";
import Anthropic from "@anthropic-ai/sdk";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import { type AgentSession, addProvider, agentSession, callsOf } from "../../../test/support/llm.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { sessions } from "../src/db/schema.js";

let t: TestServer;
let llm: ScriptedLlm;
let slow: ScriptedLlm;
let downPort: number;
beforeAll(async () => {
  [t, llm, slow] = await Promise.all([
    startTestServer(),
    startScriptedLlm([], ["gpt-4.1", "gpt-4.1-nano", "claude-sonnet-4-5"]),
    startScriptedLlm([], ["m"]),
  ]);
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  downPort = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  await addProvider(t.admin, { name: "anth", kind: "anthropic", base_url: llm.url, api_key: "k" });
  await addProvider(t.admin, { name: "oai", kind: "openai", base_url: `${llm.url}/v1`, api_key: "k" });
  await addProvider(t.admin, { name: "slow", kind: "openai", base_url: `${slow.url}/v1`, api_key: "k" });
  await addProvider(t.admin, {
    name: "down",
    kind: "anthropic",
    base_url: `http://127.0.0.1:${downPort}`,
    api_key: "k",
  });
});
afterAll(async () => {
  await Promise.all([t?.stop(), llm?.close(), slow?.close()]);
});

const anthropicAgent = (s: AgentSession) => new Anthropic({ baseURL: t.url, apiKey: s.token, maxRetries: 0 });
const openaiAgent = (s: AgentSession) => new OpenAI({ baseURL: `${t.url}/v1`, apiKey: s.token, maxRetries: 0 });
const ask = (s: AgentSession, model = "anth/claude-sonnet-4-5") =>
  anthropicAgent(s).messages.create({ model, max_tokens: 10, messages: [{ role: "user", content: "x" }] });

describe(`LLM proxy retries (${process.env.STRAND_TEST_DB})`, () => {
  it("retries a 429 after its Retry-After, then a 503, and succeeds", async () => {
    const s = await agentSession(t, t.admin);
    llm.push({ status: 429, retryAfter: 1 }, { status: 503 }, { text: "third time lucky" });
    const started = Date.now();
    const msg = await ask(s);
    expect(msg.content[0]).toMatchObject({ text: "third time lucky" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // Retry-After was honoured
    const [row] = await callsOf(t, s.id);
    expect(row).toMatchObject({ status: "ok", attempts: 3 });
  });

  it("gives up after three attempts and passes the provider's status and Retry-After on", async () => {
    const s = await agentSession(t, t.admin);
    llm.push({ status: 429, retryAfter: 0 }, { status: 429, retryAfter: 0 }, { status: 429, retryAfter: 7 });
    const err = await openaiAgent(s)
      .chat.completions.create({ model: "oai/gpt-4.1", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({
      status: 429,
      code: "rate_limit_exceeded",
      message: expect.stringContaining("3 attempts"),
    });
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("7");
    const [row] = await callsOf(t, s.id);
    expect(row).toMatchObject({ status: "http_429", httpStatus: 429, attempts: 3 });
  });

  it("does not wait longer than its budget for a far Retry-After", async () => {
    const s = await agentSession(t, t.admin);
    llm.push({ status: 429, retryAfter: 60 }, { text: "never asked" });
    await expect(ask(s)).rejects.toMatchObject({ status: 429 });
    const [row] = await callsOf(t, s.id);
    expect(row).toMatchObject({ attempts: 1 });
    expect((await ask(s)).content[0]).toMatchObject({ text: "never asked" }); // the step the retry did not use
  });

  it("answers a clear 502 when the provider cannot be reached", async () => {
    const s = await agentSession(t, t.admin);
    const err = await ask(s, "down/claude-sonnet-4-5").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err).toMatchObject({
      status: 502,
      error: {
        type: "error",
        error: {
          type: "api_error",
          message: expect.stringMatching(
            /cannot reach provider down at http:\/\/127\.0\.0\.1:\d+ \(3 attempts\).*ECONNREFUSED/,
          ),
        },
      },
    });
    const [row] = await callsOf(t, s.id);
    expect(row).toMatchObject({ status: "unreachable", httpStatus: 502, attempts: 3, providerName: "down" });
    expect(row!.error).toContain("ECONNREFUSED");
  });

  it("does not let a slow provider hold up calls to others", async () => {
    const s = await agentSession(t, t.admin);
    slow.push({ text: "slow", delayMs: 1500 });
    const order: string[] = [];
    const slowCall = openaiAgent(s)
      .chat.completions.create({ model: "slow/m", messages: [{ role: "user", content: "x" }] })
      .then(() => order.push("slow"));
    await new Promise((r) => setTimeout(r, 100));
    llm.push({ text: "fast" });
    await ask(s).then(() => order.push("fast"));
    await slowCall;
    expect(order).toEqual(["fast", "slow"]);
  });

  it("records a call the agent abandons mid-stream", async () => {
    const s = await agentSession(t, t.admin);
    let release!: () => void;
    llm.push({ text: "a long answer that the agent will not wait for", gate: new Promise<void>((r) => (release = r)) });
    const stream = anthropicAgent(s).messages.stream({
      model: "anth/claude-sonnet-4-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "x" }],
    });
    const ended = stream.done().catch((e: Error) => e);
    await new Promise((r) => stream.once("text", r));
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
    const [row] = await callsOf(t, s.id);
    release();
    expect(row, JSON.stringify(row)).toMatchObject({ status: "client_closed", stream: true });
  });
});

describe("spend limits", () => {
  it("stops a session at its limit with 402 spend_limit, says how to raise it, and resumes when raised", async () => {
    const s = await agentSession(t, t.admin, { spend_limit_usd: 0.01 });
    // 1000 in + 1000 out on claude-sonnet-4-5: $0.003 + $0.015 = $0.018, over the $0.01 limit.
    llm.push({ text: "expensive", usage: { input: 1000, output: 1000 } });
    await ask(s);
    await callsOf(t, s.id, 1);
    const session = await t.admin("GET", `/api/v1/sessions/${s.id}`);
    expect(session.body).toMatchObject({ spend_limit_usd: 0.01 });
    expect(session.body.spend_usd).toBe(0.018);

    const err = await ask(s).catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 402,
      error: {
        type: "error",
        error: {
          type: "spend_limit",
          message: expect.stringContaining(`PATCH /api/v1/sessions/${s.id} {"spend_limit_usd"`),
        },
      },
    });
    expect((err as InstanceType<typeof Anthropic.APIError>).message).toContain("$0.0180 of its $0.0100");
    const o = openaiAgent(s).chat.completions.create({
      model: "oai/gpt-4.1",
      messages: [{ role: "user", content: "x" }],
    });
    await expect(o).rejects.toMatchObject({ status: 402, type: "spend_limit", code: "session_spend_limit" });
    const rows = await callsOf(t, s.id, 3);
    expect(rows.slice(1).map((r) => [r.status, r.httpStatus, r.costMicros])).toEqual([
      ["spend_limit", 402, 0],
      ["spend_limit", 402, 0],
    ]);

    const raised = await t.admin("PATCH", `/api/v1/sessions/${s.id}`, { body: { spend_limit_usd: 1 } });
    expect(raised.body.spend_limit_usd).toBe(1);
    llm.push({ text: "back in business" });
    expect((await ask(s)).content[0]).toMatchObject({ text: "back in business" });
  });

  it("stops all of a user's sessions at the monthly limit an admin set", async () => {
    const carol = await t.newUser("carol@example.com");
    await addProvider(carol.call, { name: "anth", kind: "anthropic", base_url: llm.url, api_key: "k" });
    const s1 = await agentSession(t, carol.call);
    const s2 = await agentSession(t, carol.call);
    expect((await carol.call("PATCH", `/api/v1/users/${carol.id}`, { body: { spend_limit_usd: 1 } })).status).toBe(403);
    const set = await t.admin("PATCH", `/api/v1/users/${carol.id}`, { body: { spend_limit_usd: 0.005 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ spend_limit_usd: 0.005, spend_this_month_usd: 0 });

    llm.push({ text: "spend", usage: { input: 1000, output: 1000 } });
    await ask(s1);
    await callsOf(t, s1.id, 1);
    const me = await carol.call("GET", "/api/v1/me");
    expect(me.body.spend_this_month_usd).toBe(0.018);

    const err = openaiAgent(s2).chat.completions.create({
      model: "anth/claude-sonnet-4-5",
      messages: [{ role: "user", content: "x" }],
    });
    await expect(err).rejects.toMatchObject({
      status: 402,
      code: "user_spend_limit",
      message: expect.stringContaining(`An admin can raise it with PATCH /api/v1/users/${carol.id}`),
    });
  });

  it("counts money exactly: ten calls of $0.10 reach a $1 limit, and the totals show $1", async () => {
    // In floats, ten 0.1s sum to 0.9999999999999999: under the limit, so an eleventh call would pass.
    const dave = await t.newUser("dave@example.com");
    await addProvider(dave.call, { name: "oai", kind: "openai", base_url: `${llm.url}/v1`, api_key: "k" });
    const s = await agentSession(t, dave.call, { spend_limit_usd: 1 });
    const call = () =>
      openaiAgent(s).chat.completions.create({ model: "oai/gpt-4.1-nano", messages: [{ role: "user", content: "x" }] });
    for (let i = 0; i < 10; i++) {
      // gpt-4.1-nano costs $0.10 per million input tokens.
      llm.push({ text: "ten cents", usage: { input: 1_000_000, output: 0 } });
      await call();
    }
    const rows = await callsOf(t, s.id, 10);
    expect(rows.map((r) => r.costMicros)).toEqual(Array(10).fill(100_000));
    expect((await dave.call("GET", `/api/v1/sessions/${s.id}`)).body).toMatchObject({
      spend_usd: 1,
      spend_limit_usd: 1,
    });
    expect((await dave.call("GET", "/api/v1/me")).body.spend_this_month_usd).toBe(1);

    llm.push({ text: "one call too many" });
    await expect(call()).rejects.toMatchObject({
      status: 402,
      code: "session_spend_limit",
      message: expect.stringContaining("has spent $1.00 of its $1.00"),
    });
  });

  it("takes limits in USD and keeps them to the micro-dollar", async () => {
    const s = await t.admin("POST", "/api/v1/sessions", {
      body: { name: "x", start: false, spend_limit_usd: 0.1234565 },
    });
    expect(s.body.spend_limit_usd).toBe(0.123457); // rounded half up at the sixth decimal
    const patched = await t.admin("PATCH", `/api/v1/sessions/${s.body.id}`, { body: { spend_limit_usd: 0.3 } });
    expect(patched.body.spend_limit_usd).toBe(0.3);
    const [row] = await t.server.database.db.select().from(sessions).where(eq(sessions.id, s.body.id));
    expect(row).toMatchObject({ spendLimitMicros: 300_000, spendMicros: 0 });
  });

  it("validates spend limits", async () => {
    const bad = await t.admin("POST", "/api/v1/sessions", { body: { name: "x", start: false, spend_limit_usd: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({
      path: "body.spend_limit_usd",
      message: "spend_limit_usd must be 0 or more",
    });
    const none = await t.admin("POST", "/api/v1/sessions", { body: { name: "x", start: false } });
    expect(none.body).toMatchObject({ spend_limit_usd: null, spend_usd: 0 });
  });
});
