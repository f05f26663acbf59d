import { describe, expect, it } from "vitest";
import { anthropicRequestToChat } from "./anthropic-request-to-chat.js";
import type { AnthropicRequest } from "./types.js";

const target = { model: "gpt-4.1", maxTokensField: "max_completion_tokens" as const };

describe("anthropicRequestToChat", () => {
  it("maps system, parameters, and a plain conversation", () => {
    const out = anthropicRequestToChat(
      {
        model: "p/claude",
        max_tokens: 512,
        system: [
          { type: "text", text: "You are Strand." },
          { type: "text", text: "Be brief." },
        ],
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ["END"],
        metadata: { user_id: "u1" },
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [{ type: "text", text: "hello" }] },
          {
            role: "user",
            content: [
              { type: "text", text: "a" },
              { type: "text", text: "b" },
            ],
          },
        ],
      },
      target,
    );
    expect(out).toEqual({
      model: "gpt-4.1",
      max_completion_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["END"],
      user: "u1",
      messages: [
        { role: "system", content: "You are Strand.\n\nBe brief." },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: "a\n\nb" },
      ],
    });
  });

  it("maps tools, tool choice, tool calls and tool results (results first, before the user's text)", () => {
    const req: AnthropicRequest = {
      model: "m",
      max_tokens: 10,
      tools: [
        { name: "ls", description: "list", input_schema: { type: "object", properties: { dir: { type: "string" } } } },
      ],
      tool_choice: { type: "tool", name: "ls", disable_parallel_tool_use: true },
      messages: [
        { role: "user", content: "list /" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm" },
            { type: "text", text: "Listing." },
            { type: "tool_use", id: "toolu_1", name: "ls", input: { dir: "/" } },
            { type: "tool_use", id: "toolu_2", name: "ls", input: { dir: "/tmp" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "also this" },
            { type: "tool_result", tool_use_id: "toolu_1", content: "bin etc" },
            {
              type: "tool_result",
              tool_use_id: "toolu_2",
              content: [{ type: "text", text: "no such dir" }],
              is_error: true,
            },
          ],
        },
      ],
    };
    const out = anthropicRequestToChat(req, { model: "x", maxTokensField: "max_tokens" });
    expect(out.max_tokens).toBe(10);
    expect(out.tools).toEqual([
      { type: "function", function: { name: "ls", description: "list", parameters: req.tools?.[0]?.input_schema } },
    ]);
    expect(out.tool_choice).toEqual({ type: "function", function: { name: "ls" } });
    expect(out.parallel_tool_calls).toBe(false);
    expect(out.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "Listing.",
        tool_calls: [
          { id: "toolu_1", type: "function", function: { name: "ls", arguments: '{"dir":"/"}' } },
          { id: "toolu_2", type: "function", function: { name: "ls", arguments: '{"dir":"/tmp"}' } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "bin etc" },
      { role: "tool", tool_call_id: "toolu_2", content: "Error: no such dir" },
      { role: "user", content: "also this" },
    ]);
  });

  it("gives an assistant turn with only tool calls null content", () => {
    const out = anthropicRequestToChat(
      { model: "m", messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] }] },
      target,
    );
    expect(out.messages[0]).toMatchObject({ role: "assistant", content: null });
  });

  it.each([
    [{ type: "auto" }, "auto"],
    [{ type: "any" }, "required"],
    [{ type: "none" }, "none"],
  ] as const)("maps tool_choice %j to %j", (choice, expected) => {
    const out = anthropicRequestToChat(
      { model: "m", tools: [{ name: "t" }], tool_choice: choice, messages: [{ role: "user", content: "x" }] },
      target,
    );
    expect(out.tool_choice).toBe(expected);
    expect(out.tools?.[0]?.function.parameters).toEqual({ type: "object", properties: {} });
  });

  it("turns images into data URLs or URLs and keeps parts when images are present", () => {
    const out = anthropicRequestToChat(
      {
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is this?" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
              { type: "image", source: { type: "url", url: "https://x.test/a.jpg" } },
            ],
          },
        ],
      },
      target,
    );
    expect(out.messages[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "what is this?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        { type: "image_url", image_url: { url: "https://x.test/a.jpg" } },
      ],
    });
  });

  it("asks for usage when streaming", () => {
    const out = anthropicRequestToChat({ model: "m", stream: true, messages: [] }, target);
    expect(out).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("refuses server tools and blocks Chat Completions has no form for", () => {
    expect(() =>
      anthropicRequestToChat({ model: "m", tools: [{ type: "bash_20250124", name: "bash" }], messages: [] }, target),
    ).toThrow(/Anthropic server tool \(bash_20250124\)/);
    expect(() =>
      anthropicRequestToChat(
        {
          model: "m",
          messages: [{ role: "user", content: [{ type: "document", source: { type: "base64" } } as never] }],
        },
        target,
      ),
    ).toThrow(/content block type "document"/);
  });
});
