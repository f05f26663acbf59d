import type { AgentConfig } from "../config.js";
import type { Log } from "../log.js";
import { anthropicProvider } from "./anthropic.js";
import { openaiProvider } from "./openai.js";
import { withRetry } from "./retry.js";
import type { Provider } from "./types.js";

export { ProviderError } from "./errors.js";
export type * from "./types.js";

/** The provider for the configured wire format, wrapped in the retry policy. */
export function createProvider(config: AgentConfig, log: Log): Provider {
  const opts = { baseUrl: config.baseUrl, apiKey: config.apiKey, idleTimeoutMs: config.idleTimeoutMs };
  const provider = config.api === "openai" ? openaiProvider(opts) : anthropicProvider(opts);
  return withRetry(provider, config.retry, log);
}
