import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import { type AgentSession, addProvider, agentSession, callsOf } from "../../../test/support/llm.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";

// An agent speaking one API uses a provider speaking the other; the official SDKs judge the result.
let t: TestServer;
let claude: ScriptedLlm;
let compat: ScriptedLlm;
let s: AgentSession;
let anthropic: Anthropic;
let openai: OpenAI;
beforeAll(async () => {
  [t, claude, compat] = await Promise.all([
    startTestServer(),
    startScriptedLlm([], ["claude-sonnet-4-5", "claude-haiku-4-5", "c"]),
    startScriptedLlm([], ["gpt-4.1", "qwen-coder", "q"]),
  ]);
  await addProvider(t.admin, { name: "claude", kind: "anthropic", base_url: claude.url, api_key: "sk-ant-real" });
  await addProvider(t.admin, { name: "oai", kind: "openai", base_url: `${compat.url}/v1`, api_key: "sk-real" });
  await addProvider(t.admin, { name: "local", kind: "vllm", base_url: `${compat.url}/v1` });
  s = await agentSession(t, t.admin);
  anthropic = new Anthropic({ baseURL: t.url, apiKey: s.token, maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: s.token, maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all([t?.stop(), claude?.close(), compat?.close()]);
});

const weatherToolAnthropic: Anthropic.Tool = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const weatherToolOpenAI: OpenAI.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe(`Anthropic agent → OpenAI-style provider (${process.env.STRAND_TEST_DB})`, () => {
  it("translates a tool-using conversation, plain", async () => {
    compat.push({
      text: "Let me check.",
      tool_calls: [{ name: "get_weather", arguments: { city: "Paris" } }],
      usage: { input: 40, output: 12 },
    });
    const first = await anthropic.messages.create({
      model: "oai/gpt-4.1",
      max_tokens: 300,
      system: [{ type: "text", text: "You are terse." }],
      tools: [weatherToolAnthropic],
      tool_choice: { type: "auto" },
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content[0]).toMatchObject({ type: "text", text: "Let me check." });
    const use = first.content[1] as Anthropic.ToolUseBlock;
    expect(use).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Paris" } });
    expect(first.usage).toMatchObject({ input_tokens: 40, output_tokens: 12 });

    const sent = compat.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer sk-real");
    expect(sent.body).toMatchObject({
      model: "gpt-4.1",
      max_completion_tokens: 300,
      tool_choice: "auto",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Weather in Paris?" },
      ],
      tools: [weatherToolOpenAI],
    });

    compat.push({ text: "Sunny, 21°C." });
    const second = await anthropic.messages.create({
      model: "oai/gpt-4.1",
      max_tokens: 300,
      tools: [weatherToolAnthropic],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: use.id, content: "sunny, 21C" },
            { type: "text", text: "and be brief" },
          ],
        },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: "text", text: "Sunny, 21°C." });
    expect(second.stop_reason).toBe("end_turn");
    expect(compat.requests.at(-1)?.body.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          { id: use.id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: "tool", tool_call_id: use.id, content: "sunny, 21C" },
      { role: "user", content: "and be brief" },
    ]);
  });

  it("translates a streamed answer with a tool call, usage included", async () => {
    compat.push({
      text: "Checking now.",
      tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }],
      usage: { input: 33, output: 9 },
    });
    const stream = anthropic.messages.stream({
      model: "local/qwen-coder",
      max_tokens: 200,
      tools: [weatherToolAnthropic],
      messages: [{ role: "user", content: "Oslo?" }],
    });
    const events: string[] = [];
    stream.on("streamEvent", (e) => events.push(e.type));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content[0]).toMatchObject({ type: "text", text: "Checking now." });
    expect(final.content[1]).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Oslo" } });
    expect(final.usage).toMatchObject({ input_tokens: 33, output_tokens: 9 });
    expect(events[0]).toBe("message_start");
    expect(events.at(-1)).toBe("message_stop");
    expect(events.filter((e) => e === "content_block_start")).toHaveLength(2);
    // vllm takes max_tokens; Strand asks for usage so it can count the call.
    expect(compat.requests.at(-1)?.body).toMatchObject({
      model: "qwen-coder",
      max_tokens: 200,
      stream: true,
      stream_options: { include_usage: true },
    });
    // The session made other calls before: wait for this one's row, written as the stream ends.
    const rows = await until(
      () => callsOf(t, s.id),
      (r) => r.some((x) => x.model === "qwen-coder"),
      "the qwen-coder call's llm_calls row",
      10_000,
    );
    const row = rows.find((r) => r.model === "qwen-coder");
    expect(row).toMatchObject({ stream: true, inputTokens: 33, outputTokens: 9, costMicros: 0, status: "ok" });
  });

  it("refuses what Chat Completions cannot carry, in Anthropic's shape", async () => {
    await expect(
      anthropic.messages.create({
        model: "oai/gpt-4.1",
        max_tokens: 10,
        tools: [{ type: "web_search_20250305", name: "web_search" } as unknown as Anthropic.Tool],
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({
      status: 400,
      error: { error: { type: "invalid_request_error", message: expect.stringContaining("server tool") } },
    });
  });
});

describe("OpenAI agent → Anthropic provider", () => {
  it("translates a tool-using conversation, plain", async () => {
    claude.push({
      text: "On it.",
      tool_calls: [{ name: "get_weather", arguments: { city: "Rome" } }],
      usage: { input: 21, output: 8 },
    });
    const first = await openai.chat.completions.create({
      model: "claude/claude-sonnet-4-5",
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "Rome?" },
      ],
      tools: [weatherToolOpenAI],
      tool_choice: "required",
      parallel_tool_calls: false,
      temperature: 1.5,
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("On it.");
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Rome" });
    expect(first.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 8, total_tokens: 29 });

    const sent = claude.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe("sk-ant-real");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 4096,
      system: "Be terse.",
      messages: [{ role: "user", content: [{ type: "text", text: "Rome?" }] }],
      temperature: 1,
      tools: [
        {
          name: "get_weather",
          description: "Weather for a city",
          input_schema: weatherToolOpenAI.function.parameters,
        },
      ],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });

    claude.push({ text: "Warm." });
    const second = await openai.chat.completions.create({
      model: "claude/claude-sonnet-4-5",
      max_tokens: 50,
      messages: [
        { role: "user", content: "Rome?" },
        choice.message,
        { role: "tool", tool_call_id: call.id, content: "warm, 25C" },
        { role: "user", content: "short please" },
      ],
      tools: [weatherToolOpenAI],
    });
    expect(second.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Warm." } });
    expect(claude.requests.at(-1)?.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Rome?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "On it." },
          { type: "tool_use", id: call.id, name: "get_weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: call.id, content: "warm, 25C" },
          { type: "text", text: "short please" },
        ],
      },
    ]);
  });

  it("translates a streamed answer with a tool call, and the usage chunk when asked", async () => {
    claude.push({
      text: "Let me look.",
      tool_calls: [{ name: "get_weather", arguments: { city: "Lima" } }],
      usage: { input: 17, output: 11 },
    });
    const stream = await openai.chat.completions.create({
      model: "claude/claude-haiku-4-5",
      messages: [{ role: "user", content: "Lima?" }],
      tools: [weatherToolOpenAI],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let args = "";
    let name = "";
    let finish = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      const d = c.choices[0]?.delta;
      text += d?.content ?? "";
      name += d?.tool_calls?.[0]?.function?.name ?? "";
      args += d?.tool_calls?.[0]?.function?.arguments ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
      usage = c.usage ?? usage;
    }
    expect(text).toBe("Let me look.");
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual({ city: "Lima" });
    expect(finish).toBe("tool_calls");
    expect(usage).toMatchObject({ prompt_tokens: 17, completion_tokens: 11 });
    expect(claude.requests.at(-1)?.body).toMatchObject({ stream: true, model: "claude-haiku-4-5" });
    expect(claude.requests.at(-1)?.body.stream_options).toBeUndefined();

    // The SDK's own helper reassembles the same answer from the translated stream.
    claude.push({ text: "Again.", tool_calls: [{ name: "get_weather", arguments: { city: "Quito" } }] });
    const runner = openai.chat.completions.stream({
      model: "claude/claude-haiku-4-5",
      messages: [{ role: "user", content: "Quito?" }],
      tools: [weatherToolOpenAI],
    });
    const done = await runner.finalChatCompletion();
    const tc = done.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(JSON.parse(tc.function.arguments)).toEqual({ city: "Quito" });
  });
});

