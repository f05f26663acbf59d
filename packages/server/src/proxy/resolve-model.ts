import type { ProviderStore, ResolvedProvider } from "../providers/store.js";
import { ProxyError } from "./errors.js";
import type { ProxyCaller } from "./session-auth.js";

export interface ModelRoute {
  provider: ResolvedProvider;
  /** The model id as the provider knows it. */
  model: string;
  /** The session's model stood in for the name the caller sent (a runtime's own default, say). */
  pinned: boolean;
}

export interface ResolveOptions {
  /**
   * Chat-style calls: a name that does not route to one of the owner's providers goes to the
   * session's model. Embeddings keep their own model (the session's is a chat model).
   */
  pinToSession: boolean;
}

/**
 * Which provider and model a call goes to.
 *
 * The session's model is the model: agent runtimes put names of their own in requests (Claude
 * Code's default, Gemini CLI's helper models, Codex's), and a provider that, like real ones,
 * answers 404 for names it does not serve would fail them. So every call made with a session
 * token goes to the session's `provider/model`, unless it names another `provider/model` whose
 * provider the session's owner may use. The model id may itself hold slashes
 * (`together/meta-llama/Llama-3.3-70B…`): the part before the first one must be a provider.
 */
export async function resolveModel(
  store: ProviderStore,
  caller: ProxyCaller,
  model: unknown,
  opts: ResolveOptions,
): Promise<ModelRoute> {
  const named = typeof model === "string" ? model.trim() : "";
  const slash = named.indexOf("/");
  if (slash > 0 && slash < named.length - 1) {
    const provider = await store.resolveByName(caller.actor, named.slice(0, slash));
    if (provider) return { provider, model: named.slice(slash + 1), pinned: false };
  }
  const session = caller.sessionModel;
  if (session && (opts.pinToSession || (named && slash < 0))) {
    // Embeddings with a bare id go to the session's provider, with the id they asked for.
    const route = await routeOf(store, caller, session, "the session's model");
    return opts.pinToSession ? { ...route, pinned: named !== session } : { ...route, model: named, pinned: false };
  }
  if (!named) {
    throw new ProxyError(
      400,
      "invalid_request",
      "model is required: send provider/model, e.g. work-anthropic/claude-sonnet-4-5, or give the session a model",
      { status: "invalid_request" },
    );
  }
  if (slash < 0) {
    throw new ProxyError(
      404,
      "not_found",
      `model ${JSON.stringify(named)} names no provider: send provider/model (GET /v1/models lists them), ` +
        "or give the session a model so every call goes to it",
      { status: "unknown_provider" },
    );
  }
  return routeOf(store, caller, named, "model");
}

async function routeOf(store: ProviderStore, caller: ProxyCaller, model: string, what: string): Promise<ModelRoute> {
  const slash = model.indexOf("/");
  const providerName = slash > 0 ? model.slice(0, slash) : model;
  const modelId = slash > 0 ? model.slice(slash + 1) : "";
  if (!modelId) {
    throw new ProxyError(
      400,
      "invalid_request",
      `${what} ${JSON.stringify(model)} has no model id after the provider name`,
      {
        status: "invalid_request",
      },
    );
  }
  const provider = await store.resolveByName(caller.actor, providerName);
  if (!provider) {
    const names = (await store.usable(caller.actor)).map((p) => p.name);
    throw new ProxyError(
      404,
      "not_found",
      `${what} ${JSON.stringify(model)} names no provider of yours called ${JSON.stringify(providerName)}` +
        (names.length
          ? `; yours: ${names.join(", ")}. GET /v1/models lists every model you can use`
          : "; add one with POST /api/v1/providers (see docs/providers.md)"),
      { status: "unknown_provider" },
    );
  }
  return { provider, model: modelId, pinned: false };
}
