import type { ConversationEntry, MessageEventType, Session, SessionEventType, StrandEvent } from "@strand/protocol";
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { sessionEvents } from "../db/schema.js";

export const EVENTS_CHANNEL = "strand_events";
// PostgreSQL caps a NOTIFY payload at 8000 bytes; larger events travel by reference.
const MAX_INLINE_PAYLOAD = 7_500;

/** What travels on the NOTIFY channel: the event inline, or its id to read back. */
export type Notification = { owner_id: string; event: StrandEvent } | { owner_id: string; ref: number };

/**
 * Appends an event and notifies every replica. Call it inside the transaction that made the
 * change: PostgreSQL delivers the NOTIFY only if, and when, that transaction commits.
 */
export async function recordEvent(tx: Db, type: SessionEventType, session: Session): Promise<StrandEvent> {
  const [id, at] = await append(tx, session.owner_id, session.id, type, session);
  return { id, type, session_id: session.id, at, session };
}

/** The same for a conversation entry: the UI replaces its copy of the entry by id. */
export async function recordMessageEvent(
  tx: Db,
  type: MessageEventType,
  ownerId: string,
  entry: ConversationEntry,
): Promise<StrandEvent> {
  const [id, at] = await append(tx, ownerId, entry.session_id, type, entry);
  return { id, type, session_id: entry.session_id, at, entry };
}

/** Inserts the event row and sends the NOTIFY; returns the event's id and time. */
async function append(
  tx: Db,
  ownerId: string,
  sessionId: string,
  type: SessionEventType | MessageEventType,
  payload: Session | ConversationEntry,
): Promise<[number, string]> {
  const [row] = await tx
    .insert(sessionEvents)
    .values({ sessionId, ownerId, type, payload })
    .returning({ id: sessionEvents.id, createdAt: sessionEvents.createdAt });
  if (!row) throw new Error("insert into session_events returned no row");
  const at = row.createdAt.toISOString();
  let notification = JSON.stringify({
    owner_id: ownerId,
    event: toEvent({ ...row, sessionId, ownerId, type, payload }),
  });
  if (Buffer.byteLength(notification) > MAX_INLINE_PAYLOAD) {
    notification = JSON.stringify({ owner_id: ownerId, ref: row.id } satisfies Notification);
  }
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${notification})`);
  return [row.id, at];
}

export type EventRow = typeof sessionEvents.$inferSelect;

export function toEvent(row: EventRow): StrandEvent {
  const base = { id: row.id, session_id: row.sessionId, at: row.createdAt.toISOString() };
  if (row.type.startsWith("message.")) {
    return { ...base, type: row.type as MessageEventType, entry: row.payload as ConversationEntry };
  }
  return { ...base, type: row.type as SessionEventType, session: row.payload as Session };
}
