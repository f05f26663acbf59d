import type { z } from "zod";
import { hintFor, hostError, type RequestContext } from "./host-errors.js";
import { HostError, hostNames } from "./types.js";

export interface HostTransport {
  /** Without a trailing slash. */
  apiBase: string;
  /** Authentication and content negotiation the host wants on every request. */
  headers: Record<string, string>;
  fetch: typeof fetch;
  timeoutMs: number;
}

export interface HostReply {
  status: number;
  body: unknown;
}

export const defaultTimeoutMs = 15_000;

export const trimBase = (apiBase: string) => apiBase.replace(/\/+$/, "");

/** Why no answer came, in words: undici hides the socket error in `cause`. */
function unreachable(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { message?: string } | undefined) : undefined;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** One API request. Answers of any status come back; only an unreachable host throws. */
export async function send(
  t: HostTransport,
  ctx: RequestContext,
  method: "GET" | "POST" | "PATCH" | "PUT",
  path: string,
  body?: unknown,
): Promise<HostReply> {
  const headers: Record<string, string> = { ...t.headers };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await t.fetch(`${t.apiBase}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(t.timeoutMs),
    });
  } catch (error) {
    const said = unreachable(error, t.timeoutMs);
    throw new HostError(ctx.kind, 0, said, hintFor(ctx, 0, said), ctx.doing, { cause: error });
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's HTML error page, say): the text is the host's message.
  }
  return { status: res.status, body: parsed };
}

/** The reply's body in the shape `schema` says, or the HostError a failed or odd reply means. */
export function expect<S extends z.ZodType>(ctx: RequestContext, reply: HostReply, schema: S): z.output<S> {
  if (reply.status < 200 || reply.status >= 300) throw hostError(ctx, reply.status, reply.body);
  const parsed = schema.safeParse(reply.body);
  if (!parsed.success)
    throw new HostError(
      ctx.kind,
      reply.status,
      `unexpected reply: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")}`,
      `the API at ${ctx.apiBase} does not answer like ${hostNames[ctx.kind]}'s: check the upstream's host kind and API address`,
      ctx.doing,
    );
  return parsed.data;
}
