import { describe, expect, it } from "vitest";
import { costMicros, priceFor } from "./prices.js";

const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

describe("prices", () => {
  it.each([
    ["claude-sonnet-4-5", 3],
    ["claude-sonnet-4-5-20250929", 3],
    ["claude-3-5-haiku-latest", 0.8],
    ["claude-opus-4-1-20250805", 15],
    ["claude-opus-4-5", 5],
    ["anthropic/claude-haiku-4-5", 1],
    ["claude-sonnet-4@20250514", 3],
    ["gpt-4o-mini-2024-07-18", 0.15],
    ["gpt-4o", 2.5],
    ["gpt-4.1-nano", 0.1],
    ["gpt-5-mini", 0.25],
    ["o3-mini", 1.1],
    ["meta-llama/Llama-3.3-70B-Instruct-Turbo", 0.88],
  ])("prices %s at $%s per million input tokens", (model, input) => {
    expect(priceFor("anthropic", model)?.input).toBe(input);
  });

  it("does not match a prefix inside another name", () => {
    expect(priceFor("openai", "gpt-4oops")).toBeUndefined();
    expect(priceFor("openai", "o30")).toBeUndefined();
  });

  it("costs unknown and local models nothing", () => {
    expect(costMicros("openai", "my-finetune", usage(1e6, 1e6))).toBe(0);
    expect(costMicros("ollama", "gpt-4o", usage(1e6, 1e6))).toBe(0);
    expect(costMicros("vllm", "claude-sonnet-4-5", usage(1e6, 1e6))).toBe(0);
  });

  it("charges input, output, and Anthropic's cache rates, in whole micro-dollars", () => {
    // $3 and $15 per million: 3000 + 15000 micro-dollars.
    expect(costMicros("anthropic", "claude-sonnet-4-5", usage(1000, 1000))).toBe(18_000);
    // 100 uncached at $3, 800 cache reads at $0.30, 100 cache writes at $3.75 (per million).
    expect(costMicros("anthropic", "claude-sonnet-4-5", usage(1000, 0, 800, 100))).toBe(300 + 240 + 375);
    expect(costMicros("openai", "gpt-4.1", usage(1000, 0, 1000))).toBe(500);
  });

  it("is exact where float prices are not, and rounds once per call, half up", () => {
    // claude-3-5-haiku's cache-read price is 0.8 * 0.1 = 0.08000000000000002 in floats.
    expect(costMicros("anthropic", "claude-3-5-haiku", usage(1e6, 0, 1e6))).toBe(80_000);
    // 3 tokens at $0.1 per million is 0.30000000000000004 micro-dollars in floats; 0.3 rounds down.
    expect(costMicros("openai", "gpt-4.1-nano", usage(3, 0))).toBe(0);
    // text-embedding-3-small, $0.02 per million: 25 tokens are exactly half a micro-dollar.
    expect(costMicros("openai", "text-embedding-3-small", usage(24, 0))).toBe(0);
    expect(costMicros("openai", "text-embedding-3-small", usage(25, 0))).toBe(1);
    // Rounded once for the whole call, not per kind of token: 0.4 + 0.4 micro-dollars make 1.
    expect(costMicros("openai", "gpt-4.1-nano", usage(4, 1))).toBe(1);
  });
});
