import { ProxyError } from "./errors.js";

export type GeminiMethod = "generateContent" | "streamGenerateContent" | "countTokens";

const METHODS = new Set<string>(["generateContent", "streamGenerateContent", "countTokens"]);

/**
 * The part of a Gemini API path after `models/`: `<model>:<method>`. The model may hold slashes
 * (`work-anthropic/claude-sonnet-4-5`) and colons (`ollama/qwen2.5:7b`); the method is whatever
 * follows the last colon.
 */
export function parseGeminiPath(rest: string): { model: string; method: GeminiMethod } {
  let path = rest;
  try {
    path = decodeURIComponent(rest);
  } catch {
    // Not percent-encoded after all: take it as it came.
  }
  const colon = path.lastIndexOf(":");
  const method = colon >= 0 ? path.slice(colon + 1) : "";
  const model = colon >= 0 ? path.slice(0, colon) : path;
  if (!METHODS.has(method)) {
    throw new ProxyError(
      404,
      "not_found",
      `the Strand proxy answers models/<model>:generateContent, :streamGenerateContent and :countTokens, not ${JSON.stringify(`models/${path}`)}`,
      { status: "invalid_request" },
    );
  }
  if (!model) {
    throw new ProxyError(400, "invalid_request", "the path names no model: models/<provider>/<model>:<method>", {
      status: "invalid_request",
    });
  }
  return { model, method: method as GeminiMethod };
}
