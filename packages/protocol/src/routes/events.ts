import { z } from "zod";
import { defineRoute } from "./define.js";

export const EventsQuerySchema = z.strictObject({ since: z.coerce.number().int().min(0).optional() });

export const eventRoutes = {
  "events.watch": defineRoute({
    method: "GET",
    path: "/api/v1/events",
    websocket: true,
    tags: ["events"],
    summary: "WebSocket of changes to what you can see; `since` replays what you missed",
    query: EventsQuerySchema,
    response: {},
  }),
};
