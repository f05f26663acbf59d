import { describe, expect, it } from "vitest";
import { noUsage, readAnthropicUsage, readOpenAiUsage, StreamTap } from "./usage.js";

describe("usage", () => {
  it("adds Anthropic's cache reads and writes to the input, and keeps them apart", () => {
    expect(
      readAnthropicUsage({
        input_tokens: 10,
        cache_creation_input_tokens: 20,
        cache_read_input_tokens: 300,
        output_tokens: 5,
      }),
    ).toEqual({ input: 330, output: 5, cacheRead: 300, cacheWrite: 20 });
  });

  it("lets later Anthropic stream events update totals without double counting", () => {
    const u = readAnthropicUsage({ input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 1 });
    readAnthropicUsage({ output_tokens: 42 }, u);
    expect(u).toEqual({ input: 100, output: 42, cacheRead: 90, cacheWrite: 0 });
    readAnthropicUsage({ input_tokens: 12, output_tokens: 50 }, u);
    expect(u).toEqual({ input: 102, output: 50, cacheRead: 90, cacheWrite: 0 });
  });

  it("reads chat, responses and embeddings usage", () => {
    expect(
      readOpenAiUsage({ prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 3 } }),
    ).toEqual({
      input: 7,
      output: 2,
      cacheRead: 3,
      cacheWrite: 0,
    });
    expect(readOpenAiUsage({ input_tokens: 4, output_tokens: 1, input_tokens_details: { cached_tokens: 0 } })).toEqual({
      input: 4,
      output: 1,
      cacheRead: 0,
      cacheWrite: 0,
    });
    expect(readOpenAiUsage({ prompt_tokens: 9, total_tokens: 9 })).toEqual({
      input: 9,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
    });
    expect(readOpenAiUsage(null)).toBeUndefined();
    expect(noUsage()).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
  });

  it("taps an Anthropic stream for usage and the first content event", () => {
    const tap = new StreamTap("anthropic");
    expect(
      tap.observe("message_start", {
        type: "message_start",
        message: { usage: { input_tokens: 8, output_tokens: 1 } },
      }),
    ).toBe(false);
    expect(tap.observe("ping", { type: "ping" })).toBe(false);
    expect(tap.observe("content_block_start", { type: "content_block_start", content_block: { type: "text" } })).toBe(
      false,
    );
    expect(tap.observe("content_block_delta", { type: "content_block_delta" })).toBe(true);
    expect(tap.observe("content_block_delta", { type: "content_block_delta" })).toBe(false);
    tap.observe("message_delta", { type: "message_delta", usage: { output_tokens: 30 } });
    expect(tap.usage).toEqual({ input: 8, output: 30, cacheRead: 0, cacheWrite: 0 });
    expect(tap.error).toBeUndefined();
    tap.observe("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    expect(tap.error).toBe("Overloaded");
  });

  it("taps chat and responses streams", () => {
    const chat = new StreamTap("chat");
    expect(chat.observe(undefined, { choices: [{ delta: { role: "assistant", content: "" } }] })).toBe(false);
    expect(chat.observe(undefined, { choices: [{ delta: { tool_calls: [{ index: 0 }] } }] })).toBe(true);
    chat.observe(undefined, { choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } });
    expect(chat.usage).toMatchObject({ input: 3, output: 4 });
    const resp = new StreamTap("responses");
    expect(resp.observe("response.created", { type: "response.created" })).toBe(false);
    expect(resp.observe("response.output_text.delta", { type: "response.output_text.delta" })).toBe(true);
    resp.observe("response.completed", {
      type: "response.completed",
      response: { usage: { input_tokens: 6, output_tokens: 2 } },
    });
    expect(resp.usage).toMatchObject({ input: 6, output: 2 });
  });
});
