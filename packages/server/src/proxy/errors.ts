import { SPEND_LIMIT_ERROR_TYPE } from "@strand/protocol";

/** The proxy endpoint an agent called. */
export type CallerApi = "messages" | "count_tokens" | "chat" | "responses" | "embeddings" | "models";

/** Which error shape the caller's SDK understands. */
export const errorFormatOf = (api: CallerApi): "anthropic" | "openai" =>
  api === "messages" || api === "count_tokens" ? "anthropic" : "openai";

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
  if (errorFormatOf(api) === "anthropic") {
    return { type: "error", error: { type: ANTHROPIC_TYPES[err.kind], message: err.message } };
  }
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
