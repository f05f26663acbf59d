import type { ApiError } from "@strand/protocol";

/** A non-2xx answer from the Strand API, carrying its `{error, message, details}` body. */
export class StrandApiError extends Error {
  override name = "StrandApiError";
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message);
  }
  get code(): string {
    return this.body.error;
  }
}

/** The server could not be reached at all. */
export class StrandConnectionError extends Error {
  override name = "StrandConnectionError";
}
