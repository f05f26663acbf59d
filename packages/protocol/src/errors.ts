import { z } from "zod";

/**
 * Every error the API returns has this shape, whatever the status code.
 * `error` is a stable machine-readable code; `message` is for people and says how to fix it.
 */
export const ApiErrorSchema = z
  .object({
    error: z.string().describe("Stable machine-readable error code, e.g. `validation_failed`."),
    message: z.string().describe("What went wrong and how to fix it, for people."),
    details: z.unknown().optional().describe("Structured context, e.g. the invalid fields."),
  })
  .meta({ id: "ApiError" });
export type ApiError = z.infer<typeof ApiErrorSchema>;

export const ErrorCodes = {
  validationFailed: "validation_failed",
  invalidJson: "invalid_json",
  bodyTooLarge: "body_too_large",
  unsupportedMediaType: "unsupported_media_type",
  unauthenticated: "unauthenticated",
  invalidCredentials: "invalid_credentials",
  invalidToken: "invalid_token",
  sessionExpired: "login_expired",
  forbidden: "forbidden",
  notFound: "not_found",
  conflict: "conflict",
  invalidTransition: "invalid_state_transition",
  tooManyAttempts: "too_many_attempts",
  databaseUnavailable: "database_unavailable",
  providerUnreachable: "provider_unreachable",
  providerError: "provider_error",
  /** The provider's base URL resolves to an address the server refuses to connect to. */
  providerAddressRefused: "provider_address_refused",
  internal: "internal_error",
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** One invalid field in a `validation_failed` error's `details`. */
export interface FieldIssue {
  path: string;
  message: string;
}
