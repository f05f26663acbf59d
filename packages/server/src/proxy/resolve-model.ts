import type { ProviderStore, ResolvedProvider } from "../providers/store.js";
import { ProxyError } from "./errors.js";
import type { ProxyCaller } from "./session-auth.js";

export interface ModelRoute {
  provider: ResolvedProvider;
  /** The model id as the provider knows it. */
  model: string;
}

/**
 * `provider-name/model-id` → that provider (the caller's own, else a shared one) and model.
 * The model id may itself hold slashes (`together/meta-llama/Llama-3.3-70B…`). A bare model id
 * (an agent's built-in default, e.g. a small background model) goes to the provider of the
 * session's own model.
 */
export async function resolveModel(store: ProviderStore, caller: ProxyCaller, model: unknown): Promise<ModelRoute> {
  if (typeof model !== "string" || !model.trim()) {
    throw new ProxyError(
      400,
      "invalid_request",
      "model is required: send provider/model, e.g. work-anthropic/claude-sonnet-4-5",
      {
        status: "invalid_request",
      },
    );
  }
  const slash = model.indexOf("/");
  let providerName: string;
  let modelId: string;
  if (slash > 0) {
    providerName = model.slice(0, slash);
    modelId = model.slice(slash + 1);
  } else {
    const fallback = caller.sessionModel?.split("/")[0];
    if (!fallback) {
      throw new ProxyError(
        404,
        "not_found",
        `model ${JSON.stringify(model)} names no provider: send provider/model (GET /v1/models lists them), ` +
          "or give the session a model so bare model ids go to its provider",
        { status: "unknown_provider" },
      );
    }
    providerName = fallback;
    modelId = model;
  }
  if (!modelId) {
    throw new ProxyError(
      400,
      "invalid_request",
      `model ${JSON.stringify(model)} has no model id after the provider name`,
      {
        status: "invalid_request",
      },
    );
  }
  const provider = await store.resolveByName(caller.user.id, providerName);
  if (!provider) {
    const names = (await store.usable(caller.user.id)).map((p) => p.name);
    throw new ProxyError(
      404,
      "not_found",
      `no provider named ${JSON.stringify(providerName)}` +
        (names.length
          ? `; yours: ${names.join(", ")}. GET /v1/models lists every model you can use`
          : "; add one with POST /api/v1/providers (see docs/providers.md)"),
      { status: "unknown_provider" },
    );
  }
  return { provider, model: modelId };
}
