import { z } from "zod";
import { ConversationEntrySchema } from "./conversation.js";
import { NotificationSchema } from "./notifications.js";
import { ReviewChangeSchema } from "./review.js";
import { SessionSchema } from "./sessions.js";
import { TaskSchema, TaskTransitionSchema } from "./tasks.js";

export const SESSION_EVENT_TYPES = ["session.created", "session.updated", "session.deleted"] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];
/** A conversation entry was added or changed (a streamed answer grows, a prompt moves on). */
export const MESSAGE_EVENT_TYPES = ["message.created", "message.updated"] as const;
export type MessageEventType = (typeof MESSAGE_EVENT_TYPES)[number];
/** A team changed: renamed, or its members or their roles did (the member concerned hears it too). */
export const TEAM_EVENT_TYPES = ["team.updated", "team.deleted"] as const;
export type TeamEventType = (typeof TEAM_EVENT_TYPES)[number];
/** A session's review changed: a thread (created, replied, resolved, sent) or its branch or base moved. */
export const REVIEW_EVENT_TYPES = ["review.updated"] as const;
export type ReviewEventType = (typeof REVIEW_EVENT_TYPES)[number];
/** A task changed (project scope): created, edited, moved to another state, or deleted. */
export const TASK_EVENT_TYPES = ["task.created", "task.updated", "task.deleted"] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];
/** A task's spec review changed: a revision was pushed, a thread was created, replied to, resolved or sent. */
export const SPEC_EVENT_TYPES = ["spec.updated"] as const;
export type SpecEventType = (typeof SPEC_EVENT_TYPES)[number];
/** A person's inbox changed (user scope: only they hear it). */
export const NOTIFICATION_EVENT_TYPES = ["notification.created", "notification.read"] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];
export const EVENT_TYPES = [
  ...SESSION_EVENT_TYPES,
  ...MESSAGE_EVENT_TYPES,
  ...TEAM_EVENT_TYPES,
  ...REVIEW_EVENT_TYPES,
  ...TASK_EVENT_TYPES,
  ...SPEC_EVENT_TYPES,
  ...NOTIFICATION_EVENT_TYPES,
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

/** What an event is about; a board or team page listens to its own scope. */
export const EVENT_SCOPE_TYPES = ["session", "project", "team", "user"] as const;
export const EventScopeSchema = z
  .object({ type: z.enum(EVENT_SCOPE_TYPES), id: z.string() })
  .meta({ id: "EventScope" });
export type EventScope = z.infer<typeof EventScopeSchema>;

const eventBase = {
  id: z.number().int().describe("Monotonic id; pass the last one seen as `since` to resume."),
  scope: EventScopeSchema,
  session_id: z.string(),
  at: z.string(),
};

export const SessionEventSchema = z
  .object({
    ...eventBase,
    type: z.enum(SESSION_EVENT_TYPES),
    session: SessionSchema.describe("The session as it is after the change."),
  })
  .meta({ id: "SessionEvent" });
export type SessionEvent = z.infer<typeof SessionEventSchema>;

export const MessageEventSchema = z
  .object({
    ...eventBase,
    type: z.enum(MESSAGE_EVENT_TYPES),
    entry: ConversationEntrySchema.describe("The whole entry as it is after the change: replace yours by `id`."),
  })
  .meta({ id: "MessageEvent" });
export type MessageEvent = z.infer<typeof MessageEventSchema>;

export const TeamEventSchema = z
  .object({
    id: eventBase.id,
    scope: EventScopeSchema,
    at: eventBase.at,
    type: z.enum(TEAM_EVENT_TYPES),
    team: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
    member_user_id: z
      .string()
      .nullable()
      .describe("The member who was added, changed or removed, if that is what happened."),
  })
  .meta({ id: "TeamEvent" });
export type TeamEvent = z.infer<typeof TeamEventSchema>;

export const ReviewEventSchema = z
  .object({
    ...eventBase,
    type: z.enum(REVIEW_EVENT_TYPES),
    review: ReviewChangeSchema.describe("What changed; read the session's threads and changes again."),
  })
  .meta({ id: "ReviewEvent" });
export type ReviewEvent = z.infer<typeof ReviewEventSchema>;

export const TaskEventSchema = z
  .object({
    id: eventBase.id,
    scope: EventScopeSchema.describe("The task's project."),
    at: eventBase.at,
    type: z.enum(TASK_EVENT_TYPES),
    task: TaskSchema.describe("The task as it is after the change (as it was, for task.deleted)."),
    transition: TaskTransitionSchema.nullable().describe("Set when its state changed: from, to, by whom, why."),
  })
  .meta({ id: "TaskEvent" });
export type TaskEvent = z.infer<typeof TaskEventSchema>;

export const SpecEventSchema = z
  .object({
    id: eventBase.id,
    scope: EventScopeSchema.describe("The task's project."),
    at: eventBase.at,
    type: z.enum(SPEC_EVENT_TYPES),
    task_id: z.string(),
    what: z.enum(["revision", "thread", "sent"]).describe("What to read again: the spec, or its threads."),
    thread_id: z.string().nullable(),
  })
  .meta({ id: "SpecEvent" });
export type SpecEvent = z.infer<typeof SpecEventSchema>;

export const NotificationEventSchema = z
  .object({
    id: eventBase.id,
    scope: EventScopeSchema.describe("You (user scope)."),
    at: eventBase.at,
    type: z.enum(NOTIFICATION_EVENT_TYPES),
    notification: NotificationSchema.nullable().describe("The new item (notification.created); null when read."),
    unread: z.number().int().describe("Your unread count after the change."),
    browser: z.boolean().describe("Whether you asked for this kind as a browser notification."),
  })
  .meta({ id: "NotificationEvent" });
export type NotificationEvent = z.infer<typeof NotificationEventSchema>;

export const StrandEventSchema = z
  .union([
    SessionEventSchema,
    MessageEventSchema,
    TeamEventSchema,
    ReviewEventSchema,
    TaskEventSchema,
    SpecEventSchema,
    NotificationEventSchema,
  ])
  .meta({ id: "StrandEvent" });
export type StrandEvent = z.infer<typeof StrandEventSchema>;

/** Messages the server sends on `/api/v1/events`. */
export const EventsServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), user_id: z.string(), last_event_id: z.number().int() }),
  z
    .object({
      type: z.literal("resync"),
      reason: z.enum(["pruned", "too_far_behind"]),
      last_event_id: z.number().int(),
      message: z.string(),
    })
    .describe(
      "The events since your `since` can no longer be replayed (pruned by retention, or too many): " +
        "reload what you show, then continue from `last_event_id`.",
    ),
  z.object({ type: z.literal("event"), event: StrandEventSchema }),
  z.object({ type: z.literal("pong"), t: z.number().optional() }),
  z.object({ type: z.literal("error"), error: z.string(), message: z.string() }),
]);
export type EventsServerMessage = z.infer<typeof EventsServerMessageSchema>;

/** Messages a client may send on `/api/v1/events`. */
export const EventsClientMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ping"), t: z.number().optional() }),
]);
export type EventsClientMessage = z.infer<typeof EventsClientMessageSchema>;
