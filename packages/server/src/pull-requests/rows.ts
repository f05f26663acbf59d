import type { HostKindName, PullRequest, PullRequestStateName } from "@strand/protocol";
import { eq, inArray } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { pullRequests } from "../db/schema.js";
import { iso } from "../lib/time.js";

export type PullRequestRow = typeof pullRequests.$inferSelect;

export function toPullRequest(row: PullRequestRow): PullRequest {
  return {
    number: row.number,
    url: row.url,
    state: row.state as PullRequestStateName,
    host_kind: row.hostKind as HostKindName,
    head: row.head,
    base: row.base,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** The pull requests of these sessions, by session id: one query for a whole page of sessions. */
export async function pullRequestsOf(db: Db, sessionIds: readonly string[]): Promise<Map<string, PullRequest>> {
  const found = new Map<string, PullRequest>();
  if (sessionIds.length === 0) return found;
  const rows = await db
    .select()
    .from(pullRequests)
    .where(
      sessionIds.length === 1
        ? eq(pullRequests.sessionId, sessionIds[0] as string)
        : inArray(pullRequests.sessionId, [...sessionIds]),
    );
  for (const row of rows) found.set(row.sessionId, toPullRequest(row));
  return found;
}

/** The pull request of one session, or null. */
export async function pullRequestOf(db: Db, sessionId: string): Promise<PullRequest | null> {
  return (await pullRequestsOf(db, [sessionId])).get(sessionId) ?? null;
}
