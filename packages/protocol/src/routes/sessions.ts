import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";
import {
  CreateSessionBodySchema,
  ListSessionsQuerySchema,
  SessionListSchema,
  SessionSchema,
  UpdateSessionBodySchema,
} from "../sessions.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

export const StreamQuerySchema = z.strictObject({
  view_only: z
    .enum(["0", "1", "true", "false"])
    .optional()
    .describe("1: watch only; input from this viewer is dropped"),
});
export type StreamQuery = z.infer<typeof StreamQuerySchema>;

export const ThumbnailQuerySchema = z.object({
  t: z.string().max(40).optional().describe("Ignored; lets a page bypass its cache."),
});

const tags = ["sessions"];

export const sessionRoutes = {
  "sessions.create": defineRoute({
    method: "POST",
    path: "/api/v1/sessions",
    tags,
    summary: "Create a session (a desktop with an agent); it starts unless `start` is false",
    body: CreateSessionBodySchema,
    response: { 201: SessionSchema, ...ERROR_RESPONSES },
  }),
  "sessions.list": defineRoute({
    method: "GET",
    path: "/api/v1/sessions",
    tags,
    summary: "List your sessions, newest first",
    query: ListSessionsQuerySchema,
    response: { 200: SessionListSchema, ...ERROR_RESPONSES },
  }),
  "sessions.get": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id",
    tags,
    summary: "Get one session",
    params: IdParamsSchema,
    response: { 200: SessionSchema, ...ERROR_RESPONSES },
  }),
  "sessions.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/sessions/:id",
    tags,
    summary:
      "Rename a session or change its model, egress, trusted mode, spend limit or resources (trusted mode and " +
      "resources apply at its next start)",
    params: IdParamsSchema,
    body: UpdateSessionBodySchema,
    response: { 200: SessionSchema, ...ERROR_RESPONSES },
  }),
  "sessions.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/sessions/:id",
    tags,
    summary: "Delete a session with its container and volumes; 202 while a node tears it down",
    params: IdParamsSchema,
    response: { 200: SessionSchema, 202: SessionSchema, ...ERROR_RESPONSES },
  }),
  "sessions.stop": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/stop",
    tags,
    summary: "Stop a session; its workspace is kept (idempotent)",
    params: IdParamsSchema,
    response: { 200: SessionSchema, ...ERROR_RESPONSES },
  }),
  "sessions.start": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/start",
    tags,
    summary: "Start a stopped or failed session (idempotent)",
    params: IdParamsSchema,
    response: { 200: SessionSchema, ...ERROR_RESPONSES },
  }),
  "sessions.thumbnail": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id/thumbnail",
    tags,
    summary: "A small JPEG of the session's desktop (at most 320 px wide), a few seconds old at most",
    description:
      "Taken by the session's agent on request, not decoded from the stream, so it costs nothing while " +
      "nobody looks. 503 `thumbnail_unavailable` when the desktop is not running or its agent is " +
      "connected to another replica.",
    params: IdParamsSchema,
    query: ThumbnailQuerySchema,
    response: {
      200: z.any().describe("image/jpeg"),
      401: ApiErrorSchema,
      404: ApiErrorSchema,
      503: ApiErrorSchema,
    },
  }),
  "sessions.stream": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id/stream",
    websocket: true,
    tags,
    summary: "WebSocket of the session's desktop: H.264 video out, keyboard/mouse/clipboard in",
    params: IdParamsSchema,
    query: StreamQuerySchema,
    response: { 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema },
  }),
};
