import { API_TOKEN_PREFIX, type ApiToken, type CreatedToken } from "@strand/protocol";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { apiTokens } from "../db/schema.js";
import { newId, newSecret } from "../lib/ids.js";
import { iso } from "../lib/time.js";
import { hashSecret } from "./secrets.js";

type TokenRow = typeof apiTokens.$inferSelect;

export function toApiToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    created_at: iso(row.createdAt),
    last_used_at: iso(row.lastUsedAt),
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
  };
}

/** The visible start of a token: enough to recognise it in a list, useless to an attacker. */
const displayPrefix = (token: string) => token.slice(0, API_TOKEN_PREFIX.length + 6);

export interface IssueTokenOptions {
  userId: string;
  name: string;
  expiresInDays?: number | undefined;
  /** Use this secret instead of a random one (STRAND_ADMIN_TOKEN seeding). */
  secret?: string | undefined;
  /** Makes it a session token: usable only by that session's agent. */
  sessionId?: string | undefined;
}

export async function issueApiToken(db: Db, opts: IssueTokenOptions): Promise<CreatedToken> {
  const token = opts.secret ?? `${API_TOKEN_PREFIX}${newSecret(30)}`;
  const expiresAt = opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : null;
  const [row] = await db
    .insert(apiTokens)
    .values({
      id: newId("tok"),
      userId: opts.userId,
      name: opts.name,
      tokenHash: hashSecret(token),
      prefix: displayPrefix(token),
      expiresAt,
      sessionId: opts.sessionId ?? null,
    })
    .returning();
  if (!row) throw new Error("insert into api_tokens returned no row");
  return { ...toApiToken(row), token };
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiToken[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.sessionId)))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return rows.map(toApiToken);
}

/** Returns the revoked token, or undefined when the user has no token with that id. */
export async function revokeApiToken(db: Db, userId: string, id: string): Promise<ApiToken | undefined> {
  const [existing] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.sessionId)));
  if (!existing) return undefined;
  if (existing.revokedAt) return toApiToken(existing);
  const [row] = await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id)).returning();
  return row ? toApiToken(row) : undefined;
}

/** Revokes every live token of a session: called when the session stops. */
export async function revokeSessionTokens(db: Db, sessionId: string): Promise<void> {
  await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.sessionId, sessionId), isNull(apiTokens.revokedAt)));
}
