import type { IncomingHttpHeaders } from "node:http";
import { eq } from "drizzle-orm";
import { hashSecret } from "../auth/secrets.js";
import type { UserRow } from "../auth/users.js";
import type { Db } from "../db/database.js";
import { apiTokens, sessions, users } from "../db/schema.js";
import type { SessionActor } from "../policy/policy.js";
import type { CallerCache } from "./caller-cache.js";
import { ProxyError } from "./errors.js";

/** The agent calling the proxy: a session, its owner, and what the limits need. */
export interface ProxyCaller {
  user: UserRow;
  /** The session as the policy sees it: which providers it may route to. */
  actor: SessionActor;
  sessionId: string;
  sessionModel: string | null;
  /** Micro-dollars, as stored. */
  sessionSpendMicros: number;
  sessionSpendLimitMicros: number | null;
}

const unauthorized = (message: string) => new ProxyError(401, "authentication", message, { status: "unauthenticated" });

/**
 * Anthropic SDKs send `x-api-key` (1.x: a bearer token), OpenAI SDKs a bearer token, Google's
 * `x-goog-api-key`; take any. Google's `?key=` query form is not taken: request URLs end up in
 * logs, and a session token must not.
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  for (const name of ["x-api-key", "x-goog-api-key"]) {
    const v = headers[name];
    if (typeof v === "string" && v.trim()) return v.trim();
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "");
  return m?.[1];
}

/** Only session tokens open the proxy: user tokens never leave the user, sandboxes hold session ones. */
export async function authenticateProxyCaller(
  db: Db,
  headers: IncomingHttpHeaders,
  cache?: CallerCache,
): Promise<ProxyCaller> {
  const key = presentedKey(headers);
  if (!key) {
    throw unauthorized(
      "send the session token as the API key (x-api-key, x-goog-api-key or Authorization: Bearer); Strand sets it in the sandbox",
    );
  }
  const hash = hashSecret(key);
  const cached = cache?.get(hash);
  if (cached) return cached;
  const [row] = await db
    .select({ token: apiTokens, user: users, session: sessions })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(sessions, eq(sessions.id, apiTokens.sessionId))
    .where(eq(apiTokens.tokenHash, hash));
  if (!row) throw unauthorized("this API key is not a Strand session token");
  if (!row.token.sessionId) {
    throw unauthorized(
      "the LLM proxy takes a session token, not a user API token: call it from inside a session's sandbox",
    );
  }
  if (row.token.revokedAt) {
    throw unauthorized(
      `the token of session ${row.token.sessionId} was revoked when the session stopped; start it again`,
    );
  }
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= Date.now()) {
    throw unauthorized(`the token of session ${row.token.sessionId} has expired`);
  }
  if (!row.session) throw unauthorized(`session ${row.token.sessionId} no longer exists`);
  const caller: ProxyCaller = {
    user: row.user,
    actor: { kind: "session", sessionId: row.session.id, ownerId: row.user.id, teamId: row.session.teamId },
    sessionId: row.session.id,
    sessionModel: row.session.model,
    sessionSpendMicros: row.session.spendMicros,
    sessionSpendLimitMicros: row.session.spendLimitMicros,
  };
  if (!row.token.expiresAt) cache?.set(hash, caller);
  return caller;
}
