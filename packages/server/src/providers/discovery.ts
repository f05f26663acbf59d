import type { ProviderTestResult } from "@strand/protocol";
import type { Dispatcher } from "undici";
import { isObject, str } from "../proxy/json.js";
import { callUpstream, type UpstreamResult } from "../proxy/upstream.js";
import { apiRoot, authHeaders, ollamaNativeRoot, wireApi } from "./endpoints.js";
import type { NetworkGuard } from "./network-guard.js";
import type { ResolvedProvider } from "./store.js";

/** How discovery reaches providers: the guarded connection pool, and the guard that watches it. */
export interface ProviderNetwork {
  dispatcher: Dispatcher;
  guard: NetworkGuard;
}

export interface DiscoveredModel {
  id: string;
  display_name: string | null;
}

type TestError = NonNullable<ProviderTestResult["error"]>;

/** A provider call that failed, classified so a person knows what to fix. */
export class ProviderCallError extends Error {
  override name = "ProviderCallError";
  constructor(
    readonly error: TestError,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

const ONE_TRY = { attempts: 1, budgetMs: 0, baseDelayMs: 0 };

async function getJson(net: ProviderNetwork, p: ResolvedProvider, url: string, timeoutMs: number): Promise<unknown> {
  const result = await callUpstream(
    net.dispatcher,
    {
      url,
      method: "GET",
      headers: { accept: "application/json", ...authHeaders(p.kind, p.apiKey) },
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    },
    ONE_TRY,
  );
  if (!result.ok) throw classify(net, p, url, result);
  const text = await result.response.body.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderCallError(
      "bad_response",
      `${url} did not answer JSON; check base_url`,
      result.response.statusCode,
    );
  }
}

function classify(
  net: ProviderNetwork,
  p: ResolvedProvider,
  url: string,
  r: Exclude<UpstreamResult, { ok: true }>,
): ProviderCallError {
  if (r.kind === "refused") {
    return new ProviderCallError(
      "address_refused",
      `Strand refused to connect to ${url}: ${r.message}. ` +
        `The provider's owner can change base_url with PATCH /api/v1/providers/${p.id}`,
    );
  }
  if (r.kind !== "http") {
    return r.kind === "unreachable"
      ? new ProviderCallError(
          "unreachable",
          `cannot reach ${url}: ${r.message}. Is the provider running, and is base_url (${p.baseUrl}) right?`,
        )
      : new ProviderCallError("timeout", `${url} did not answer in time; is the provider overloaded or the URL wrong?`);
  }
  const detail = providerMessage(r.body, net.guard.reachedNonPublic(url));
  if (r.status === 401 || r.status === 403) {
    return new ProviderCallError(
      "bad_key",
      `the provider rejected the API key (HTTP ${r.status}${detail ? `: ${detail}` : ""}); ` +
        `set the right one with PATCH /api/v1/providers/${p.id} {"api_key": "…"}`,
      r.status,
    );
  }
  if (r.status === 404) {
    return new ProviderCallError(
      "not_found",
      `${url} answered 404${detail ? ` (${detail})` : ""}; check base_url, or the model id`,
      r.status,
    );
  }
  return new ProviderCallError(
    "http_error",
    `${url} answered HTTP ${r.status}${detail ? `: ${detail}` : ""}`,
    r.status,
  );
}

const NON_PUBLIC_DETAIL_MAX = 200;

/**
 * The human part of a provider's error body, whichever shape it has. From a host on a loopback
 * or private address (`fromNonPublic`) only a provider-shaped JSON message is repeated, capped:
 * a base URL pointed at an internal service must not turn Strand into a way to read its pages.
 */
export function providerMessage(body: string, fromNonPublic = false): string {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    // not JSON
  }
  const shaped = isObject(j)
    ? isObject(j.error)
      ? str(j.error.message)
      : (str(j.error) ?? str(j.message) ?? str(j.detail))
    : undefined;
  if (fromNonPublic) return shaped ? shaped.slice(0, NON_PUBLIC_DETAIL_MAX) : "";
  if (shaped !== undefined) return shaped;
  if (isObject(j) && isObject(j.error)) return JSON.stringify(j.error);
  return body.trim().slice(0, 300);
}

/** Asks the provider which models it has: `/v1/models`, or Ollama's `/api/tags`. */
export async function discoverModels(
  net: ProviderNetwork,
  p: ResolvedProvider,
  timeoutMs = 10_000,
): Promise<DiscoveredModel[]> {
  if (p.kind === "ollama") {
    const tags = await getJson(net, p, `${ollamaNativeRoot(p.baseUrl)}/tags`, timeoutMs).catch(() => undefined);
    if (isObject(tags) && Array.isArray(tags.models)) {
      return tags.models
        .filter(isObject)
        .map((m) => ({ id: str(m.name) ?? str(m.model) ?? "", display_name: null }))
        .filter((m) => m.id);
    }
  }
  const url =
    wireApi(p.kind) === "anthropic"
      ? `${apiRoot(p.kind, p.baseUrl)}/models?limit=1000`
      : `${apiRoot(p.kind, p.baseUrl)}/models`;
  const body = await getJson(net, p, url, timeoutMs);
  // OpenAI and Anthropic wrap the list in `data`; Together answers a bare array.
  const list = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.data) ? body.data : undefined;
  if (!list) throw new ProviderCallError("bad_response", `${url} answered JSON without a model list; check base_url`);
  return list
    .filter(isObject)
    .map((m) => ({ id: str(m.id) ?? "", display_name: str(m.display_name) ?? null }))
    .filter((m) => m.id)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * A cheap real call: the model list (free everywhere), and with `model` a 1-token request, so
 * both the key and the model are checked.
 */
export async function testProvider(
  net: ProviderNetwork,
  p: ResolvedProvider,
  model?: string,
  timeoutMs = 15_000,
): Promise<ProviderTestResult> {
  const t0 = performance.now();
  const latency = () => Math.round(performance.now() - t0);
  try {
    if (!model) {
      const models = await discoverModels(net, p, timeoutMs);
      return {
        ok: true,
        latency_ms: latency(),
        error: null,
        status: 200,
        message: `reached ${p.name}; it lists ${models.length} model${models.length === 1 ? "" : "s"}`,
      };
    }
    const anthropic = wireApi(p.kind) === "anthropic";
    const url = `${apiRoot(p.kind, p.baseUrl)}${anthropic ? "/messages" : "/chat/completions"}`;
    // The same body is valid in both APIs.
    const body = { model, max_tokens: 1, messages: [{ role: "user", content: "ping" }] };
    const result = await callUpstream(
      net.dispatcher,
      {
        url,
        method: "POST",
        headers: { "content-type": "application/json", ...authHeaders(p.kind, p.apiKey) },
        body: JSON.stringify(body),
        headersTimeoutMs: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      },
      ONE_TRY,
    );
    if (!result.ok) throw classify(net, p, url, result);
    await result.response.body.dump();
    return { ok: true, latency_ms: latency(), error: null, status: 200, message: `${p.name}/${model} answered` };
  } catch (err) {
    if (!(err instanceof ProviderCallError)) throw err;
    return { ok: false, latency_ms: latency(), error: err.error, status: err.status, message: err.message };
  }
}
