import { describe, expect, it } from "vitest";
import { AnthropicToChatStream } from "./anthropic-response-to-chat.js";
import { chain } from "./chain.js";
import { ChatToGeminiStream, chatCompletionToGemini } from "./chat-response-to-gemini.js";
import { type ChatChunk, DONE, type StreamEvent } from "./types.js";

const chunk = (delta: ChatChunk["choices"][number]["delta"], finish: string | null = null): StreamEvent => ({
  data: {
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: "qwen",
    choices: [{ index: 0, delta, finish_reason: finish }],
  },
});

describe("chatCompletionToGemini", () => {
  it("maps text, tool calls (arguments as objects), finish reason, usage and model", () => {
    const r = chatCompletionToGemini({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "qwen",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Writing.",
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "write_file", arguments: '{"file_path":"/a"}' } },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } },
    });
    expect(r).toEqual({
      candidates: [
        {
          content: {
            role: "model",
            parts: [
              { text: "Writing." },
              { functionCall: { id: "call_1", name: "write_file", args: { file_path: "/a" } } },
            ],
          },
          finishReason: "STOP",
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 5, totalTokenCount: 17, cachedContentTokenCount: 4 },
      modelVersion: "qwen",
      responseId: "chatcmpl-1",
    });
  });

  it("maps a length stop to MAX_TOKENS and reasoning to a thought part", () => {
    const r = chatCompletionToGemini({
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "cut", reasoning_content: "hmm" } as never,
          finish_reason: "length",
        },
      ],
    });
    expect(r.candidates[0]?.finishReason).toBe("MAX_TOKENS");
    expect(r.candidates[0]?.content.parts).toEqual([{ text: "hmm", thought: true }, { text: "cut" }]);
    expect(r.usageMetadata).toEqual({ promptTokenCount: 0, candidatesTokenCount: 0, totalTokenCount: 0 });
  });
});

describe("ChatToGeminiStream", () => {
  it("passes text at once and sends gathered function calls with the finish reason and usage last", () => {
    const t = new ChatToGeminiStream("p/qwen");
    const out = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({
        tool_calls: [{ index: 0, id: "call_9", type: "function", function: { name: "write_", arguments: "" } }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { name: "file", arguments: '{"file_path":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"/a"}' } }] }),
      chunk({}, "tool_calls"),
      {
        data: {
          id: "c1",
          object: "chat.completion.chunk",
          created: 1,
          model: "qwen",
          choices: [],
          usage: { prompt_tokens: 7, completion_tokens: 3 },
        },
      },
      { data: DONE },
    ].flatMap((e) => t.push(e));
    expect(t.end()).toEqual([]);
    const data = out.map((e) => e.data as { candidates: { content: { parts: unknown[] }; finishReason?: string }[] });
    expect(out.every((e) => e.event === undefined)).toBe(true);
    expect(data.map((d) => d.candidates[0]?.content.parts)).toEqual([
      [{ text: "Hel" }],
      [{ text: "lo" }],
      [{ functionCall: { id: "call_9", name: "write_file", args: { file_path: "/a" } } }],
    ]);
    expect(data.at(-1)).toMatchObject({
      candidates: [{ finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 3, totalTokenCount: 10 },
      modelVersion: "qwen",
    });
    expect(data.slice(0, -1).every((d) => d.candidates[0]?.finishReason === undefined)).toBe(true);
    // One response id throughout, as Gemini streams carry.
    expect(new Set(out.map((e) => (e.data as { responseId: string }).responseId)).size).toBe(1);
  });

  it("finishes even without [DONE], and reports a provider error in Google's shape", () => {
    const t = new ChatToGeminiStream("m");
    t.push(chunk({ content: "x" }, "length"));
    const [last] = t.end();
    expect(last?.data).toMatchObject({ candidates: [{ finishReason: "MAX_TOKENS" }] });
    const e = new ChatToGeminiStream("m");
    expect(e.push({ data: { error: { message: "boom" } } })).toEqual([
      { data: { error: { code: 500, message: "boom", status: "INTERNAL" } } },
    ]);
    expect(e.end()).toEqual([]);
  });

  it("chains after the Anthropic translator for Anthropic providers", () => {
    const t = chain(new AnthropicToChatStream(true), new ChatToGeminiStream("claude"));
    const events: StreamEvent[] = [
      {
        event: "message_start",
        data: {
          type: "message_start",
          message: { id: "msg_1", model: "claude", usage: { input_tokens: 20, output_tokens: 0 } },
        },
      },
      {
        event: "content_block_start",
        data: {
          type: "content_block_start",
          index: 0,
          content_block: { type: "tool_use", id: "toolu_1", name: "write_file", input: {} },
        },
      },
      {
        event: "content_block_delta",
        data: {
          type: "content_block_delta",
          index: 0,
          delta: { type: "input_json_delta", partial_json: '{"content":"hi"}' },
        },
      },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      {
        event: "message_delta",
        data: { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } },
      },
      { event: "message_stop", data: { type: "message_stop" } },
    ];
    const out = [...events.flatMap((e) => t.push(e)), ...t.end()];
    expect(out.at(-1)?.data).toMatchObject({
      candidates: [
        {
          content: { parts: [{ functionCall: { id: "toolu_1", name: "write_file", args: { content: "hi" } } }] },
          finishReason: "STOP",
        },
      ],
      usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 9, totalTokenCount: 29 },
    });
  });
});
