import type { FastifyReply, FastifyRequest } from "fastify";
import type { Dispatcher } from "undici";
import { microsToUsd } from "../lib/money.js";
import { spendMonth } from "../lib/time.js";
import type { Metrics } from "../observability/metrics.js";
import { apiRoot, authHeaders, wireApi } from "../providers/endpoints.js";
import type { ProviderStore } from "../providers/store.js";
import type { CallerCache } from "./caller-cache.js";
import { checkShape } from "./check-shape.js";
import { type CallerApi, errorBody, ProxyError } from "./errors.js";
import { estimateAnthropicTokens } from "./estimate-tokens.js";
import { toProxyError, upstreamFailure } from "./failures.js";
import { isObject, type JsonObject } from "./json.js";
import { type CallPlan, planCall } from "./plan.js";
import { costMicros } from "./prices.js";
import type { LlmCallInsert, LlmCallRecorder } from "./record.js";
import { type ModelRoute, resolveModel } from "./resolve-model.js";
import { type CallFacts, sendWhole, streamThrough } from "./respond.js";
import type { ProxyCaller } from "./session-auth.js";
import { checkSpend } from "./spend.js";
import { TranslationError } from "./translate/types.js";
import { callUpstream, type RetryPolicy } from "./upstream.js";
import { noUsage } from "./usage.js";

export interface ProxyDeps {
  metrics: Metrics;
  providers: ProviderStore;
  callers: CallerCache;
  recorder: LlmCallRecorder;
  dispatcher: Dispatcher;
  retry: RetryPolicy;
}

/**
 * What the URL says rather than the body: Google's API names the model and streaming in the
 * path (`models/<model>:streamGenerateContent?alt=sse`).
 */
export interface CallFromPath {
  model: string;
  stream: boolean;
  framing: "sse" | "json-array";
}

/**
 * One proxied LLM call: resolve the model to a provider, check the spend limits, call the
 * provider with its real key (retrying what is safe to retry), answer in the caller's format,
 * streaming as the provider streams, and record the call.
 */
export async function handleLlmCall(
  deps: ProxyDeps,
  api: CallerApi,
  caller: ProxyCaller,
  req: FastifyRequest,
  reply: FastifyReply,
  fromPath?: CallFromPath,
): Promise<void> {
  const t0 = performance.now();
  const facts: CallFacts = {
    stream: false,
    attempts: 0,
    usage: noUsage(),
    ttftMs: null,
    status: "ok",
    httpStatus: 200,
    error: null,
  };
  try {
    if (!isObject(req.body)) {
      throw new ProxyError(400, "invalid_request", "the body must be a JSON object", { status: "invalid_request" });
    }
    checkShape(api, req.body);
    const body = fromPath ? { ...req.body, model: fromPath.model, stream: fromPath.stream } : req.body;
    facts.stream = body.stream === true;
    const route = await resolveModel(deps.providers, caller, body.model, { pinToSession: api !== "embeddings" });
    if (route.pinned) {
      req.log.debug(
        { session: caller.sessionId, requested: body.model, model: `${route.provider.name}/${route.model}` },
        "the runtime named another model; the call goes to the session's",
      );
    }
    facts.route = route;
    checkSpend(caller);
    if (api === "count_tokens" && wireApi(route.provider.kind) !== "anthropic") {
      // Claude Code counts before it compacts; with a provider that cannot count, it gets an estimate.
      await reply.send({ input_tokens: estimateAnthropicTokens(body) });
      return;
    }
    const plan = makePlan(api, route, body);
    if (fromPath) plan.framing = fromPath.framing;
    const abort = new AbortController();
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const result = await callUpstream(
      deps.dispatcher,
      {
        url: `${apiRoot(route.provider.kind, route.provider.baseUrl)}${plan.path}`,
        method: "POST",
        headers: upstreamHeaders(api, route, req),
        body: JSON.stringify(plan.body),
        signal: abort.signal,
      },
      deps.retry,
    );
    facts.attempts = result.attempts;
    if (!result.ok) throw upstreamFailure(result, route, deps.providers.guard.reachedNonPublic(route.provider.baseUrl));
    const contentType = String(result.response.headers["content-type"] ?? "");
    if (plan.stream && contentType.includes("text/event-stream")) {
      await streamThrough(api, plan, result.response, reply, abort.signal, facts, () => {
        facts.ttftMs ??= Math.round(performance.now() - t0);
      });
    } else {
      await sendWhole(plan, result.response, reply, facts);
    }
  } catch (err) {
    const e = toProxyError(err, req);
    facts.status = e.callStatus;
    facts.httpStatus = e.httpStatus;
    facts.error = e.message;
    if (e.kind === "internal" && e.callStatus !== "client_closed") req.log.error({ err }, "LLM proxy call failed");
    if (!reply.sent && !reply.raw.headersSent && !reply.raw.destroyed) {
      await reply
        .code(e.httpStatus)
        .headers(e.opts.headers ?? {})
        .send(errorBody(api, e));
    }
  } finally {
    const route = facts.route;
    const call: LlmCallInsert = {
      sessionId: caller.sessionId,
      userId: caller.user.id,
      providerId: route?.provider.id ?? null,
      providerName: route?.provider.name ?? null,
      model: route?.model ?? null,
      api,
      stream: facts.stream,
      inputTokens: facts.usage.input,
      outputTokens: facts.usage.output,
      costMicros: route ? costMicros(route.provider.kind, route.model, facts.usage) : 0,
      latencyMs: Math.round(performance.now() - t0),
      ttftMs: facts.ttftMs,
      status: facts.status,
      httpStatus: facts.httpStatus,
      error: facts.error,
      attempts: facts.attempts,
    };
    // Written in batches off the caller's path; the spend counts for the next limit check at once.
    const now = new Date();
    deps.recorder.record(call, now);
    deps.metrics.llmCalls.inc({ api, status: facts.status });
    const cost = call.costMicros ?? 0;
    if (route && cost) deps.metrics.llmCost.inc({ provider: route.provider.name }, microsToUsd(cost));
    deps.callers.addSpend(caller.sessionId, caller.user.id, cost, spendMonth(now));
  }
}

function makePlan(api: CallerApi, route: ModelRoute, body: JsonObject): CallPlan {
  try {
    return planCall(api, route.provider.kind, body, route.model);
  } catch (err) {
    if (err instanceof TranslationError) {
      throw new ProxyError(
        400,
        "invalid_request",
        `${err.message} (provider ${route.provider.name} is ${route.provider.kind})`,
        {
          status: "invalid_request",
        },
      );
    }
    throw err;
  }
}

function upstreamHeaders(api: CallerApi, route: ModelRoute, req: FastifyRequest): Record<string, string> {
  const { kind, apiKey } = route.provider;
  const sameApi = (api === "messages" || api === "count_tokens") && wireApi(kind) === "anthropic";
  const version = sameApi ? header(req, "anthropic-version") : undefined;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "strand-llm-proxy",
    ...authHeaders(kind, apiKey, version),
  };
  const beta = sameApi ? header(req, "anthropic-beta") : undefined;
  if (beta) headers["anthropic-beta"] = beta;
  return headers;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === "string" && v ? v : undefined;
};