describe("malformed requests", () => {
  // Whatever an agent sends, the answer is a 4xx in its own format, never a 500 or a crash.
  const bodies: [string, unknown][] = [
    ["/v1/messages", { model: "oai/gpt-4.1", messages: 42 }],
    ["/v1/messages", { model: "oai/gpt-4.1", messages: [{ role: "user", content: [null] }] }],
    [
      "/v1/messages",
      { model: "oai/gpt-4.1", messages: [{ role: "user", content: [{ type: "tool_result" }] }], tools: [{}] },
    ],
    ["/v1/chat/completions", { model: "claude/c", messages: [{ role: "tool" }] }],
    ["/v1/chat/completions", { model: "claude/c", messages: [{ role: "user", content: [{ type: "image_url" }] }] }],
    ["/v1/chat/completions", { model: "claude/c", messages: [], tools: [{ type: "function" }] }],
    ["/v1/responses", { model: "local/q", input: [{ type: "function_call" }] }],
    ["/v1/responses", { model: "claude/c", input: [{ role: "user", content: 7 }] }],
    ["/v1/chat/completions", [1, 2, 3]],
    ["/v1/messages", "just a string"],
  ];
  it.each(bodies)("%s %j", async (path, body) => {
    const res = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${s.token}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    // The provider may still be reached (and answer) when the request is odd but well-formed.
    expect(res.status === 200 || (res.status >= 400 && res.status < 500), JSON.stringify(json)).toBe(true);
    if (res.status !== 200) {
      if (path === "/v1/messages") expect(json).toMatchObject({ type: "error", error: { type: expect.any(String) } });
      else expect(json).toMatchObject({ error: { message: expect.any(String) } });
    }
  });
});

