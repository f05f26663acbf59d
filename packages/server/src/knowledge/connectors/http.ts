/*
 * The one HTTP client under the Jira and Confluence connectors: JSON over fetch with a timeout,
 * rate limits honoured, and every failure turned into a ConnectorError a person can act on.
 * Credentials travel only in the Authorization header and never reach a log line or a message.
 */
import type { Logger } from "pino";
import { type Dispatcher, fetch, type RequestInit, type Response } from "undici";
import { ConnectorError } from "../types.js";

export type Deployment = "cloud" | "datacenter";

export interface HttpClientOptions {
  /** Site root, e.g. `https://acme.atlassian.net` or `https://jira.example.com`. */
  baseUrl: string;
  /** The full Authorization header value (Basic … or Bearer …). */
  authorization: string;
  /** What to call the credential in an auth error: "the email and API token", "the personal access token". */
  credentialName: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Longest single wait for Retry-After before giving up (default 60 s). */
  maxRetryWaitMs?: number;
  /** How many rate-limited answers in a row are waited out before rate_limited (default 5). */
  maxRetries?: number;
  /** The guarded connection pool (SSRF policy), when the server gives one. */
  dispatcher?: Dispatcher;
  log?: Logger;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export interface HttpClient {
  /** `path` relative to the base URL (`/rest/api/2/search`), or an absolute URL on the same site. */
  json<T = unknown>(path: string, opts?: RequestOptions): Promise<T>;
  readonly baseUrl: string;
}

/** Seconds or an HTTP date → milliseconds to wait; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Jira and Confluence both answer errors as `{errorMessages: [...]}` or `{message}`; the first readable one. */
function errorDetail(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const messages = body.errorMessages;
    if (Array.isArray(messages) && typeof messages[0] === "string") return messages[0];
    if (body.errors && typeof body.errors === "object") {
      const first = Object.values(body.errors as Record<string, unknown>).find((v) => typeof v === "string");
      if (typeof first === "string") return first;
    }
    if (typeof body.message === "string") return body.message;
  } catch {
    // Not JSON: a proxy's HTML page says nothing worth repeating.
  }
  return undefined;
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, "");
  const origin = new URL(baseUrl).origin;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxWait = opts.maxRetryWaitMs ?? 60_000;
  const maxRetries = opts.maxRetries ?? 5;

  async function json<T>(path: string, ro: RequestOptions = {}): Promise<T> {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(baseUrl + path);
    // An absolute `next` link must stay on the configured site, or the credentials would follow it elsewhere.
    if (url.origin !== origin)
      throw new ConnectorError(`the site linked to ${url.origin}, outside ${origin}`, "bad_response");
    for (const [k, v] of Object.entries(ro.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const method = ro.method ?? "GET";
    const where = `${method} ${url.pathname}`;

    for (let attempt = 0; ; attempt++) {
      const signal = ro.signal
        ? AbortSignal.any([ro.signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs);
      let res: Response;
      try {
        const init: RequestInit = {
          method,
          headers: {
            accept: "application/json",
            authorization: opts.authorization,
            ...(ro.body !== undefined ? { "content-type": "application/json" } : {}),
            // Jira refuses cookie-less POSTs from browsers as XSRF unless told; harmless elsewhere.
            "x-atlassian-token": "no-check",
          },
          body: ro.body !== undefined ? JSON.stringify(ro.body) : undefined,
          signal,
          ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
        };
        res = await fetch(url, init);
      } catch (err) {
        if (ro.signal?.aborted) throw ro.signal.reason;
        const timedOut = (err as Error).name === "TimeoutError";
        throw new ConnectorError(
          timedOut
            ? `${baseUrl} did not answer ${where} within ${timeoutMs / 1000} s`
            : `cannot reach ${baseUrl}: ${causeMessage(err)}`,
          "unreachable",
        );
      }

      if (res.status === 429 || res.status === 503) {
        const wait = parseRetryAfter(res.headers.get("retry-after")) ?? Math.min(maxWait, 1000 * 2 ** attempt);
        await res.body?.cancel();
        if (attempt >= maxRetries || wait > maxWait) {
          throw new ConnectorError(
            `${baseUrl} is rate limiting (${res.status}); asked to wait ${Math.ceil(wait / 1000)} s after ${attempt + 1} ${attempt === 0 ? "try" : "tries"} — sync again later`,
            "rate_limited",
          );
        }
        opts.log?.info(
          { where, status: res.status, waitMs: wait },
          "connector rate limited; waiting as Retry-After asks",
        );
        await sleep(wait, ro.signal);
        continue;
      }

      const text = await res.text();
      if (res.status === 401 || res.status === 403) {
        const detail = errorDetail(text);
        throw new ConnectorError(
          `${baseUrl} refused ${opts.credentialName} (${res.status}${detail ? `: ${detail}` : ""}); check them and that the account may read this`,
          "auth",
        );
      }
      if (res.status === 404) {
        const detail = errorDetail(text);
        throw new ConnectorError(
          `${where} not found on ${baseUrl}${detail ? `: ${detail}` : ""}; check the site URL`,
          "not_found",
        );
      }
      if (!res.ok) {
        const detail = errorDetail(text);
        throw new ConnectorError(
          `${baseUrl} answered ${res.status} to ${where}${detail ? `: ${detail}` : ""}`,
          "bad_response",
        );
      }
      if (res.status === 204 || text === "") return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ConnectorError(
          `${baseUrl} answered ${where} with something that is not JSON; check the site URL`,
          "bad_response",
        );
      }
    }
  }

  return { json, baseUrl };
}

function causeMessage(err: unknown): string {
  const cause = (err as { cause?: { message?: unknown } }).cause;
  return typeof cause?.message === "string" ? cause.message : (err as Error).message;
}

/** A field the connector relies on was missing or of the wrong type. */
export function badShape(baseUrl: string, what: string): ConnectorError {
  return new ConnectorError(
    `${baseUrl} answered in an unexpected shape (${what}); is this the right deployment type?`,
    "bad_response",
  );
}
