import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { silentLog } from "../log.js";
import { anthropicMessages, anthropicProvider } from "./anthropic.js";
import { ProviderError, retryAfterMs } from "./errors.js";
import { openaiProvider } from "./openai.js";
import { backoffMs, withRetry } from "./retry.js";
import type { ModelEvent, ModelRequest } from "./types.js";

// The scripted provider has no thinking; these replay a recorded-shape stream to check the parsers.
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(events: string[]): Promise<string> {
  const s = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const e of events) res.write(e);
      res.end();
    });
  });
  server = s;
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

const request: ModelRequest = { model: "m", system: "s", messages: [], tools: [], maxTokens: 100 };
async function collect(it: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const out: ModelEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
const ev = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

describe("anthropic provider", () => {
  it("streams thinking as thought chunks and keeps the signed block for the history", async () => {
    const url = await serve([
      ev("message_start", { message: { usage: { input_tokens: 7, output_tokens: 1 } } }),
      ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Let me " } }),
      ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "think." } }),
      ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "sig123" } }),
      ev("content_block_stop", { index: 0 }),
      'event: ping\ndata: {"type": "ping"}\n\n',
      ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Done." } }),
      ev("content_block_stop", { index: 1 }),
      ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }),
      ev("message_stop", {}),
    ]);
    const events = await collect(
      anthropicProvider({ baseUrl: url, apiKey: "k", idleTimeoutMs: 5000 }).stream(
        request,
        new AbortController().signal,
      ),
    );
    expect(events).toEqual([
      { type: "thinking", text: "Let me " },
      { type: "thinking", text: "think." },
      { type: "thinking_block", block: { text: "Let me think.", signature: "sig123" } },
      { type: "text", text: "Done." },
      { type: "finish", reason: "end_turn", usage: { input: 7, output: 9 } },
    ]);
    const history = anthropicMessages([
      { role: "user", content: [{ type: "text", text: "q" }] },
      {
        role: "assistant",
        text: "",
        thinking: [{ text: "Let me think.", signature: "sig123" }],
        toolCalls: [{ id: "t1", name: "read_file", argsText: "{bad" }],
      },
      { role: "tool_results", results: [{ id: "t1", name: "read_file", content: "err", isError: true }] },
      { role: "user", content: [{ type: "text", text: "next" }] },
    ]);
    expect(history).toEqual([
      { role: "user", content: [{ type: "text", text: "q" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Let me think.", signature: "sig123" },
          { type: "tool_use", id: "t1", name: "read_file", input: {} },
        ],
      },
      // Tool results and the next prompt merge into one user turn: the API wants roles to alternate.
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "err", is_error: true },
          { type: "text", text: "next" },
        ],
      },
    ]);
  });

  it("treats a mid-stream overloaded error as retryable, and a truncated stream as an error", async () => {
    const url = await serve([ev("error", { error: { type: "overloaded_error", message: "Overloaded" } })]);
    const p = anthropicProvider({ baseUrl: url, apiKey: "k", idleTimeoutMs: 5000 });
    await expect(collect(p.stream(request, new AbortController().signal))).rejects.toMatchObject({
      message: expect.stringMatching(/Overloaded/),
      opts: { retryable: true, status: 529 },
    });
  });
});

describe("openai provider", () => {
  it("turns reasoning deltas into thinking and ends on finish_reason", async () => {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const url = await serve([
      chunk({ reasoning_content: "hmm" }),
      chunk({ content: "hi" }),
      chunk({}, "stop"),
      "data: [DONE]\n\n",
    ]);
    const events = await collect(
      openaiProvider({ baseUrl: url, apiKey: "k", idleTimeoutMs: 5000 }).stream(request, new AbortController().signal),
    );
    expect(events).toEqual([
      { type: "thinking", text: "hmm" },
      { type: "text", text: "hi" },
      { type: "finish", reason: "end_turn", usage: undefined },
    ]);
  });

  it("aborts a provider that goes silent, as a retryable error", async () => {
    const s = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": keep\n\n");
    });
    server = s;
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
    const p = openaiProvider({ baseUrl: url, apiKey: "k", idleTimeoutMs: 200 });
    await expect(collect(p.stream(request, new AbortController().signal))).rejects.toMatchObject({
      message: expect.stringMatching(/sent nothing for 0 s/),
      opts: { retryable: true },
    });
    s.closeAllConnections();
  });
});

describe("retry policy", () => {
  it("honours Retry-After in seconds, dates and retry-after-ms, capped", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "3" }))).toBe(250);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
    const policy = { baseMs: 100, maxWaitMs: 1000 };
    expect(backoffMs(1, policy, 60_000)).toBe(1000);
    expect(backoffMs(3, policy)).toBeGreaterThanOrEqual(400);
    expect(backoffMs(3, policy)).toBeLessThanOrEqual(500);
    expect(backoffMs(10, policy)).toBe(1000);
  });

  it("retries a failure before the first event quietly, and a stream broken mid-answer with a restart", async () => {
    const flaky = (emitFirst: boolean, failures: number) => {
      const counter = { calls: 0 };
      const provider = withRetry(
        {
          api: "openai",
          async *stream() {
            counter.calls++;
            if (emitFirst) yield { type: "text", text: `partial ${counter.calls}` } as ModelEvent;
            if (counter.calls <= failures) throw new ProviderError("broke", { retryable: true, status: 502 });
            yield { type: "finish", reason: "end_turn" } as ModelEvent;
          },
        },
        { attempts: 3, baseMs: 1, maxWaitMs: 1, unreachableMs: 0 },
        silentLog,
      );
      return { provider, counter };
    };
    const early = flaky(false, 5);
    await expect(collect(early.provider.stream(request, new AbortController().signal))).rejects.toThrow(
      "broke (gave up after 3 attempts)",
    );
    expect(early.counter.calls).toBe(3);

    // Each broken attempt's output is followed by a restart before the next attempt's first event.
    const late = flaky(true, 2);
    expect(await collect(late.provider.stream(request, new AbortController().signal))).toEqual([
      { type: "text", text: "partial 1" },
      { type: "restart" },
      { type: "text", text: "partial 2" },
      { type: "restart" },
      { type: "text", text: "partial 3" },
      { type: "finish", reason: "end_turn" },
    ]);
    expect(late.counter.calls).toBe(3);

    // When every attempt breaks, the last one's output stands (no restart) and the error ends it.
    const hopeless = flaky(true, 5);
    const seen: ModelEvent[] = [];
    await expect(
      (async () => {
        for await (const e of hopeless.provider.stream(request, new AbortController().signal)) seen.push(e);
      })(),
    ).rejects.toThrow("broke (gave up after 3 attempts)");
    expect(seen.filter((e) => e.type === "restart")).toHaveLength(2);
    expect(seen.at(-1)).toEqual({ type: "text", text: "partial 3" });
  });

  it("keeps retrying an endpoint that refuses connections for the unreachable budget, then says how long", async () => {
    let t = 0;
    let calls = 0;
    const provider = withRetry(
      {
        api: "anthropic",
        // biome-ignore lint/correctness/useYield: it only fails
        async *stream() {
          calls++;
          t += 1000;
          throw new ProviderError("cannot reach it: ECONNREFUSED", { retryable: true, unreachable: true });
        },
      },
      { attempts: 2, baseMs: 1, maxWaitMs: 1, unreachableMs: 10_000 },
      silentLog,
      () => t,
    );
    await expect(collect(provider.stream(request, new AbortController().signal))).rejects.toThrow(
      "cannot reach it: ECONNREFUSED (gave up after 11 attempts over 10 s)",
    );
    expect(calls).toBe(11);
  });
});
