import type {
  ConversationEntry,
  EventScope,
  Notification as InboxItem,
  MessageEventType,
  NotificationEventType,
  ReviewChange,
  ReviewEventType,
  Session,
  SessionEventType,
  SpecEvent,
  StrandEvent,
  Task,
  TaskChange,
  TaskEventType,
  TeamEvent,
  TeamEventType,
} from "@strand/protocol";
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { events } from "../db/schema.js";

export const EVENTS_CHANNEL = "strand_events";
// PostgreSQL caps a NOTIFY payload at 8000 bytes; larger events travel by reference.
const MAX_INLINE_PAYLOAD = 7_500;

/**
 * Who may receive an event: the person who owns what it is about, and the members of its team.
 * The policy (policy/events.ts) decides from this; the bus only carries it.
 */
export interface Audience {
  ownerId: string | null;
  teamId: string | null;
}

/** What travels on the NOTIFY channel: the event inline, or its id to read back. */
export type Notification = { audience: Audience; event: StrandEvent } | { ref: number };

/**
 * Appends an event and notifies every replica. Call it inside the transaction that made the
 * change: PostgreSQL delivers the NOTIFY only if, and when, that transaction commits.
 */
export async function recordEvent(tx: Db, type: SessionEventType, session: Session): Promise<StrandEvent> {
  const scope: EventScope = { type: "session", id: session.id };
  const [id, at] = await append(tx, scope, session.id, audienceOf(session), type, session);
  return { id, type, scope, session_id: session.id, at, session };
}

/** The same for a conversation entry: the UI replaces its copy of the entry by id. */
export async function recordMessageEvent(
  tx: Db,
  type: MessageEventType,
  audience: Audience,
  entry: ConversationEntry,
): Promise<StrandEvent> {
  const scope: EventScope = { type: "session", id: entry.session_id };
  const [id, at] = await append(tx, scope, entry.session_id, audience, type, entry);
  return { id, type, scope, session_id: entry.session_id, at, entry };
}

/** A session's review changed; everyone who sees the session hears it (their Changes tabs reload). */
export async function recordReviewEvent(
  tx: Db,
  sessionId: string,
  audience: Audience,
  review: ReviewChange,
): Promise<StrandEvent> {
  const type: ReviewEventType = "review.updated";
  const scope: EventScope = { type: "session", id: sessionId };
  const [id, at] = await append(tx, scope, sessionId, audience, type, review);
  return { id, type, scope, session_id: sessionId, at, review };
}

type TeamPayload = Pick<TeamEvent, "team" | "member_user_id">;

/**
 * A team changed. Its members hear it, and so does the member concerned (who may just have
 * been removed): their open event sockets re-read their roles on it.
 */
export async function recordTeamEvent(
  tx: Db,
  type: TeamEventType,
  team: TeamPayload["team"],
  memberUserId: string | null = null,
): Promise<StrandEvent> {
  const scope: EventScope = { type: "team", id: team.id };
  const payload: TeamPayload = { team, member_user_id: memberUserId };
  const [id, at] = await append(tx, scope, null, { ownerId: memberUserId, teamId: team.id }, type, payload);
  return { id, type, scope, at, ...payload };
}

/**
 * A task changed; everyone who sees its project hears it (boards move the card). `audience` is
 * the project's owner and team.
 */
export async function recordTaskEvent(
  tx: Db,
  type: TaskEventType,
  audience: Audience,
  change: TaskChange,
): Promise<StrandEvent> {
  const scope: EventScope = { type: "project", id: change.task.project_id };
  const [id, at] = await append(tx, scope, null, audience, type, change);
  return { id, type, scope, at, ...change };
}

type SpecPayload = Pick<SpecEvent, "task_id" | "what" | "thread_id">;

/** A task's spec review changed (a revision pushed, a thread written or sent): task pages reload it. */
export async function recordSpecEvent(
  tx: Db,
  task: Pick<Task, "id" | "project_id">,
  audience: Audience,
  what: SpecEvent["what"],
  threadId: string | null = null,
): Promise<StrandEvent> {
  const scope: EventScope = { type: "project", id: task.project_id };
  const payload: SpecPayload = { task_id: task.id, what, thread_id: threadId };
  const [id, at] = await append(tx, scope, null, audience, "spec.updated", payload);
  return { id, type: "spec.updated", scope, at, ...payload };
}

