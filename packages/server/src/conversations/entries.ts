import { type ConversationEntry, type EntryKind, type MessageEventType, ROLE_OF_KIND } from "@strand/protocol";
import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { conversationEntries, sessions } from "../db/schema.js";
import { recordMessageEvent } from "../events/record.js";
import { notFound } from "../lib/http-error.js";
import { iso } from "../lib/time.js";
import { type Actor, assertAccess } from "../policy/policy.js";
import { searchColumns } from "../search/index-entry.js";
import { owned } from "../sessions/owned.js";
import type { SessionRow } from "../sessions/to-session.js";

export type EntryRow = typeof conversationEntries.$inferSelect;

export function toEntry(row: EntryRow): ConversationEntry {
  return {
    id: row.id,
    session_id: row.sessionId,
    seq: row.seq,
    turn_id: row.turnId,
    kind: row.kind,
    role: row.role,
    status: row.status,
    content: row.content,
    request_id: row.requestId,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  } as ConversationEntry;
}

/**
 * Locks the session row for the rest of the transaction. Every conversation write takes this
 * lock first, which makes `seq` allocation and the one-turn-at-a-time rule race-free across
 * replicas. This is the system's path (agentd's own session, delivery); people go through
 * `lockSessionFor`, which asks the policy.
 */
export async function lockSession(tx: Db, sessionId: string): Promise<SessionRow> {
  const [row] = await tx.select().from(sessions).where(eq(sessions.id, sessionId)).for("update");
  if (!row) throw notFound("session", sessionId);
  return row;
}

/** The same check without the lock, for reads. */
export async function findSession(db: Db, sessionId: string): Promise<SessionRow> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
  if (!row) throw notFound("session", sessionId);
  return row;
}

/** Locks the session for a write the actor must be allowed to `control` (chat, cancel, answer). */
export async function lockSessionFor(tx: Db, actor: Actor, sessionId: string): Promise<SessionRow> {
  const row = await lockSession(tx, sessionId);
  assertAccess(actor, owned(row), "control", { kind: "session", id: sessionId });
  return row;
}

/** Reads the session for an actor who must be allowed to see it. */
export async function findSessionFor(db: Db, actor: Actor, sessionId: string): Promise<SessionRow> {
  const row = await findSession(db, sessionId);
  assertAccess(actor, owned(row), "view", { kind: "session", id: sessionId });
  return row;
}

/** A session's entries that match every condition, oldest first. */
export function entriesOf(tx: Db, sessionId: string, ...conditions: SQL[]) {
  return tx
    .select()
    .from(conversationEntries)
    .where(and(eq(conversationEntries.sessionId, sessionId), ...conditions))
    .orderBy(asc(conversationEntries.seq));
}

const e = conversationEntries;
/** Prompts waiting in the queue for agentd. */
export const QUEUED_PROMPT = [eq(e.kind, "user"), eq(e.status, "queued")];
/** The prompt agentd is working on (at most one at a time). */
export const ACTIVE_PROMPT = [eq(e.kind, "user"), inArray(e.status, ["delivered", "running"])];

export interface NewEntry {
  id: string;
  turnId: string | null;
  kind: EntryKind;
  status: string;
  content: unknown;
  requestId?: string;
  rev?: number;
}

/** Appends an entry at the end of the session's conversation and records `message.created`. */
export async function insertEntry(tx: Db, session: SessionRow, e: NewEntry): Promise<ConversationEntry> {
  const [next] = await tx
    .select({ seq: sql<number>`coalesce(max(${conversationEntries.seq}), 0)::int + 1` })
    .from(conversationEntries)
    .where(eq(conversationEntries.sessionId, session.id));
  const now = new Date();
  const [row] = await tx
    .insert(conversationEntries)
    .values({
      id: e.id,
      sessionId: session.id,
      seq: next?.seq ?? 1,
      turnId: e.turnId,
      kind: e.kind,
      role: ROLE_OF_KIND[e.kind],
      status: e.status,
      content: e.content,
      requestId: e.requestId ?? null,
      rev: e.rev ?? 0,
      // Indexed in the same statement: findable the moment the transaction commits.
      ...searchColumns(e.kind, e.content),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!row) throw new Error("insert into conversation_entries returned no row");
  return emit(tx, session, row, "message.created");
}

export type EntryPatch = Partial<Pick<EntryRow, "status" | "content" | "rev" | "agentInstance" | "deliveries">>;

/** Changes an entry and records `message.updated` (bookkeeping-only patches record nothing). */
export async function updateEntry(
  tx: Db,
  session: SessionRow,
  row: EntryRow,
  patch: EntryPatch,
): Promise<ConversationEntry> {
  const [updated] = await tx
    .update(conversationEntries)
    .set({
      ...patch,
      ...(patch.content !== undefined ? searchColumns(row.kind, patch.content) : {}),
      updatedAt: new Date(),
    })
    .where(eq(conversationEntries.id, row.id))
    .returning();
  if (!updated) throw new Error(`entry ${row.id} vanished while locked`);
  const visible = patch.status !== undefined || patch.content !== undefined;
  return visible ? emit(tx, session, updated, "message.updated") : toEntry(updated);
}

async function emit(tx: Db, session: SessionRow, row: EntryRow, type: MessageEventType): Promise<ConversationEntry> {
  const entry = toEntry(row);
  await recordMessageEvent(tx, type, { ownerId: session.ownerId, teamId: session.teamId }, entry);
  return entry;
}
