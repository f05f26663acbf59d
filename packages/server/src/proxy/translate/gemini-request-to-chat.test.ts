import { describe, expect, it } from "vitest";
import { geminiRequestToChat, openApiToJsonSchema } from "./gemini-request-to-chat.js";

const target = { model: "qwen", maxTokensField: "max_tokens" as const };

describe("geminiRequestToChat", () => {
  it("maps systemInstruction, text contents and generationConfig", () => {
    expect(
      geminiRequestToChat(
        {
          systemInstruction: { role: "user", parts: [{ text: "Be brief." }, { text: "Use tools." }] },
          contents: [
            { role: "user", parts: [{ text: "hi" }] },
            { role: "model", parts: [{ text: "thinking…", thought: true }, { text: "Hello" }, { text: "!" }] },
            { role: "user", parts: [{ text: "again" }] },
          ],
          generationConfig: {
            temperature: 0.2,
            topP: 0.9,
            maxOutputTokens: 64,
            stopSequences: ["END"],
            thinkingConfig: { includeThoughts: true },
          },
        },
        target,
        true,
      ),
    ).toEqual({
      model: "qwen",
      messages: [
        { role: "system", content: "Be brief.\n\nUse tools." },
        { role: "user", content: "hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "again" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      stop: ["END"],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("pairs functionCall and functionResponse by id, or by name when ids are missing", () => {
    const out = geminiRequestToChat(
      {
        contents: [
          { role: "user", parts: [{ text: "write it" }] },
          {
            role: "model",
            parts: [
              { text: "Writing." },
              { functionCall: { id: "w1", name: "write_file", args: { file_path: "/a", content: "x" } } },
              { functionCall: { name: "run_shell_command", args: { command: "ls" } }, thoughtSignature: "sig" },
            ],
          },
          {
            role: "user",
            parts: [
              { functionResponse: { name: "run_shell_command", response: { output: "a\nb" } } },
              { functionResponse: { id: "w1", name: "write_file", response: { error: "disk full" } } },
              { text: "and?" },
            ],
          },
        ],
      },
      target,
      false,
    );
    expect(out.messages).toEqual([
      { role: "user", content: "write it" },
      {
        role: "assistant",
        content: "Writing.",
        tool_calls: [
          {
            id: "w1",
            type: "function",
            function: { name: "write_file", arguments: '{"file_path":"/a","content":"x"}' },
          },
          { id: "call_1_1", type: "function", function: { name: "run_shell_command", arguments: '{"command":"ls"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1_1", content: "a\nb" },
      { role: "tool", tool_call_id: "w1", content: "Error: disk full" },
      { role: "user", content: "and?" },
    ]);
    expect(out.stream).toBeUndefined();
  });

  it("sends other function results as JSON, and images as data URLs", () => {
    const out = geminiRequestToChat(
      {
        contents: [
          { role: "model", parts: [{ functionCall: { name: "f", args: {} } }] },
          {
            role: "user",
            parts: [
              { functionResponse: { name: "f", response: { a: 1, b: [2] } } },
              { text: "look" },
              { inlineData: { mimeType: "image/png", data: "iVBOR" } },
            ],
          },
        ],
      },
      target,
      false,
    );
    expect(out.messages).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_0_0", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "call_0_0", content: '{"a":1,"b":[2]}' },
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBOR" } },
        ],
      },
    ]);
  });

  it("maps function declarations (JSON Schema as is, OpenAPI types lowered) and toolConfig", () => {
    const out = geminiRequestToChat(
      {
        contents: [{ role: "user", parts: [{ text: "go" }] }],
        tools: [
          {
            functionDeclarations: [
              {
                name: "write_file",
                description: "Writes a file",
                parametersJsonSchema: {
                  type: "object",
                  properties: { file_path: { type: "string" } },
                  required: ["file_path"],
                },
              },
              {
                name: "legacy",
                parameters: { type: "OBJECT", properties: { n: { type: "INTEGER", nullable: true } } },
              },
              { name: "bare" },
            ],
          },
        ],
        toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["write_file"] } },
      },
      target,
      false,
    );
    expect(out.tools).toEqual([
      {
        type: "function",
        function: {
          name: "write_file",
          description: "Writes a file",
          parameters: { type: "object", properties: { file_path: { type: "string" } }, required: ["file_path"] },
        },
      },
      {
        type: "function",
        function: { name: "legacy", parameters: { type: "object", properties: { n: { type: ["integer", "null"] } } } },
      },
      { type: "function", function: { name: "bare", parameters: { type: "object", properties: {} } } },
    ]);
    expect(out.tool_choice).toEqual({ type: "function", function: { name: "write_file" } });
    const none = geminiRequestToChat(
      {
        tools: [{ functionDeclarations: [{ name: "f" }] }],
        toolConfig: { functionCallingConfig: { mode: "NONE" } },
      },
      target,
      false,
    );
    expect(none.tool_choice).toBe("none");
  });

  it("asks for JSON when the caller wants JSON output", () => {
    const withSchema = geminiRequestToChat(
      {
        generationConfig: {
          responseMimeType: "application/json",
          responseJsonSchema: { type: "object", properties: { ok: { type: "boolean" } } },
        },
      },
      target,
      false,
    );
    expect(withSchema.response_format).toEqual({
      type: "json_schema",
      json_schema: {
        name: "response",
        schema: { type: "object", properties: { ok: { type: "boolean" } } },
        strict: false,
      },
    });
    const plain = geminiRequestToChat({ generationConfig: { responseMimeType: "application/json" } }, target, false);
    expect(plain.response_format).toEqual({ type: "json_object" });
  });

  it("refuses what only Google's API can do", () => {
    expect(() => geminiRequestToChat({ tools: [{ googleSearch: {} }] }, target, false)).toThrow(/googleSearch/);
    expect(() =>
      geminiRequestToChat(
        { contents: [{ role: "user", parts: [{ inlineData: { mimeType: "application/pdf", data: "JVBE" } }] }] },
        target,
        false,
      ),
    ).toThrow(/application\/pdf/);
    expect(() => geminiRequestToChat({ generationConfig: { candidateCount: 2 } }, target, false)).toThrow(
      /candidateCount/,
    );
  });
});

describe("openApiToJsonSchema", () => {
  it("lowers types deep down, turns int64 strings into numbers and drops propertyOrdering", () => {
    expect(
      openApiToJsonSchema({
        type: "OBJECT",
        propertyOrdering: ["xs"],
        properties: {
          xs: { type: "ARRAY", minItems: "1", items: { type: "STRING", enum: ["a", "b"] } },
          u: { anyOf: [{ type: "NUMBER" }, { type: "BOOLEAN" }] },
        },
      }),
    ).toEqual({
      type: "object",
      properties: {
        xs: { type: "array", minItems: 1, items: { type: "string", enum: ["a", "b"] } },
        u: { anyOf: [{ type: "number" }, { type: "boolean" }] },
      },
    });
  });
});
