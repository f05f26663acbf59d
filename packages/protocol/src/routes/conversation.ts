import { z } from "zod";
import {
  AnswerPermissionBodySchema,
  ConversationEntrySchema,
  ListMessagesQuerySchema,
  MessageListSchema,
  PostMessageBodySchema,
} from "../conversation.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

export const CancelTurnResponseSchema = z.object({ entry: ConversationEntrySchema.nullable() });
export type CancelTurnResponse = z.infer<typeof CancelTurnResponseSchema>;

export const PermissionParamsSchema = IdParamsSchema.extend({ entry_id: z.string().max(100) });

const tags = ["conversation"];

/** A session's conversation: prompts in, the thread out (docs/conversations.md). */
export const conversationRoutes = {
  "conversation.send": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/messages",
    tags,
    summary: "Send a prompt; it waits (queued) until the agent is ready and runs after the ones before it",
    description:
      "Idempotent by `request_id`: sending the same request again returns the stored message with 200; " +
      "reusing a `request_id` for different content is a 409.",
    params: IdParamsSchema,
    body: PostMessageBodySchema,
    response: { 200: ConversationEntrySchema, 201: ConversationEntrySchema, ...ERROR_RESPONSES },
  }),
  "conversation.list": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id/messages",
    tags,
    summary: "Read the conversation in order; page with `after` (the last `seq` you have)",
    params: IdParamsSchema,
    query: ListMessagesQuerySchema,
    response: { 200: MessageListSchema, ...ERROR_RESPONSES },
  }),
  "conversation.cancel": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/cancel",
    tags,
    summary: "Cancel the prompt the agent is working on; `entry` is null when nothing was running",
    params: IdParamsSchema,
    response: { 200: CancelTurnResponseSchema, ...ERROR_RESPONSES },
  }),
  "conversation.answerPermission": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/permissions/:entry_id",
    tags,
    summary: "Answer the agent's permission request (ask mode) with one of its options",
    params: PermissionParamsSchema,
    body: AnswerPermissionBodySchema,
    response: { 200: ConversationEntrySchema, ...ERROR_RESPONSES },
  }),
};
