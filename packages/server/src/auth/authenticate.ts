import { ErrorCodes } from "@strand/protocol";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/database.js";
import { apiTokens, loginSessions, sessions, teamMembers, users } from "../db/schema.js";
import { unauthenticated } from "../lib/http-error.js";
import type { TeamRole } from "../policy/actor.js";
import { hashSecret } from "./secrets.js";
import type { UserRow } from "./users.js";

export const LOGIN_COOKIE = "strand_login";

export interface AuthContext {
  user: UserRow;
  via: "token" | "cookie";
  /** Login-session or API-token id that authenticated the request. */
  credentialId: string;
  /** Set when a session token authenticated: the caller is that session's agent, not the user. */
  sessionId: string | null;
  /** The caller's teams and role in each (people only; a session token acts for its session alone). */
  teams: ReadonlyMap<string, TeamRole>;
  /** For a session token: the team its session belongs to, if any. */
  teamId: string | null;
}

// Writing last_used_at on every request would turn every GET into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Resolves the caller from `Authorization: Bearer` or the login cookie; throws a 401 otherwise. */
export async function authenticate(db: Db, req: FastifyRequest, reply?: FastifyReply): Promise<AuthContext> {
  const header = req.headers.authorization;
  if (header !== undefined) return authenticateBearer(db, header);
  const cookie = req.cookies?.[LOGIN_COOKIE];
  if (cookie) return authenticateCookie(db, cookie, reply);
  throw unauthenticated("Log in first, or send an API token as `Authorization: Bearer <token>`.");
}

/** An API or session token presented some other way than a Bearer header (git's Basic auth). */
export function authenticateToken(db: Db, token: string): Promise<AuthContext> {
  return authenticateBearer(db, `Bearer ${token}`);
}

async function authenticateBearer(db: Db, header: string): Promise<AuthContext> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw unauthenticated(
      "The Authorization header must be `Bearer <token>`. Create a token with `strand tokens create`.",
      ErrorCodes.invalidToken,
    );
  }
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashSecret(match[1])));
  if (!row || row.token.revokedAt) {
    throw unauthenticated(
      "This API token is unknown or has been revoked. Create a new one with `strand tokens create`.",
      ErrorCodes.invalidToken,
    );
  }
  const now = Date.now();
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= now) {
    throw unauthenticated(
      `This API token expired at ${row.token.expiresAt.toISOString()}. Create a new one with \`strand tokens create\`.`,
      ErrorCodes.invalidToken,
    );
  }
  if (!row.token.lastUsedAt || now - row.token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    const cutoff = new Date(now - LAST_USED_RESOLUTION_MS);
    // Best effort and off the request's path: a failed bookkeeping write must not fail the call.
    void db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(and(eq(apiTokens.id, row.token.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, cutoff))))
      .catch(() => {});
  }
  const sessionId = row.token.sessionId;
  if (sessionId) {
    const [session] = await db.select({ teamId: sessions.teamId }).from(sessions).where(eq(sessions.id, sessionId));
    return {
      user: row.user,
      via: "token",
      credentialId: row.token.id,
      sessionId,
      teams: NO_TEAMS,
      teamId: session?.teamId ?? null,
    };
  }
  return {
    user: row.user,
    via: "token",
    credentialId: row.token.id,
    sessionId: null,
    teams: await teamRoles(db, row.user.id),
    teamId: null,
  };
}

async function authenticateCookie(db: Db, secret: string, reply?: FastifyReply): Promise<AuthContext> {
  const [row] = await db
    .select({ login: loginSessions, user: users })
    .from(loginSessions)
    .innerJoin(users, eq(users.id, loginSessions.userId))
    .where(eq(loginSessions.secretHash, hashSecret(secret)));
  if (!row) {
    reply?.clearCookie(LOGIN_COOKIE, { path: "/" });
    throw unauthenticated("Your login is no longer valid (you logged out elsewhere?). Log in again.");
  }
  if (row.login.expiresAt.getTime() <= Date.now()) {
    reply?.clearCookie(LOGIN_COOKIE, { path: "/" });
    await db.delete(loginSessions).where(eq(loginSessions.id, row.login.id));
    throw unauthenticated(
      `Your login expired at ${row.login.expiresAt.toISOString()}. Log in again.`,
      ErrorCodes.sessionExpired,
    );
  }
  return {
    user: row.user,
    via: "cookie",
    credentialId: row.login.id,
    sessionId: null,
    teams: await teamRoles(db, row.user.id),
    teamId: null,
  };
}

const NO_TEAMS: ReadonlyMap<string, TeamRole> = new Map();

/** Read per request, so a role change or removal takes effect on the member's next call. */
export async function teamRoles(db: Db, userId: string): Promise<ReadonlyMap<string, TeamRole>> {
  const rows = await db
    .select({ teamId: teamMembers.teamId, role: teamMembers.role })
    .from(teamMembers)
    .where(eq(teamMembers.userId, userId));
  return new Map(rows.map((r) => [r.teamId, r.role as TeamRole]));
}
