import type { ProviderKind } from "@strand/protocol";

/** The wire format a provider speaks: Anthropic Messages, or OpenAI (Chat Completions, embeddings, models). */
export type WireApi = "anthropic" | "openai";

export const wireApi = (kind: ProviderKind): WireApi => (kind === "anthropic" ? "anthropic" : "openai");

/** Local runners: nothing to pay, whatever the model is called. */
export const isLocalKind = (kind: ProviderKind): boolean => kind === "ollama" || kind === "vllm";

/** Stored form of a base URL: trimmed, without trailing slashes, query or fragment. */
export function normalizeBaseUrl(url: string): string {
  const u = new URL(url.trim());
  u.search = "";
  u.hash = "";
  return u.toString().replace(/\/+$/, "");
}

const stripSuffix = (url: string, suffix: RegExp) => url.replace(suffix, "");

/**
 * The URL the API paths hang off (`…/v1`), whether or not the user typed the `/v1`:
 * Anthropic and Ollama always live under `/v1`; an OpenAI-style URL with a path of its own
 * (`https://api.groq.com/openai/v1`) is taken as given, a bare host gets `/v1`.
 */
export function apiRoot(kind: ProviderKind, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  if (kind === "anthropic") return `${stripSuffix(base, /\/v1$/)}/v1`;
  if (kind === "ollama") return `${stripSuffix(base, /\/(v1|api)$/)}/v1`;
  const path = new URL(base).pathname;
  return path === "" || path === "/" ? `${base}/v1` : base;
}

/** Ollama's own API (`/api/tags`), beside its OpenAI-compatible one. */
export const ollamaNativeRoot = (baseUrl: string): string =>
  `${stripSuffix(baseUrl.replace(/\/+$/, ""), /\/(v1|api)$/)}/api`;

export const ANTHROPIC_VERSION = "2023-06-01";

/** Headers that carry the real key, the way each kind wants it. */
export function authHeaders(
  kind: ProviderKind,
  apiKey: string | null,
  anthropicVersion: string = ANTHROPIC_VERSION,
): Record<string, string> {
  if (kind === "anthropic") {
    return { "anthropic-version": anthropicVersion, ...(apiKey ? { "x-api-key": apiKey } : {}) };
  }
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
