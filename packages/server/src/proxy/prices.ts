import type { ProviderKind } from "@strand/protocol";
import { isLocalKind } from "../providers/endpoints.js";
import type { Usage } from "./usage.js";

/** USD per million tokens. Cache prices default to the input price. */
export interface Price {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

// Anthropic bills cache reads at 10% and 5-minute cache writes at 125% of the input price.
const claude = (input: number, output: number): Price => ({
  input,
  output,
  cacheRead: input * 0.1,
  cacheWrite: input * 1.25,
});

/**
 * Published list prices (checked 2025), by model-id prefix; the longest matching prefix wins,
 * so dated ids (`claude-sonnet-4-5-20250929`) and aliases (`-latest`) match their family.
 * Models not listed, and every model of a local runner (ollama, vllm), cost 0.
 */
export const PRICES: Record<string, Price> = {
  "claude-opus-4-5": claude(5, 25),
  "claude-opus-4-1": claude(15, 75),
  "claude-opus-4": claude(15, 75),
  "claude-3-opus": claude(15, 75),
  "claude-sonnet-4-5": claude(3, 15),
  "claude-sonnet-4": claude(3, 15),
  "claude-3-7-sonnet": claude(3, 15),
  "claude-3-5-sonnet": claude(3, 15),
  "claude-haiku-4-5": claude(1, 5),
  "claude-3-5-haiku": claude(0.8, 4),
  "claude-3-haiku": claude(0.25, 1.25),
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cacheRead: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cacheRead: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cacheRead: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cacheRead: 0.025 },
  "gpt-4o": { input: 2.5, output: 10, cacheRead: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cacheRead: 0.075 },
  o1: { input: 15, output: 60, cacheRead: 7.5 },
  o3: { input: 2, output: 8, cacheRead: 0.5 },
  "o3-mini": { input: 1.1, output: 4.4, cacheRead: 0.55 },
  "o4-mini": { input: 1.1, output: 4.4, cacheRead: 0.275 },
  "text-embedding-3-small": { input: 0.02, output: 0 },
  "text-embedding-3-large": { input: 0.13, output: 0 },
  "text-embedding-ada-002": { input: 0.1, output: 0 },
  "meta-llama/llama-3.3-70b-instruct-turbo": { input: 0.88, output: 0.88 },
  "meta-llama/meta-llama-3.1-8b-instruct-turbo": { input: 0.18, output: 0.18 },
  "meta-llama/meta-llama-3.1-405b-instruct-turbo": { input: 3.5, output: 3.5 },
  "qwen/qwen2.5-coder-32b-instruct": { input: 0.8, output: 0.8 },
  "deepseek-ai/deepseek-v3": { input: 1.25, output: 1.25 },
  "deepseek-ai/deepseek-r1": { input: 3, output: 7 },
};

const PREFIXES = Object.keys(PRICES).sort((a, b) => b.length - a.length);

/** The price of a model, or undefined when Strand does not know it (then it costs 0). */
export function priceFor(kind: ProviderKind, model: string): Price | undefined {
  if (isLocalKind(kind)) return undefined;
  // Some gateways prefix the vendor (`anthropic/claude-…`); Vertex uses `@` before the date.
  const id = model.toLowerCase().replace(/^(anthropic|openai)\//, "");
  const key = PREFIXES.find((p) => id === p || id.startsWith(`${p}-`) || id.startsWith(`${p}@`));
  return key ? PRICES[key] : undefined;
}

/**
 * What a call cost, in whole micro-dollars. A price in USD per million tokens is micro-dollars
 * per token, so the cost is tokens × price; each price is first made a whole number of
 * pico-dollars per token (none in the table has more than 6 decimals) so the products sum
 * exactly, and the total is rounded once per call, half up, to the micro-dollar.
 */
export function costMicros(kind: ProviderKind, model: string, usage: Usage): number {
  const p = priceFor(kind, model);
  if (!p) return 0;
  const pico = (pricePerMillion: number) => BigInt(Math.round(pricePerMillion * 1_000_000));
  const tokens = (n: number) => BigInt(Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0);
  const uncached = Math.max(0, usage.input - usage.cacheRead - usage.cacheWrite);
  const total =
    tokens(uncached) * pico(p.input) +
    tokens(usage.cacheRead) * pico(p.cacheRead ?? p.input) +
    tokens(usage.cacheWrite) * pico(p.cacheWrite ?? p.input) +
    tokens(usage.output) * pico(p.output);
  return Number((total + 500_000n) / 1_000_000n);
}
