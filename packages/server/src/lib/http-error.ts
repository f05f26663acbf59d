import { type ErrorCode, ErrorCodes } from "@strand/protocol";

/** An error that maps to an HTTP response with the API's `{error, message, details}` shape. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode | string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const notFound = (what: string, id: string) =>
  new HttpError(404, ErrorCodes.notFound, `${what} ${JSON.stringify(id)} does not exist`);

export const unauthenticated = (message: string, code: string = ErrorCodes.unauthenticated) =>
  new HttpError(401, code, message);

export const forbidden = (message: string) => new HttpError(403, ErrorCodes.forbidden, message);

export const conflict = (message: string, details?: unknown) =>
  new HttpError(409, ErrorCodes.conflict, message, details);
