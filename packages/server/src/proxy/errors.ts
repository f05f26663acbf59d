import { SPEND_LIMIT_ERROR_TYPE } from "@strand/protocol";

/**
 * The proxy endpoint an agent called. `gemini` is the Google Generative Language API
 * (`generateContent`, `streamGenerateContent`, and `countTokens`, which the proxy estimates
 * itself); `gemini_models` is its model list.
 */
export type CallerApi =
  | "messages"
  | "count_tokens"
  | "chat"
  | "responses"
  | "embeddings"
  | "models"
  | "gemini"
  | "gemini_models";

/** Which error shape the caller's SDK understands. */
export function errorFormatOf(api: CallerApi): "anthropic" | "openai" | "google" {
  if (api === "messages" || api === "count_tokens") return "anthropic";
  if (api === "gemini" || api === "gemini_models") return "google";
  return "openai";
}

/** Answered by the proxy alone, without a provider: nothing to record in llm_calls. */
export const isLocalAnswer = (api: CallerApi): boolean => api === "models" || api === "gemini_models";

export type ProxyErrorKind =
  | "authentication"
  | "invalid_request"
  | "not_found"
  | "spend_limit"
  | "rate_limit"
  | "unreachable"
  | "timeout"
  | "provider_auth"
  | "provider_error"
  | "overloaded"
  | "internal";

const ANTHROPIC_TYPES: Record<ProxyErrorKind, string> = {
  authentication: "authentication_error",
  invalid_request: "invalid_request_error",
  not_found: "not_found_error",
  spend_limit: SPEND_LIMIT_ERROR_TYPE,
  rate_limit: "rate_limit_error",
  unreachable: "api_error",
  timeout: "api_error",
  provider_auth: "api_error",
  provider_error: "api_error",
  overloaded: "overloaded_error",
  internal: "api_error",
};

const OPENAI_TYPES: Record<ProxyErrorKind, [type: string, code: string | null]> = {
  authentication: ["invalid_request_error", "invalid_api_key"],
  invalid_request: ["invalid_request_error", null],
  not_found: ["invalid_request_error", "model_not_found"],
  spend_limit: [SPEND_LIMIT_ERROR_TYPE, "spend_limit_reached"],
  rate_limit: ["rate_limit_error", "rate_limit_exceeded"],
  unreachable: ["server_error", "provider_unreachable"],
  timeout: ["server_error", "provider_timeout"],
  provider_auth: ["server_error", "provider_auth_failed"],
  provider_error: ["server_error", "provider_error"],
  overloaded: ["server_error", "overloaded"],
  internal: ["server_error", null],
};

/** google.rpc.Code names, as Google's APIs put them in `error.status`. */
const GOOGLE_STATUSES: Record<ProxyErrorKind, string> = {
  authentication: "UNAUTHENTICATED",
  invalid_request: "INVALID_ARGUMENT",
  not_found: "NOT_FOUND",
  spend_limit: "RESOURCE_EXHAUSTED",
  rate_limit: "RESOURCE_EXHAUSTED",
  unreachable: "UNAVAILABLE",
  timeout: "DEADLINE_EXCEEDED",
  provider_auth: "INTERNAL",
  provider_error: "INTERNAL",
  overloaded: "UNAVAILABLE",
  internal: "INTERNAL",
};

/** A failure answered in the caller's own error format, and recorded as `status` in llm_calls. */
export class ProxyError extends Error {
  override name = "ProxyError";
  constructor(
    readonly httpStatus: number,
    readonly kind: ProxyErrorKind,
    message: string,
    readonly opts: { code?: string; status?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  /** The llm_calls status: an explicit one, else `http_<status>`. */
  get callStatus(): string {
    return this.opts.status ?? `http_${this.httpStatus}`;
  }
}

export function errorBody(api: CallerApi, err: ProxyError): object {
  const format = errorFormatOf(api);
  if (format === "anthropic") {
    return { type: "error", error: { type: ANTHROPIC_TYPES[err.kind], message: err.message } };
  }
  if (format === "google") return googleErrorBody(err.httpStatus, err.kind, err.message);
  const [type, code] = OPENAI_TYPES[err.kind];
  return { error: { message: err.message, type, code: err.opts.code ?? code, param: null } };
}

/** A provider error status as the closest kind, for errors passed on from the provider. */
export function kindOfStatus(status: number): ProxyErrorKind {
  if (status === 401 || status === 403) return "provider_auth";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limit";
  if (status === 529) return "overloaded";
  if (status >= 500) return "provider_error";
  return "invalid_request";
}

/**
 * Google's error shape (`{"error":{"code","message","status"}}`). A spend limit also carries an
 * ErrorInfo whose reason is Strand's spend-limit type, so a client can tell it from a quota.
 */
export function googleErrorBody(code: number, kind: ProxyErrorKind, message: string): object {
  const error: Record<string, unknown> = { code, message, status: GOOGLE_STATUSES[kind] };
  if (kind === "spend_limit") {
    error.details = [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: SPEND_LIMIT_ERROR_TYPE, domain: "strand" },
    ];
  }
  return { error };
}
