import { isObject } from "./json.js";

/**
 * Token counts the proxy answers itself where the provider has no counting endpoint (every
 * provider but Anthropic's): about four characters a token over everything the request would
 * send. An estimate, and documented as one; runtimes use it to decide when to compact, where an
 * error would stop them.
 */
const estimate = (parts: unknown[]): number =>
  Math.ceil(parts.filter((x) => x !== undefined).reduce<number>((n, x) => n + JSON.stringify(x).length, 0) / 4);

/** Google's `countTokens` body, in either form the API accepts. */
export function estimateGeminiTokens(body: unknown): number {
  if (!isObject(body)) return 0;
  const req = isObject(body.generateContentRequest) ? body.generateContentRequest : body;
  return estimate([req.contents, req.systemInstruction, req.tools]);
}

/** Anthropic's `/v1/messages/count_tokens` body. */
export function estimateAnthropicTokens(body: unknown): number {
  if (!isObject(body)) return 0;
  return estimate([body.messages, body.system, body.tools]);
}
