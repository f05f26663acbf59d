/**
 * Base of every error the git module throws on purpose. `statusCode` and `code` follow the API's error
 * handler, which answers any 4xx error carrying them as `{error: code, message}`.
 */
export class GitError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
