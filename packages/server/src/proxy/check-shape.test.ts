import { describe, expect, it } from "vitest";
import { checkShape } from "./check-shape.js";

describe("checkShape", () => {
  it.each([
    ["messages", { messages: "hi" }, "messages must be an array"],
    ["messages", { messages: [null] }, "messages[0] must be an object"],
    ["messages", { messages: [{ content: "x" }] }, "messages[0].role must be a string"],
    ["messages", { messages: [{ role: "user", content: 5 }] }, "messages[0].content must be a string or an array"],
    [
      "messages",
      { messages: [{ role: "user", content: [null] }] },
      "messages[0].content[0] must be an object with a type",
    ],
    ["chat", { messages: [], tools: {} }, "tools must be an array"],
    ["chat", { messages: [], stream: "yes" }, "stream must be true or false"],
    ["responses", { input: 3 }, "input must be an array"],
    ["responses", { input: [{ role: "user", content: [{}] }] }, "input[0].content[0] must be an object with a type"],
    ["embeddings", {}, "input is required"],
  ] as const)("%s %j → %s", (api, body, message) => {
    expect(() => checkShape(api, body as Record<string, unknown>)).toThrow(message);
  });

  it("accepts well-formed bodies, null content included", () => {
    expect(() =>
      checkShape("chat", {
        messages: [
          { role: "assistant", content: null, tool_calls: [] },
          { role: "user", content: [{ type: "text", text: "x" }] },
        ],
      }),
    ).not.toThrow();
    expect(() => checkShape("responses", { input: "hi" })).not.toThrow();
    expect(() =>
      checkShape("responses", { input: [{ type: "function_call_output", call_id: "c", output: "o" }] }),
    ).not.toThrow();
    expect(() => checkShape("embeddings", { input: ["a"] })).not.toThrow();
  });
});
