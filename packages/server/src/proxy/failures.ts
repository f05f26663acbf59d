import type { FastifyRequest } from "fastify";
import { HttpError } from "../lib/http-error.js";
import { providerMessage } from "../providers/discovery.js";
import { kindOfStatus, ProxyError } from "./errors.js";
import type { ModelRoute } from "./resolve-model.js";
import { TranslationError } from "./translate/types.js";
import type { UpstreamResult } from "./upstream.js";

/**
 * What the caller hears when the provider could not give an answer. `fromNonPublic`: the
 * provider's host is on a loopback or private address, so its error body is repeated only as
 * a provider-shaped message (see providerMessage).
 */
export function upstreamFailure(
  result: Exclude<UpstreamResult, { ok: true }>,
  route: ModelRoute,
  fromNonPublic = false,
): ProxyError {
  const p = route.provider;
  const tries = `${result.attempts} attempt${result.attempts === 1 ? "" : "s"}`;
  if (result.kind === "aborted") {
    return new ProxyError(499, "internal", "the agent closed the connection", { status: "client_closed" });
  }
  if (result.kind === "unreachable") {
    return new ProxyError(
      502,
      "unreachable",
      `cannot reach provider ${p.name} at ${p.baseUrl} (${tries}): ${result.message}. ` +
        `Is it running, and is its base_url right? (PATCH /api/v1/providers/${p.id})`,
      { status: "unreachable" },
    );
  }
  if (result.kind === "refused") {
    return new ProxyError(
      502,
      "unreachable",
      `Strand refused to connect to provider ${p.name} at ${p.baseUrl}: ${result.message}. ` +
        `Its owner can change base_url with PATCH /api/v1/providers/${p.id}.`,
      { status: "address_refused" },
    );
  }
  if (result.kind === "timeout") {
    return new ProxyError(504, "timeout", `provider ${p.name} stopped answering: ${result.message}`, {
      status: "timeout",
    });
  }
  const s = result.status;
  const detail = providerMessage(result.body, fromNonPublic) || "no details";
  const status = `http_${s}`;
  const retryAfter = result.headers["retry-after"];
  const headers: Record<string, string> = typeof retryAfter === "string" ? { "retry-after": retryAfter } : {};
  if (s === 401 || s === 403) {
    return new ProxyError(
      502,
      "provider_auth",
      `provider ${p.name} refused Strand's API key for it (HTTP ${s}: ${detail}). ` +
        `Its owner can set the right key with PATCH /api/v1/providers/${p.id} {"api_key": "…"}.`,
      { status },
    );
  }
  if (s === 404) {
    return new ProxyError(
      404,
      "not_found",
      `provider ${p.name} does not know model ${JSON.stringify(route.model)} (HTTP 404: ${detail}). ` +
        "GET /v1/models lists the models you can use.",
      { status },
    );
  }
  if (s === 429) {
    return new ProxyError(429, "rate_limit", `provider ${p.name} is rate limiting (${tries}): ${detail}`, {
      status,
      headers,
    });
  }
  if (s >= 500) {
    return new ProxyError(s, kindOfStatus(s), `provider ${p.name} failed with HTTP ${s} (${tries}): ${detail}`, {
      status,
      headers,
    });
  }
  return new ProxyError(s, "invalid_request", `provider ${p.name} refused the request (HTTP ${s}): ${detail}`, {
    status,
  });
}

/** Any failure as a ProxyError, so it leaves in the caller's format. */
export function toProxyError(err: unknown, req: FastifyRequest): ProxyError {
  if (err instanceof ProxyError) return err;
  if (err instanceof TranslationError) {
    return new ProxyError(400, "invalid_request", err.message, { status: "invalid_request" });
  }
  if (err instanceof HttpError) {
    return new ProxyError(
      Math.min(err.statusCode, 500),
      err.statusCode >= 500 ? "internal" : "invalid_request",
      err.message,
      {
        status: err.code,
      },
    );
  }
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    return new ProxyError(statusCode, "invalid_request", (err as Error).message, { status: "invalid_request" });
  }
  return new ProxyError(
    500,
    "internal",
    `internal error in the Strand LLM proxy; the server log has details (request id ${req.id})`,
    {
      status: "internal_error",
    },
  );
}
