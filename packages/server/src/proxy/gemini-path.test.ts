import { describe, expect, it } from "vitest";
import { errorBody, ProxyError } from "./errors.js";
import { parseGeminiPath } from "./gemini-path.js";
import { presentedKey } from "./session-auth.js";

describe("parseGeminiPath", () => {
  it("splits model and method at the last colon; the model keeps its slashes and colons", () => {
    expect(parseGeminiPath("work-anthropic/claude-sonnet-4-5:streamGenerateContent")).toEqual({
      model: "work-anthropic/claude-sonnet-4-5",
      method: "streamGenerateContent",
    });
    expect(parseGeminiPath("ollama/qwen2.5:7b:generateContent")).toEqual({
      model: "ollama/qwen2.5:7b",
      method: "generateContent",
    });
    expect(parseGeminiPath("scripted-1%3AcountTokens")).toEqual({ model: "scripted-1", method: "countTokens" });
  });

  it("refuses other methods and a missing model, as Google-shaped errors", () => {
    expect(() => parseGeminiPath("m:embedContent")).toThrow(/generateContent/);
    expect(() => parseGeminiPath("m")).toThrow(ProxyError);
    expect(() => parseGeminiPath(":generateContent")).toThrow(/names no model/);
  });
});

describe("Gemini callers", () => {
  it("get errors in Google's shape, with the spend limit told apart", () => {
    expect(errorBody("gemini", new ProxyError(401, "authentication", "no token"))).toEqual({
      error: { code: 401, message: "no token", status: "UNAUTHENTICATED" },
    });
    expect(errorBody("gemini_models", new ProxyError(404, "not_found", "no model"))).toEqual({
      error: { code: 404, message: "no model", status: "NOT_FOUND" },
    });
    expect(errorBody("gemini", new ProxyError(429, "spend_limit", "limit"))).toEqual({
      error: {
        code: 429,
        message: "limit",
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "spend_limit", domain: "strand" }],
      },
    });
  });

  it("may send the session token as x-goog-api-key", () => {
    expect(presentedKey({ "x-goog-api-key": " strand_tok " })).toBe("strand_tok");
    expect(presentedKey({ "x-goog-api-key": "", authorization: "Bearer b" })).toBe("b");
  });
});
