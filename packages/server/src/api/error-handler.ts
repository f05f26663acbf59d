import { type ApiError, ErrorCodes, type FieldIssue } from "@strand/protocol";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { isDatabaseUnavailable } from "../db/errors.js";
import { GitError } from "../git/errors.js";
import { HttpError } from "../lib/http-error.js";

/**
 * Every failure leaves as `{error, message, details}` JSON with the right status.
 * No stack trace or driver message ever reaches the client; 5xx details go to the log.
 */
/** Answers a not-found GET itself when it can (the web UI's client-side routes); false to 404. */
export type FallbackHandler = (req: FastifyRequest, reply: FastifyReply) => boolean;

export function installErrorHandling(
  app: FastifyInstance,
  fallback: () => FallbackHandler | undefined = () => undefined,
): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = toApiError(err, req);
    if (status >= 500) req.log.error({ err }, "request failed");
    else req.log.debug({ err: err.message, code: body.error }, "request rejected");
    return send(reply, status, body);
  });
  app.setNotFoundHandler((req, reply) => {
    if (fallback()?.(req, reply)) return reply;
    return send(reply, 404, {
      error: ErrorCodes.notFound,
      message: `no route ${req.method} ${req.url.split("?")[0]}; see /api/v1/docs for the API`,
    });
  });
}

function send(reply: FastifyReply, status: number, body: ApiError) {
  // Errors raised after a WebSocket upgrade have no HTTP response left to send.
  if (reply.sent || reply.raw.headersSent) return;
  return reply.code(status).type("application/json; charset=utf-8").send(body);
}

function toApiError(err: FastifyError, req: FastifyRequest): { status: number; body: ApiError } {
  if (err instanceof HttpError) {
    return { status: err.statusCode, body: withDetails(err.code, err.message, err.details) };
  }
  // The git module's own errors say what failed (an upstream unreachable is a 502 worth reading).
  if (err instanceof GitError) return { status: err.statusCode, body: { error: err.code, message: err.message } };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? "body";
    const details: FieldIssue[] = err.validation.map((v) => ({
      path: [where, ...pathOf(v.instancePath, v.params)].join("."),
      message: v.message ?? "invalid",
    }));
    const summary = details.map((d) => `${d.path}: ${d.message}`).join("; ");
    return {
      status: 400,
      body: { error: ErrorCodes.validationFailed, message: `invalid request: ${summary}`, details },
    };
  }
  if (isResponseSerializationError(err)) {
    return { status: 500, body: internal(req) };
  }
  switch (err.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return {
        status: 400,
        body: { error: ErrorCodes.invalidJson, message: `the request body is not valid JSON: ${err.message}` },
      };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return {
        status: 400,
        body: {
          error: ErrorCodes.invalidJson,
          message: "the body is empty but Content-Type is application/json; send {} or drop the header",
        },
      };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return {
        status: 413,
        body: {
          error: ErrorCodes.bodyTooLarge,
          message: `the request body is larger than the server accepts (${req.routeOptions.bodyLimit ?? "1048576"} bytes)`,
        },
      };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        status: 415,
        body: {
          error: ErrorCodes.unsupportedMediaType,
          message: `Content-Type ${JSON.stringify(req.headers["content-type"] ?? "")} is not accepted; send application/json`,
        },
      };
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return {
      status: 400,
      body: { error: ErrorCodes.invalidJson, message: `the request body is not valid JSON: ${err.message}` },
    };
  }
  if (isDatabaseUnavailable(err)) {
    return {
      status: 503,
      body: {
        error: ErrorCodes.databaseUnavailable,
        message: "the database is unavailable right now; try again in a few seconds",
      },
    };
  }
  const status = typeof err.statusCode === "number" ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, body: { error: (err.code ?? "bad_request").toLowerCase(), message: err.message } };
  }
  return { status: 500, body: internal(req) };
}

function internal(req: FastifyRequest): ApiError {
  return {
    error: ErrorCodes.internal,
    message: `internal error; the server log has the details (request id ${req.id})`,
  };
}

function withDetails(error: string, message: string, details: unknown): ApiError {
  return details === undefined ? { error, message } : { error, message, details };
}

function pathOf(instancePath: string, params: Record<string, unknown>): string[] {
  const parts = instancePath.split("/").filter(Boolean);
  // Unknown keys report on the parent object; name the key itself.
  const keys = params.keys;
  if (Array.isArray(keys) && keys.length === 1) parts.push(String(keys[0]));
  return parts;
}
