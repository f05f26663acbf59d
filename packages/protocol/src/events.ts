import { z } from "zod";
import { SessionSchema } from "./sessions.js";

export const EVENT_TYPES = ["session.created", "session.updated", "session.deleted"] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

export const StrandEventSchema = z
  .object({
    id: z.number().int().describe("Monotonic id; pass the last one seen as `since` to resume."),
    type: EventTypeSchema,
    session_id: z.string(),
    at: z.string(),
    session: SessionSchema.describe("The session as it is after the change."),
  })
  .meta({ id: "StrandEvent" });
export type StrandEvent = z.infer<typeof StrandEventSchema>;

/** Messages the server sends on `/api/v1/events`. */
export const EventsServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), user_id: z.string(), last_event_id: z.number().int() }),
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
