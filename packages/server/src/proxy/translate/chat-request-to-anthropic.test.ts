import { describe, expect, it } from "vitest";
import { chatRequestToAnthropic, DEFAULT_MAX_TOKENS } from "./chat-request-to-anthropic.js";
import type { ChatRequest } from "./types.js";

describe("chatRequestToAnthropic", () => {
  it("hoists system and developer messages and maps parameters", () => {
    const out = chatRequestToAnthropic(
      {
        model: "p/gpt",
        messages: [
          { role: "system", content: "one" },
          { role: "user", content: "hi" },
          { role: "developer", content: [{ type: "text", text: "two" }] },
        ],
        max_tokens: 100,
        temperature: 1.7,
        top_p: 0.5,
        stop: "STOP",
        user: "u",
        stream: true,
        stream_options: { include_usage: true },
      },
      { model: "claude" },
    );
    expect(out).toEqual({
      model: "claude",
      max_tokens: 100,
      system: "one\n\ntwo",
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
      temperature: 1,
      top_p: 0.5,
      stop_sequences: ["STOP"],
      metadata: { user_id: "u" },
      stream: true,
    });
  });

  it("defaults max_tokens, which Anthropic requires, and prefers max_completion_tokens", () => {
    expect(chatRequestToAnthropic({ model: "m", messages: [] }, { model: "c" }).max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(
      chatRequestToAnthropic({ model: "m", messages: [], max_tokens: 5, max_completion_tokens: 7 }, { model: "c" })
        .max_tokens,
    ).toBe(7);
  });

  it("maps tool calls and results into alternating turns", () => {
    const req: ChatRequest = {
      model: "m",
      messages: [
        { role: "user", content: "go" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "a", arguments: '{"x":1}' } },
            { id: "call_2", type: "function", function: { name: "b", arguments: "not json" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "r1" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "r2" }] },
        { role: "user", content: "next" },
        { role: "assistant", content: "" },
      ],
      tools: [{ type: "function", function: { name: "a", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "a" } },
    };
    const out = chatRequestToAnthropic(req, { model: "c" });
    expect(out.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "go" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "a", input: { x: 1 } },
          { type: "tool_use", id: "call_2", name: "b", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "r1" },
          { type: "tool_result", tool_use_id: "call_2", content: "r2" },
          { type: "text", text: "next" },
        ],
      },
    ]);
    expect(out.tools).toEqual([{ name: "a", input_schema: { type: "object" } }]);
    expect(out.tool_choice).toEqual({ type: "tool", name: "a" });
  });

  it.each([
    [undefined, undefined, undefined],
    ["auto", undefined, { type: "auto" }],
    ["none", undefined, { type: "none" }],
    ["required", false, { type: "any", disable_parallel_tool_use: true }],
    [undefined, false, { type: "auto", disable_parallel_tool_use: true }],
  ] as const)("maps tool_choice %j with parallel_tool_calls %j", (choice, parallel, expected) => {
    const out = chatRequestToAnthropic(
      {
        model: "m",
        messages: [],
        tools: [{ type: "function", function: { name: "t" } }],
        ...(choice ? { tool_choice: choice } : {}),
        ...(parallel !== undefined ? { parallel_tool_calls: parallel } : {}),
      },
      { model: "c" },
    );
    expect(out.tool_choice).toEqual(expected);
    expect(out.tools?.[0]?.input_schema).toEqual({ type: "object", properties: {} });
  });

  it("turns data URLs into base64 images and other URLs into URL images", () => {
    const out = chatRequestToAnthropic(
      {
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/" } },
              { type: "image_url", image_url: { url: "https://x.test/i.png" } },
            ],
          },
        ],
      },
      { model: "c" },
    );
    expect(out.messages[0]?.content).toEqual([
      { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/" } },
      { type: "image", source: { type: "url", url: "https://x.test/i.png" } },
    ]);
  });

  it("refuses n > 1, audio parts and non-function tools", () => {
    expect(() => chatRequestToAnthropic({ model: "m", messages: [], n: 2 }, { model: "c" })).toThrow(/n > 1/);
    expect(() =>
      chatRequestToAnthropic(
        { model: "m", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] },
        { model: "c" },
      ),
    ).toThrow(/input_audio/);
    expect(() =>
      chatRequestToAnthropic(
        { model: "m", messages: [], tools: [{ type: "custom", function: { name: "x" } } as never] },
        { model: "c" },
      ),
    ).toThrow(/tool type "custom"/);
  });
});
