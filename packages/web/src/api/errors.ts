import type { FieldIssue } from "@strand/protocol";

/** An API error response, with the server's stable code, its human message and the invalid fields. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
    /** The error's `details` as sent, for errors that carry more than field issues (a merge's conflicting files). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }

  /** True when the request may never have reached the server, so sending it again is the fix. */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}
