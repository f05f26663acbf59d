/**
 * Retries a model request on 429/5xx/connection errors with exponential backoff, honouring the
 * provider's Retry-After but never waiting longer than `maxWaitMs` at a time. Only a request that has
 * not produced any event yet is retried: replaying a half-streamed answer would show the user text twice.
 */
import type { Log } from "../log.js";
import { ProviderError } from "./errors.js";
import type { ModelEvent, ModelRequest, Provider } from "./types.js";

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxWaitMs: number;
}

export function withRetry(provider: Provider, policy: RetryPolicy, log: Log): Provider {
  return {
    api: provider.api,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
      for (let attempt = 1; ; attempt++) {
        let emitted = false;
        try {
          for await (const ev of provider.stream(request, signal)) {
            emitted = true;
            yield ev;
          }
          return;
        } catch (err) {
          if (signal.aborted || emitted) throw err;
          const retryable = err instanceof ProviderError ? err.opts.retryable : false;
          if (!retryable || attempt >= policy.attempts) {
            if (err instanceof ProviderError && retryable) {
              throw new ProviderError(`${err.message} (gave up after ${attempt} attempts)`, err.opts);
            }
            throw err;
          }
          const wait = backoffMs(attempt, policy, err instanceof ProviderError ? err.opts.retryAfterMs : undefined);
          log("warn", "model request failed, retrying", { attempt, waitMs: wait, error: (err as Error).message });
          await sleep(wait, signal);
        }
      }
    },
  };
}

export function backoffMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxWaitMs);
  const exp = policy.baseMs * 2 ** (attempt - 1);
  // Up to 25% jitter so many agents behind one proxy do not retry in lockstep.
  return Math.min(exp * (1 + Math.random() * 0.25), policy.maxWaitMs);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
