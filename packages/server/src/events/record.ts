import type { EventType, Session, StrandEvent } from "@strand/protocol";
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
export async function recordEvent(tx: Db, type: EventType, session: Session): Promise<StrandEvent> {
  const [row] = await tx
    .insert(sessionEvents)
    .values({ sessionId: session.id, ownerId: session.owner_id, type, payload: session })
    .returning({ id: sessionEvents.id, createdAt: sessionEvents.createdAt });
  if (!row) throw new Error("insert into session_events returned no row");
  const event: StrandEvent = { id: row.id, type, session_id: session.id, at: row.createdAt.toISOString(), session };
  let payload = JSON.stringify({ owner_id: session.owner_id, event } satisfies Notification);
  if (Buffer.byteLength(payload) > MAX_INLINE_PAYLOAD) {
    payload = JSON.stringify({ owner_id: session.owner_id, ref: row.id } satisfies Notification);
  }
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`);
  return event;
}

export type EventRow = typeof sessionEvents.$inferSelect;

export function toEvent(row: EventRow): StrandEvent {
  return {
    id: row.id,
    type: row.type as EventType,
    session_id: row.sessionId,
    at: row.createdAt.toISOString(),
    session: row.payload as Session,
  };
}