interface NotificationPayload {
  notification: InboxItem | null;
  unread: number;
  browser: boolean;
}

/** A person's inbox changed; only they hear it (user scope, no team audience). */
export async function recordNotificationEvent(
  tx: Db,
  type: NotificationEventType,
  userId: string,
  payload: NotificationPayload,
): Promise<StrandEvent> {
  const scope: EventScope = { type: "user", id: userId };
  const [id, at] = await append(tx, scope, null, { ownerId: userId, teamId: null }, type, payload);
  return { id, type, scope, at, ...payload };
}

const audienceOf = (session: Session): Audience => ({ ownerId: session.owner_id, teamId: session.team_id });

/** Inserts the event row and sends the NOTIFY; returns the event's id and time. */
async function append(
  tx: Db,
  scope: EventScope,
  sessionId: string | null,
  audience: Audience,
  type: StrandEvent["type"],
  payload: Session | ConversationEntry | TeamPayload | ReviewChange | TaskChange | SpecPayload | NotificationPayload,
): Promise<[number, string]> {
  const [row] = await tx
    .insert(events)
    .values({
      scopeType: scope.type,
      scopeId: scope.id,
      sessionId,
      ownerId: audience.ownerId,
      teamId: audience.teamId,
      type,
      payload,
    })
    .returning();
  if (!row) throw new Error("insert into events returned no row");
  let notification = JSON.stringify({ audience, event: toEvent(row) } satisfies Notification);
  if (Buffer.byteLength(notification) > MAX_INLINE_PAYLOAD) {
    notification = JSON.stringify({ ref: row.id } satisfies Notification);
  }
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${notification})`);
  return [row.id, row.createdAt.toISOString()];
}

export type EventRow = typeof events.$inferSelect;

export const audienceOfRow = (row: EventRow): Audience => ({ ownerId: row.ownerId, teamId: row.teamId });

export function toEvent(row: EventRow): StrandEvent {
  if (row.type.startsWith("team.")) {
    const scope = { type: "team", id: row.scopeId } as const;
    return {
      id: row.id,
      scope,
      at: row.createdAt.toISOString(),
      type: row.type as TeamEventType,
      ...(row.payload as TeamPayload),
    };
  }
  if (row.type.startsWith("task.")) {
    const scope = { type: row.scopeType, id: row.scopeId } as EventScope;
    return {
      id: row.id,
      scope,
      at: row.createdAt.toISOString(),
      type: row.type as TaskEventType,
      ...(row.payload as TaskChange),
    };
  }
  if (row.type.startsWith("spec.")) {
    const scope = { type: row.scopeType, id: row.scopeId } as EventScope;
    return {
      id: row.id,
      scope,
      at: row.createdAt.toISOString(),
      type: "spec.updated",
      ...(row.payload as SpecPayload),
    };
  }
  if (row.type.startsWith("notification.")) {
    const scope = { type: row.scopeType, id: row.scopeId } as EventScope;
    return {
      id: row.id,
      scope,
      at: row.createdAt.toISOString(),
      type: row.type as NotificationEventType,
      ...(row.payload as NotificationPayload),
    };
  }
  const base = {
    id: row.id,
    scope: { type: row.scopeType, id: row.scopeId } as EventScope,
    // Session and conversation events always carry their session (the events_audience rows say so).
    session_id: row.sessionId ?? row.scopeId,
    at: row.createdAt.toISOString(),
  };
  if (row.type.startsWith("review.")) {
    return { ...base, type: row.type as ReviewEventType, review: row.payload as ReviewChange };
  }
  if (row.type.startsWith("message.")) {
    return { ...base, type: row.type as MessageEventType, entry: row.payload as ConversationEntry };
  }
  return { ...base, type: row.type as SessionEventType, session: row.payload as Session };
}
