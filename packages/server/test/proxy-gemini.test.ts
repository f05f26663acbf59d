import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import { type AgentSession, addProvider, agentSession, callsOf } from "../../../test/support/llm.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";

/**
 * Google's Generative Language API in front of the proxy, called the way @google/genai (and so
 * Gemini CLI) calls it: `x-goog-api-key`, the model and the method in the path, camelCase bodies.
 * No provider speaks it; every call is translated to Chat Completions (and on to Anthropic).
 */

let t: TestServer;
let claude: ScriptedLlm; // plays an Anthropic provider
let oai: ScriptedLlm; // plays an OpenAI-compatible provider
let agent: AgentSession;
beforeAll(async () => {
  [t, claude, oai] = await Promise.all([
    startTestServer(),
    startScriptedLlm([], ["claude-sonnet-4-5"], { apiKey: "sk-ant-real" }),
    startScriptedLlm([], ["qwen3"], { apiKey: "sk-oai-real" }),
  ]);
  await addProvider(t.admin, {
    name: "work-anthropic",
    kind: "anthropic",
    base_url: claude.url,
    api_key: "sk-ant-real",
  });
  await addProvider(t.admin, {
    name: "local",
    kind: "openai-compatible",
    base_url: `${oai.url}/v1`,
    api_key: "sk-oai-real",
  });
  agent = await agentSession(t, t.admin, { model: "local/qwen3" });
});
afterAll(async () => {
  await Promise.all([t?.stop(), claude?.close(), oai?.close()]);
});

