import { describe, expect, it } from "vitest";
import { apiRoot, authHeaders, normalizeBaseUrl, ollamaNativeRoot } from "./endpoints.js";

describe("provider endpoints", () => {
  it.each([
    ["anthropic", "https://api.anthropic.com", "https://api.anthropic.com/v1"],
    ["anthropic", "https://api.anthropic.com/v1", "https://api.anthropic.com/v1"],
    ["openai", "https://api.openai.com", "https://api.openai.com/v1"],
    ["openai", "https://api.openai.com/v1", "https://api.openai.com/v1"],
    ["openai-compatible", "https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1"],
    ["vllm", "http://gpu:8000/", "http://gpu:8000/v1"],
    ["ollama", "http://127.0.0.1:11434", "http://127.0.0.1:11434/v1"],
    ["ollama", "http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1"],
    ["ollama", "http://127.0.0.1:11434/api", "http://127.0.0.1:11434/v1"],
  ] as const)("%s %s → %s", (kind, base, root) => {
    expect(apiRoot(kind, base)).toBe(root);
  });

  it("finds Ollama's native API whatever suffix was typed", () => {
    expect(ollamaNativeRoot("http://h:11434/v1")).toBe("http://h:11434/api");
    expect(ollamaNativeRoot("http://h:11434")).toBe("http://h:11434/api");
  });

  it("normalizes stored URLs", () => {
    expect(normalizeBaseUrl(" https://x.test/v1/?a=1#f ")).toBe("https://x.test/v1");
    expect(normalizeBaseUrl("http://x.test")).toBe("http://x.test");
  });

  it("puts the key where each kind expects it", () => {
    expect(authHeaders("anthropic", "k")).toEqual({ "anthropic-version": "2023-06-01", "x-api-key": "k" });
    expect(authHeaders("anthropic", "k", "2026-10-21")["anthropic-version"]).toBe("2026-10-21");
    expect(authHeaders("openai", "k")).toEqual({ authorization: "Bearer k" });
    expect(authHeaders("ollama", null)).toEqual({});
  });
});
