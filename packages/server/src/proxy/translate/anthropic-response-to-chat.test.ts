import { describe, expect, it } from "vitest";
import { AnthropicToChatStream, anthropicMessageToChat, anthropicUsageToChat } from "./anthropic-response-to-chat.js";
import { DONE, type StreamEvent } from "./types.js";

const ev = (type: string, data: object = {}): StreamEvent => ({ event: type, data: { type, ...data } });

const anthropicStream = [
  ev("message_start", {
    message: {
      id: "msg_xyz",
      model: "claude-sonnet-4-5",
      usage: { input_tokens: 10, cache_read_input_tokens: 90, cache_creation_input_tokens: 0, output_tokens: 1 },
    },
  }),
  ev("ping"),
  ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }),
  ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "hmm" } }),
  ev("content_block_stop", { index: 0 }),
  ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
  ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Sure" } }),
  ev("content_block_stop", { index: 1 }),
  ev("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_1", name: "run", input: {} } }),
  ev("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '{"c":' } }),
  ev("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '"ls"}' } }),
  ev("content_block_stop", { index: 2 }),
  ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 15 } }),
  ev("message_stop"),
];

describe("anthropicMessageToChat", () => {
  it("maps text, tool use, stop reason and usage (cached tokens counted as prompt)", () => {
    const c = anthropicMessageToChat(
      {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude",
        content: [
          { type: "thinking", thinking: "…" },
          { type: "text", text: "A" },
          { type: "text", text: "B" },
          { type: "tool_use", id: "toolu_1", name: "f", input: { a: [1] } },
        ],
        stop_reason: "tool_use",
        stop_sequence: null,
        usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
      },
      123,
    );
    expect(c).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 123,
      model: "claude",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "AB",
            tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: '{"a":[1]}' } }],
            refusal: null,
          },
          finish_reason: "tool_calls",
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 125,
        completion_tokens: 2,
        total_tokens: 127,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["refusal", "content_filter"],
  ])("maps stop_reason %s to %s", (stop, finish) => {
    const c = anthropicMessageToChat({
      id: "m",
      type: "message",
      role: "assistant",
      model: "c",
      content: [],
      stop_reason: stop as never,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    expect(c.choices[0]?.finish_reason).toBe(finish);
    expect(c.choices[0]?.message.content).toBeNull();
  });

  it("counts usage the OpenAI way", () => {
    expect(anthropicUsageToChat({ input_tokens: 3, output_tokens: 4 })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
  });
});

describe("AnthropicToChatStream", () => {
  it("turns content blocks into chunks, drops thinking, and ends with usage and [DONE]", () => {
    const t = new AnthropicToChatStream(true);
    const out = [...anthropicStream.flatMap((e) => t.push(e)), ...t.end()].map((e) => e.data);
    const deltas = out
      .slice(0, -2)
      .map((c) => (c as { choices: { delta: unknown; finish_reason: unknown }[] }).choices[0]);
    expect(deltas).toEqual([
      { index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null },
      { index: 0, delta: { content: "Sure" }, finish_reason: null, logprobs: null },
      {
        index: 0,
        delta: {
          tool_calls: [{ index: 0, id: "toolu_1", type: "function", function: { name: "run", arguments: "" } }],
        },
        finish_reason: null,
        logprobs: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"c":' } }] },
        finish_reason: null,
        logprobs: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] },
        finish_reason: null,
        logprobs: null,
      },
      { index: 0, delta: {}, finish_reason: "tool_calls", logprobs: null },
    ]);
    expect(out.at(-2)).toMatchObject({
      id: "chatcmpl-xyz",
      model: "claude-sonnet-4-5",
      choices: [],
      usage: { prompt_tokens: 100, completion_tokens: 15, total_tokens: 115 },
    });
    expect(out.at(-1)).toBe(DONE);
    expect(out.every((c) => c === DONE || (c as { id: string }).id === "chatcmpl-xyz")).toBe(true);
  });

  it("sends no usage chunk unless asked, and closes a stream cut short", () => {
    const t = new AnthropicToChatStream(false);
    const out = [...anthropicStream.slice(0, 7).flatMap((e) => t.push(e)), ...t.end()].map((e) => e.data);
    expect(out.at(-1)).toBe(DONE);
    expect(out.at(-2)).toMatchObject({ choices: [{ finish_reason: "stop" }] });
    expect(out.some((c) => typeof c === "object" && (c as { usage?: unknown }).usage)).toBe(false);
  });

  it("passes an Anthropic error event on as an OpenAI stream error", () => {
    const t = new AnthropicToChatStream(false);
    expect(t.push(ev("error", { error: { type: "overloaded_error", message: "Overloaded" } }))).toEqual([
      { data: { error: { message: "Overloaded", type: "overloaded_error", code: null } } },
    ]);
    expect(t.end()).toEqual([]);
  });
});
