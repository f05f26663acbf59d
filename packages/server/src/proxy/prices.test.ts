import { describe, expect, it } from "vitest";
import { costUsd, priceFor } from "./prices.js";

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
    expect(costUsd("openai", "my-finetune", usage(1e6, 1e6))).toBe(0);
    expect(costUsd("ollama", "gpt-4o", usage(1e6, 1e6))).toBe(0);
    expect(costUsd("vllm", "claude-sonnet-4-5", usage(1e6, 1e6))).toBe(0);
  });

  it("charges input, output, and Anthropic's cache rates", () => {
    expect(costUsd("anthropic", "claude-sonnet-4-5", usage(1000, 1000))).toBeCloseTo(0.018, 12);
    // 100 uncached at $3, 800 cache reads at $0.30, 100 cache writes at $3.75 (per million).
    expect(costUsd("anthropic", "claude-sonnet-4-5", usage(1000, 0, 800, 100))).toBeCloseTo(
      (100 * 3 + 800 * 0.3 + 100 * 3.75) / 1e6,
      12,
    );
    expect(costUsd("openai", "gpt-4.1", usage(1000, 0, 1000))).toBeCloseTo((1000 * 0.5) / 1e6, 12);
  });
});
