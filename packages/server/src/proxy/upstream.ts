import { setTimeout as sleep } from "node:timers/promises";
import { Agent, type Dispatcher, request } from "undici";
import { addressRefusal, type NetworkGuard } from "../providers/network-guard.js";

/**
 * One connection pool for every provider call of a server: keep-alive saves a TLS handshake per
 * call. Every connection it opens goes through `guard`, whatever the provider's DNS says by then.
 */
export function createUpstreamAgent(guard: NetworkGuard): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    connect: guard.connector({ timeout: 10_000 }),
    // Long generations: a provider may think for minutes before the first byte, or between chunks.
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });
}

export interface RetryPolicy {
  attempts: number;
  /** Total time spent waiting between attempts. */
  budgetMs: number;
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, budgetMs: 20_000, baseDelayMs: 500 };

export interface UpstreamRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export type UpstreamResult =
  /** 2xx: the body is still unread, so a stream can be passed on as it arrives. */
  | { ok: true; response: Dispatcher.ResponseData; attempts: number }
  | {
      ok: false;
      kind: "http";
      status: number;
      headers: Dispatcher.ResponseData["headers"];
      body: string;
      attempts: number;
    }
  | { ok: false; kind: "unreachable"; message: string; attempts: number }
  | { ok: false; kind: "timeout"; message: string; attempts: number }
  /** The network guard would not connect there (the message says which address, and why). */
  | { ok: false; kind: "refused"; message: string; attempts: number }
  | { ok: false; kind: "aborted"; message: string; attempts: number };

const RETRY_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504, 529]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Calls a provider, retrying 429, 5xx and connection failures with exponential backoff or the
 * provider's Retry-After, within `policy`. Only failures before any byte reached the caller are
 * retried; the caller gets the 2xx response with its body still streaming.
 */
export async function callUpstream(
  dispatcher: Dispatcher,
  req: UpstreamRequest,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<UpstreamResult> {
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    let result: UpstreamResult;
    let retryAfterMs: number | undefined;
    try {
      const response = await request(req.url, {
        dispatcher,
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        signal: req.signal ?? null,
        ...(req.headersTimeoutMs ? { headersTimeout: req.headersTimeoutMs } : {}),
        ...(req.bodyTimeoutMs ? { bodyTimeout: req.bodyTimeoutMs } : {}),
      });
      if (response.statusCode < 300) return { ok: true, response, attempts: attempt };
      const body = await readCapped(response.body, MAX_ERROR_BODY);
      result = {
        ok: false,
        kind: "http",
        status: response.statusCode,
        headers: response.headers,
        body,
        attempts: attempt,
      };
      if (!RETRY_STATUSES.has(response.statusCode)) return result;
      retryAfterMs = parseRetryAfter(response.headers);
    } catch (err) {
      if (req.signal?.aborted)
        return { ok: false, kind: "aborted", message: "the caller went away", attempts: attempt };
      // A policy answer, not a network one: asking again gets the same.
      const refused = addressRefusal(err);
      if (refused) return { ok: false, kind: "refused", message: refused.message, attempts: attempt };
      const code = errorCode(err);
      if (code && TIMEOUT_CODES.has(code) && code !== "UND_ERR_CONNECT_TIMEOUT") {
        // The provider accepted the request and then went quiet: repeating it would double the wait.
        return { ok: false, kind: "timeout", message: describe(err), attempts: attempt };
      }
      result = { ok: false, kind: "unreachable", message: describe(err), attempts: attempt };
    }
    if (attempt >= policy.attempts) return result;
    const backoff = policy.baseDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
    const delay = retryAfterMs ?? backoff;
    // A wait beyond the budget would hold the agent longer than the provider's own error would.
    if (waited + delay > policy.budgetMs) return result;
    waited += delay;
    try {
      await sleep(delay, undefined, req.signal ? { signal: req.signal } : undefined);
    } catch {
      return { ok: false, kind: "aborted", message: "the caller went away", attempts: attempt };
    }
  }
}

/** Retry-After in seconds or as an HTTP date, or OpenAI's retry-after-ms. */
export function parseRetryAfter(headers: Dispatcher.ResponseData["headers"], now = Date.now()): number | undefined {
  const ms = Number(headers["retry-after-ms"]);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers["retry-after"];
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function readCapped(body: Dispatcher.ResponseData["body"], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      if (size < max) chunks.push(buf.subarray(0, max - size));
      size += buf.length;
    }
  } catch {
    // A body cut short still says something; keep what arrived.
  }
  return Buffer.concat(chunks).toString("utf8");
}

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function describe(err: unknown): string {
  const code = errorCode(err);
  const message = (err as Error)?.message ?? String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