const gemini = (path: string, body: unknown, key = agent.token) =>
  fetch(`${t.url}/v1beta/models/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": key },
    body: JSON.stringify(body),
  });

/** The JSON objects of an `alt=sse` answer. */
const sseData = (text: string) =>
  text
    .split(/\r?\n\r?\n/)
    .filter((b) => b.startsWith("data: "))
    .map((b) => JSON.parse(b.slice(6)));

const tools = [
  {
    functionDeclarations: [
      {
        name: "write_file",
        description: "Writes a file",
        parametersJsonSchema: {
          type: "object",
          properties: { file_path: { type: "string" }, content: { type: "string" } },
          required: ["file_path", "content"],
        },
      },
    ],
  },
];

describe(`Gemini API through the LLM proxy (${process.env.STRAND_TEST_DB})`, () => {
  it("answers generateContent from an OpenAI-style provider, with usage, and records it", async () => {
    const s = await agentSession(t, t.admin, { model: "local/qwen3" });
    oai.push({ text: "hello from qwen", usage: { input: 30, output: 4 } });
    const res = await gemini(
      "local/qwen3:generateContent",
      {
        contents: [{ role: "user", parts: [{ text: "hi" }] }],
        systemInstruction: { parts: [{ text: "be brief" }] },
        generationConfig: { temperature: 0, maxOutputTokens: 50 },
      },
      s.token,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      candidates: [{ content: { role: "model", parts: [{ text: "hello from qwen" }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 4, totalTokenCount: 34 },
      modelVersion: "qwen3",
    });
    const sent = oai.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer sk-oai-real");
    expect(sent.body).toMatchObject({
      model: "qwen3",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      temperature: 0,
      max_tokens: 50,
    });
    const [row] = await callsOf(t, s.id);
    expect(row).toMatchObject({
      api: "gemini",
      providerName: "local",
      model: "qwen3",
      stream: false,
      status: "ok",
      inputTokens: 30,
      outputTokens: 4,
    });
  });

  it("streams with alt=sse: text at once, the function call whole at the end", async () => {
    oai.push({
      text: "Writing it.",
      tool_calls: [{ name: "write_file", arguments: { file_path: "/a", content: "x" } }],
    });
    const res = await gemini("local/qwen3:streamGenerateContent?alt=sse", {
      contents: [{ role: "user", parts: [{ text: "write /a" }] }],
      tools,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const chunks = sseData(await res.text());
    const parts = chunks.flatMap((c) => c.candidates[0].content.parts);
    expect(
      parts
        .filter((p) => p.text)
        .map((p) => p.text)
        .join(""),
    ).toBe("Writing it.");
    expect(parts.filter((p) => p.functionCall)).toEqual([
      { functionCall: { id: expect.any(String), name: "write_file", args: { file_path: "/a", content: "x" } } },
    ]);
    expect(chunks.at(-1)).toMatchObject({
      candidates: [{ finishReason: "STOP" }],
      usageMetadata: { totalTokenCount: 15 },
    });
    expect(oai.requests.at(-1)?.body).toMatchObject({
      stream: true,
      tools: [{ type: "function", function: { name: "write_file" } }],
    });
  });

  it("streams as one JSON array without alt=sse, through an Anthropic provider", async () => {
    claude.push({ text: "from claude" });
    const res = await gemini("work-anthropic/claude-sonnet-4-5:streamGenerateContent", {
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const chunks = (await res.json()) as { candidates: { content: { parts: { text?: string }[] } }[] }[];
    expect(chunks.flatMap((c) => c.candidates[0]!.content.parts.map((p) => p.text ?? "")).join("")).toBe("from claude");
    expect(claude.requests.at(-1)).toMatchObject({ path: "/v1/messages", body: { model: "claude-sonnet-4-5" } });
  });

  it("sends a bare model to the session's provider and carries function results back", async () => {
    oai.push({ text: "done" });
    const res = await gemini("qwen3:generateContent", {
      contents: [
        { role: "user", parts: [{ text: "write /a" }] },
        { role: "model", parts: [{ functionCall: { id: "c1", name: "write_file", args: { file_path: "/a" } } }] },
        { role: "user", parts: [{ functionResponse: { id: "c1", name: "write_file", response: { output: "ok" } } }] },
      ],
      tools,
    });
    expect(res.status).toBe(200);
    expect(oai.requests.at(-1)?.body.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "write_file", arguments: '{"file_path":"/a"}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "ok" },
    ]);
  });

  it("sends Gemini CLI's helper calls (bare Google model names) to the session's model", async () => {
    oai.push({ text: "{}" });
    const res = await gemini("gemini-2.5-flash-lite:generateContent", {
      contents: [{ role: "user", parts: [{ text: "classify" }] }],
      generationConfig: { responseMimeType: "application/json" },
    });
    expect(res.status).toBe(200);
    expect(oai.requests.at(-1)?.body).toMatchObject({ model: "qwen3", response_format: { type: "json_object" } });
  });

  it("estimates countTokens and lists models in Gemini's shape", async () => {
    const before = oai.requests.length;
    const counted = await gemini("local/qwen3:countTokens", { contents: [{ parts: [{ text: "x".repeat(80) }] }] });
    expect(counted.status).toBe(200);
    expect(((await counted.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(20);
    expect(oai.requests.length).toBe(before);
    const list = await fetch(`${t.url}/v1beta/models`, { headers: { "x-goog-api-key": agent.token } });
    expect(list.status).toBe(200);
    const { models } = (await list.json()) as { models: { name: string; supportedGenerationMethods: string[] }[] };
    expect(models.map((m) => m.name).sort()).toEqual(["models/local/qwen3", "models/work-anthropic/claude-sonnet-4-5"]);
    expect(models[0]?.supportedGenerationMethods).toContain("streamGenerateContent");
  });

  it("answers errors in Google's shape", async () => {
    const noKey = await fetch(`${t.url}/v1beta/models/local/qwen3:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({
      error: { code: 401, message: expect.stringContaining("x-goog-api-key"), status: "UNAUTHENTICATED" },
    });
    // A name that routes nowhere, from a session with no model to fall back on.
    const modelless = await agentSession(t, t.admin);
    const unknown = await gemini("nope/m:generateContent", { contents: [] }, modelless.token);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 404, status: "NOT_FOUND" } });
    const badShape = await gemini("local/qwen3:generateContent", { contents: [{ parts: "hi" }] });
    expect(badShape.status).toBe(400);
    expect(await badShape.json()).toMatchObject({
      error: { code: 400, message: "contents[0].parts must be an array", status: "INVALID_ARGUMENT" },
    });
    const builtIn = await gemini("local/qwen3:generateContent", { contents: [], tools: [{ googleSearch: {} }] });
    expect(builtIn.status).toBe(400);
    expect(await builtIn.json()).toMatchObject({ error: { message: expect.stringContaining("googleSearch") } });
    const method = await gemini("local/qwen3:embedContent", {});
    expect(method.status).toBe(404);
    expect(await method.json()).toMatchObject({ error: { status: "NOT_FOUND" } });
    oai.push({ status: 400 });
    const upstream = await gemini("local/qwen3:generateContent", { contents: [{ parts: [{ text: "x" }] }] });
    expect(upstream.status).toBe(400);
    expect(await upstream.json()).toMatchObject({
      error: { code: 400, message: expect.stringContaining("provider local refused"), status: "INVALID_ARGUMENT" },
    });
  });
});
