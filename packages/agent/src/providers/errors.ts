/** A failed model request, classified so the retry policy and the user message can use it. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly opts: {
      status?: number;
      /** The provider asked us to wait this long (Retry-After / retry-after-ms). */
      retryAfterMs?: number;
      retryable: boolean;
      /** Nothing answered at all (connection refused or reset before a response): the endpoint is down. */
      unreachable?: boolean;
    },
  ) {
    super(message);
    this.name = "ProviderError";
  }

  get status(): number | undefined {
    return this.opts.status;
  }
}

/** 408, 409 (Anthropic's lock timeouts), 425, 429, 5xx and 529 (overloaded) are worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** Reads Retry-After (seconds or HTTP date) and OpenAI's retry-after-ms. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get("retry-after");
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
