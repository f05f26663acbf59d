import { describe, expect, it } from "vitest";
import { ChatToAnthropicStream, chatCompletionToAnthropic } from "./chat-response-to-anthropic.js";
import { type ChatChunk, DONE, type StreamEvent } from "./types.js";

const chunk = (delta: ChatChunk["choices"][number]["delta"], finish: string | null = null): StreamEvent => ({
  data: {
    id: "chatcmpl-abc",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4.1",
    choices: [{ index: 0, delta, finish_reason: finish }],
  },
});
const usageChunk = (prompt: number, completion: number): StreamEvent => ({
  data: {
    id: "chatcmpl-abc",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4.1",
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion },
  },
});

function run(events: StreamEvent[]): { type: string; [k: string]: unknown }[] {
  const t = new ChatToAnthropicStream();
  return [...events.flatMap((e) => t.push(e)), ...t.end()].map((e) => {
    expect((e.data as { type: string }).type).toBe(e.event);
    return e.data as { type: string };
  });
}

describe("chatCompletionToAnthropic", () => {
  it("maps text, tool calls, stop reason and usage", () => {
    const m = chatCompletionToAnthropic({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4.1",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Sure.",
            tool_calls: [{ id: "call_9", type: "function", function: { name: "run", arguments: '{"cmd":"ls"}' } }],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 11, completion_tokens: 3 },
    });
    expect(m).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "gpt-4.1",
      content: [
        { type: "text", text: "Sure." },
        { type: "tool_use", id: "call_9", name: "run", input: { cmd: "ls" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 3 },
    });
  });

  it.each([
    ["stop", "end_turn"],
    ["length", "max_tokens"],
    ["content_filter", "refusal"],
    [null, "end_turn"],
  ])("maps finish_reason %s to %s", (finish, stop) => {
    const m = chatCompletionToAnthropic({
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: null }, finish_reason: finish as never }],
    });
    expect(m.stop_reason).toBe(stop);
    expect(m.content).toEqual([]);
  });

  it("gives a tool call without an id one, and malformed arguments an empty input", () => {
    const m = chatCompletionToAnthropic({
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "", type: "function", function: { name: "f", arguments: "{oops" } }],
          },
          finish_reason: "tool_calls",
        },
      ],
    });
    expect(m.content[0]).toMatchObject({ type: "tool_use", name: "f", input: {} });
    expect((m.content[0] as { id: string }).id).toMatch(/^toolu_/);
  });
});

describe("ChatToAnthropicStream", () => {
  it("turns text and tool call chunks into content blocks, with usage at the end", () => {
    const out = run([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "a", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "b", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      usageChunk(42, 7),
      { data: DONE },
    ]);
    expect(out).toEqual([
      {
        type: "message_start",
        message: {
          id: "msg_abc",
          type: "message",
          role: "assistant",
          model: "gpt-4.1",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } },
      { type: "content_block_stop", index: 0 },
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "call_1", name: "a", input: {} },
      },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"x"' } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: ":1}" } },
      { type: "content_block_stop", index: 1 },
      {
        type: "content_block_start",
        index: 2,
        content_block: { type: "tool_use", id: "call_2", name: "b", input: {} },
      },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "{}" } },
      { type: "content_block_stop", index: 2 },
      {
        type: "message_delta",
        delta: { stop_reason: "tool_use", stop_sequence: null },
        usage: { input_tokens: 42, output_tokens: 7 },
      },
      { type: "message_stop" },
    ]);
  });

  it("closes the message when the provider ends without [DONE]", () => {
    const out = run([chunk({ content: "hi" }), chunk({}, "length")]);
    expect(out.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(out[4]).toMatchObject({ delta: { stop_reason: "max_tokens" } });
  });

  it("emits nothing after the end, and an Anthropic error event for a provider error", () => {
    const t = new ChatToAnthropicStream();
    t.push(chunk({ content: "x" }));
    expect(t.push({ data: { error: { message: "overloaded" } } })).toEqual([
      { event: "error", data: { type: "error", error: { type: "api_error", message: "overloaded" } } },
    ]);
    expect(t.push(chunk({ content: "late" }))).toEqual([]);
    expect(t.end()).toEqual([]);
  });

  it("ignores comments and unparseable events", () => {
    const t = new ChatToAnthropicStream();
    expect(t.push({ data: undefined })).toEqual([]);
  });
});
