import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { type CallerApi, errorBody, isLocalAnswer } from "./errors.js";
import { estimateGeminiTokens } from "./estimate-tokens.js";
import { toProxyError } from "./failures.js";
import { parseGeminiPath } from "./gemini-path.js";
import { handleLlmCall, type ProxyDeps } from "./handle-call.js";
import { type CatalogEntry, ModelCatalog } from "./model-catalog.js";
import { LlmCallRecorder } from "./record.js";
import type { ProxyCaller } from "./session-auth.js";
import { DEFAULT_RETRY } from "./upstream.js";

declare module "fastify" {
  interface FastifyRequest {
    proxyCaller: ProxyCaller | null;
  }
  interface FastifyContextConfig {
    llmApi?: CallerApi;
  }
}

const CALLS: [path: string, api: CallerApi, summary: string][] = [
  ["/v1/messages", "messages", "Anthropic Messages, plain or streamed (session token only)"],
  [
    "/v1/messages/count_tokens",
    "count_tokens",
    "Anthropic token counting (an estimate for providers without counting)",
  ],
  ["/v1/chat/completions", "chat", "OpenAI Chat Completions, plain or streamed (session token only)"],
  ["/v1/responses", "responses", "OpenAI Responses; translated to Chat Completions for providers without it"],
  ["/v1/embeddings", "embeddings", "OpenAI embeddings (OpenAI-style providers only)"],
];

/**
 * The LLM proxy at the server root, where SDKs expect an API (`base_url = <server>` or
 * `<server>/v1`). Errors leave in the calling API's own shape, never in Strand's.
 */
export async function proxyRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const recorder = new LlmCallRecorder(ctx.database.db, ctx.log);
  const deps: ProxyDeps = {
    metrics: ctx.metrics,
    providers: ctx.providers,
    callers: ctx.proxyCallers,
    recorder,
    dispatcher: ctx.upstream,
    retry: DEFAULT_RETRY,
  };
  // A stopped, deleted or re-limited session must not keep its remembered credentials, on any replica.
  const unsubscribe = ctx.bus.subscribe(({ event }) => {
    if ("session_id" in event) ctx.proxyCallers.invalidateSession(event.session_id);
  });
  app.addHook("onClose", async () => {
    unsubscribe();
    await recorder.flush();
  });
  const catalog = new ModelCatalog({ dispatcher: ctx.upstream, guard: ctx.providers.guard }, ctx.log);
  app.decorateRequest("proxyCaller", null);

  app.setErrorHandler((err, req, reply) => {
    const api = req.routeOptions.config?.llmApi ?? "chat";
    const e = toProxyError(err, req);
    if (e.kind === "internal") req.log.error({ err }, "LLM proxy request failed");
    // Authenticated but refused before the handler (unreadable JSON, too large): still a call.
    const caller = req.proxyCaller;
    if (caller && !isLocalAnswer(api)) {
      recorder.record({
        sessionId: caller.sessionId,
        userId: caller.user.id,
        api,
        latencyMs: Math.round(reply.elapsedTime),
        status: e.callStatus,
        httpStatus: e.httpStatus,
        error: e.message,
      });
      ctx.metrics.llmCalls.inc({ api, status: e.callStatus });
    }
    if (reply.sent || reply.raw.headersSent) return;
    return reply
      .code(e.httpStatus)
      .headers(e.opts.headers ?? {})
      .send(errorBody(api, e));
  });
  // Set by the access hook (api/require-auth.ts) from the session token, before the body is read.
  const callerOf = (req: FastifyRequest) => req.proxyCaller as ProxyCaller;

  for (const [path, api, summary] of CALLS) {
    app.post(
      path,
      {
        bodyLimit: ctx.config.llmBodyLimitBytes,
        config: { llmApi: api, access: "llm" },
        schema: { tags: ["llm proxy"], summary },
      },
      (req: FastifyRequest, reply: FastifyReply) => handleLlmCall(deps, api, callerOf(req), req, reply),
    );
  }

  // Google's Generative Language API, as @google/genai calls it (Gemini CLI with
  // GOOGLE_GEMINI_BASE_URL=<server>): models/<provider>/<model>:<method>.
  for (const version of ["v1beta", "v1"]) {
    app.post(
      `/${version}/models/*`,
      {
        bodyLimit: ctx.config.llmBodyLimitBytes,
        config: { llmApi: "gemini", access: "llm" },
        schema: {
          tags: ["llm proxy"],
          summary:
            "Gemini generateContent / streamGenerateContent (?alt=sse or a JSON array) / countTokens (an estimate); translated to Chat Completions (session token only)",
        },
      },
      async (req: FastifyRequest<{ Params: { "*": string } }>, reply: FastifyReply) => {
        const { model: named, method } = parseGeminiPath(req.params["*"]);
        if (method === "countTokens") return { totalTokens: estimateGeminiTokens(req.body) };
        const caller = callerOf(req);
        const stream = method === "streamGenerateContent";
        const alt = (req.query as Record<string, unknown>).alt;
        const framing = stream && alt !== "sse" ? "json-array" : "sse";
        return handleLlmCall(deps, "gemini", caller, req, reply, { model: named, stream, framing });
      },
    );
  }

  app.get(
    "/v1beta/models",
    {
      config: { llmApi: "gemini_models", access: "llm" },
      schema: {
        tags: ["llm proxy"],
        summary: "Models this session can use, in Gemini's list shape (session token only)",
      },
    },
    async (req) => {
      const entries = await catalog.list(await ctx.providers.usable(callerOf(req).actor));
      return { models: entries.map(geminiModel) };
    },
  );

  app.get(
    "/v1/models",
    {
      config: { llmApi: "models", access: "llm" },
      schema: { tags: ["llm proxy"], summary: "Models this session can use, as provider/model (session token only)" },
    },
    async (req) => {
      const entries = await catalog.list(await ctx.providers.usable(callerOf(req).actor));
      const ids = entries.map((e) => ({ ...e, model: `${e.provider}/${e.id}` }));
      // Anthropic SDKs send anthropic-version; they expect Anthropic's list shape.
      if (req.headers["anthropic-version"] !== undefined) {
        return {
          data: ids.map((m) => ({
            type: "model",
            id: m.model,
            display_name: m.display_name ?? m.model,
            created_at: "1970-01-01T00:00:00Z",
          })),
          has_more: false,
          first_id: ids[0]?.model ?? null,
          last_id: ids.at(-1)?.model ?? null,
        };
      }
      return {
        object: "list",
        data: ids.map((m) => ({ id: m.model, object: "model", created: 0, owned_by: m.provider })),
      };
    },
  );
}

/** One catalog entry as Gemini's `Model`: the name is what goes back into `models/<name>:…`. */
function geminiModel(e: CatalogEntry) {
  const id = `${e.provider}/${e.id}`;
  return {
    name: `models/${id}`,
    baseModelId: id,
    version: "",
    displayName: e.display_name ?? id,
    description: `${e.id} from provider ${e.provider}, through the Strand LLM proxy`,
    supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens"],
  };
}
