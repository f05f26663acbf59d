/**
 * Retries a model request on 429/5xx/connection errors and broken streams, with exponential
 * backoff, honouring the provider's Retry-After but never waiting longer than `maxWaitMs` at a time.
 *
 * A stream that broke after it produced events is retried too: the consumer already showed those
 * events, so the new attempt's first event is preceded by `{type: "restart"}`, which tells it to
 * drop everything the failed attempt produced. The loop runs tools only once a response is
 * complete, so a restart never repeats a tool.
 */
import type { Log } from "../log.js";
import { ProviderError } from "./errors.js";
import type { ModelEvent, ModelRequest, Provider } from "./types.js";

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxWaitMs: number;
  /**
   * While the endpoint cannot be reached at all (connection refused or reset before an answer),
   * keep trying until this long after the first failure, however many attempts that takes: the
   * LLM proxy is the Strand server, and a server that restarts is gone for a few seconds.
   */
  unreachableMs: number;
}

/** Polling a port nobody listens on costs nothing, and a restarted server should be noticed at once. */
const UNREACHABLE_POLL_MS = 2000;

export function withRetry(provider: Provider, policy: RetryPolicy, log: Log, now: () => number = Date.now): Provider {
  return {
    api: provider.api,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
      let firstFailure: number | undefined;
      // A failed attempt's events reached the consumer and were not withdrawn yet.
      let stale = false;
      for (let attempt = 1; ; attempt++) {
        let emitted = false;
        try {
          for await (const ev of provider.stream(request, signal)) {
            if (!emitted && stale) {
              yield { type: "restart" };
              stale = false;
            }
            emitted = true;
            yield ev;
          }
          return;
        } catch (err) {
          if (signal.aborted) throw err;
          if (emitted) stale = true;
          const pe = err instanceof ProviderError ? err : undefined;
          firstFailure ??= now();
          const elapsed = now() - firstFailure;
          const waitForServer = pe?.opts.unreachable === true && elapsed < policy.unreachableMs;
          if (!pe?.opts.retryable || (attempt >= policy.attempts && !waitForServer)) {
            if (pe?.opts.retryable) {
              const over = elapsed >= 1000 ? ` over ${Math.round(elapsed / 1000)} s` : "";
              throw new ProviderError(`${pe.message} (gave up after ${attempt} attempts${over})`, pe.opts);
            }
            throw err;
          }
          let wait = backoffMs(attempt, policy, pe.opts.retryAfterMs);
          if (pe.opts.unreachable) wait = Math.min(wait, UNREACHABLE_POLL_MS);
          log("warn", "model request failed, retrying", {
            attempt,
            waitMs: Math.round(wait),
            afterOutput: emitted,
            error: pe.message,
          });
          await sleep(wait, signal);
        }
      }
    },
  };
}

export function backoffMs(
  attempt: number,
  policy: Pick<RetryPolicy, "baseMs" | "maxWaitMs">,
  retryAfterMs?: number,
): number {
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
