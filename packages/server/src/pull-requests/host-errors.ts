import { HostError, type HostKind, type PullRequestRef } from "./types.js";

/** What a request was about, so a hint can name the repository and branch. */
export interface RequestContext {
  kind: HostKind;
  apiBase: string;
  /** `owner/name`, or GitLab's `group/sub/name`. */
  repo: string;
  /** e.g. `opening a pull request for feature-x on acme/app`. */
  doing: string;
  head?: string;
  base?: string;
  /** The pull request being read, if one is. */
  number?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/**
 * The host's own words from an error body. GitHub: `{message, errors: [{message} | {field, code}]}`;
 * GitLab: `{message: string | string[] | {field: [..]}}` or Grape's `{error}`; Gitea:
 * `{message, errors?: string[]}`.
 */
export function hostMessageOf(body: unknown): string {
  if (typeof body === "string") return body.trim().slice(0, 300);
  if (!isRecord(body)) return "";
  const parts: string[] = [];
  const collect = (v: unknown, label?: string) => {
    if (typeof v === "string") parts.push(label ? `${label} ${v}` : v);
    else if (Array.isArray(v)) for (const item of v) collect(item, label);
    else if (isRecord(v)) {
      if (typeof v.message === "string") parts.push(v.message);
      else if (typeof v.field === "string" && typeof v.code === "string") parts.push(`${v.field} ${v.code}`);
      else for (const [k, inner] of Object.entries(v)) collect(inner, k);
    }
  };
  collect(body.message ?? body.error);
  if (Array.isArray(body.errors)) collect(body.errors);
  return parts.join("; ");
}

const duplicate = /already exists/i;
// GitHub: `head invalid` / `base invalid`; GitLab: `Source branch "x" does not exist`.
const missingHead = /\b(head|source branch)\b.*\b(invalid|does not exist)\b/i;
const missingBase = /\b(base|target branch)\b.*\b(invalid|does not exist)\b/i;

/** What the operator can do about a failed request, from its status and the host's words. */
export function hintFor(ctx: RequestContext, status: number, hostMessage: string): string {
  if (status === 0)
    return `could not reach ${ctx.apiBase}: check the upstream's API address and that this server can reach it`;
  if (status === 401) return "the stored token was rejected: update the repo's upstream token";
  if (status === 429 || (status === 403 && /rate limit/i.test(hostMessage)))
    return "the host's rate limit for this token is used up: wait a while and try again";
  if (status === 403)
    return `the token may not open or read pull requests on ${ctx.repo}: give it write access to the repository's pull requests`;
  if (status === 404) {
    if (ctx.number !== undefined)
      return `${ctx.repo} has no pull request ${ctx.number} at ${ctx.apiBase}, or the token cannot see the repository: check the upstream URL and the token's access`;
    const branch = ctx.head ? `, that the branches ${ctx.head} and ${ctx.base} exist there` : "";
    return `${ctx.repo} was not found at ${ctx.apiBase}: check the upstream URL${branch} and that the token can see the repository`;
  }
  if (status === 409 || status === 422) {
    if (duplicate.test(hostMessage)) return "a pull request for this branch already exists";
    if (missingHead.test(hostMessage))
      return `the upstream has no branch ${ctx.head ?? "(head)"}: push the session's branch before opening a pull request`;
    if (missingBase.test(hostMessage))
      return `the upstream has no branch ${ctx.base ?? "(base)"} to merge into: check the project's base branch`;
    return "the host rejected the request: see its message";
  }
  if (status >= 500) return "the host had an internal error: try again later";
  return "the host gave an answer Strand does not expect: check the upstream's host kind and API address";
}

export function hostError(ctx: RequestContext, status: number, body: unknown, cause?: unknown): HostError {
  const said = hostMessageOf(body);
  return new HostError(ctx.kind, status, said, hintFor(ctx, status, said), ctx.doing, { cause });
}

/** True when a 409/422 says a pull request for the branch is already open. */
export const isDuplicate = (error: HostError) =>
  (error.status === 409 || error.status === 422) && duplicate.test(error.hostMessage);

/**
 * After the host refused to open a pull request because one is already open for the branch, that
 * one; any other refusal, or a duplicate that closed before it could be found, stays an error.
 */
export async function adoptExisting(
  ctx: RequestContext,
  reply: { status: number; body: unknown },
  findOpen: () => Promise<PullRequestRef | undefined>,
): Promise<PullRequestRef> {
  const refused = hostError(ctx, reply.status, reply.body);
  if (!isDuplicate(refused)) throw refused;
  const existing = await findOpen();
  if (!existing) throw refused;
  return existing;
}