describe("Responses API, translated for providers without it", () => {
  const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Weather in Bern?" }];
  const tools: OpenAI.Responses.Tool[] = [
    {
      type: "function",
      name: "get_weather",
      description: "Weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      strict: false,
    },
  ];

  for (const model of ["local/qwen-coder", "claude/claude-sonnet-4-5"]) {
    it(`answers plain and streamed with function calls via ${model}`, async () => {
      const llm = model.startsWith("claude") ? claude : compat;
      llm.push({
        text: "Checking.",
        tool_calls: [{ name: "get_weather", arguments: { city: "Bern" } }],
        usage: { input: 14, output: 6 },
      });
      const r = await openai.responses.create({
        model,
        input,
        tools,
        instructions: "Be brief.",
        max_output_tokens: 99,
      });
      expect(r.output_text).toBe("Checking.");
      const fc = r.output.find((o) => o.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
      expect(fc).toMatchObject({ name: "get_weather", status: "completed" });
      expect(JSON.parse(fc.arguments)).toEqual({ city: "Bern" });
      expect(r.usage).toMatchObject({ input_tokens: 14, output_tokens: 6, total_tokens: 20 });
      expect(r.status).toBe("completed");

      llm.push({ text: "It is cold.", usage: { input: 20, output: 4 } });
      const stream = openai.responses.stream({
        model,
        tools,
        input: [...input, fc, { type: "function_call_output", call_id: fc.call_id, output: "cold, 2C" }],
      });
      const deltas: string[] = [];
      stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
      const final = await stream.finalResponse();
      expect(final.output_text).toBe("It is cold.");
      expect(deltas.join("")).toBe("It is cold.");
      expect(final.usage).toMatchObject({ input_tokens: 20, output_tokens: 4 });

      const body = llm.requests.at(-1)!.body;
      if (llm === compat) {
        expect(body.messages).toEqual([
          { role: "user", content: "Weather in Bern?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: fc.call_id, type: "function", function: { name: "get_weather", arguments: fc.arguments } },
            ],
          },
          { role: "tool", tool_call_id: fc.call_id, content: "cold, 2C" },
        ]);
      } else {
        expect(body.messages.at(-1)).toEqual({
          role: "user",
          content: [{ type: "tool_result", tool_use_id: fc.call_id, content: "cold, 2C" }],
        });
      }
    });
  }

  it("refuses previous_response_id, which needs stored conversations", async () => {
    await expect(
      openai.responses.create({ model: "local/qwen-coder", input: "x", previous_response_id: "resp_1" }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("previous_response_id") });
  });
});
