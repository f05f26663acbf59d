import { describe, expect, it } from "vitest";
import { estimateAnthropicTokens, estimateGeminiTokens } from "./estimate-tokens.js";

describe("token estimates", () => {
  it("count about four characters a token in Google's request, in either form", () => {
    const contents = [{ role: "user", parts: [{ text: "x".repeat(400) }] }];
    const n = estimateGeminiTokens({ contents });
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThan(120);
    expect(estimateGeminiTokens({ generateContentRequest: { model: "m", contents } })).toBe(n);
    expect(estimateGeminiTokens(null)).toBe(0);
  });

  it("count messages, system and tools of an Anthropic request", () => {
    const messages = [{ role: "user", content: "x".repeat(400) }];
    const n = estimateAnthropicTokens({ model: "m", messages });
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThan(120);
    const tools = [{ name: "t", description: "d".repeat(400), input_schema: { type: "object" } }];
    expect(estimateAnthropicTokens({ model: "m", messages, system: "s", tools })).toBeGreaterThan(n + 100);
    expect(estimateAnthropicTokens("nope")).toBe(0);
  });
});
