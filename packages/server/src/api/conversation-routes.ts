import {
  AnswerPermissionBodySchema,
  ConversationEntrySchema,
  ListMessagesQuerySchema,
  MessageListSchema,
  PostMessageBodySchema,
} from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { ERROR_RESPONSES } from "./error-responses.js";
import { caller } from "./require-auth.js";

const Params = z.object({ id: z.string().max(100) });
const errors = ERROR_RESPONSES;

/** A session's conversation: prompts in, the thread out (docs/conversations.md). */
export const conversationRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.conversations;
  const tags = ["conversation"];

  app.post(
    "/sessions/:id/messages",
    {
      schema: {
        tags,
        summary: "Send a prompt; it waits (queued) until the agent is ready and runs after the ones before it",
        description:
          "Idempotent by `request_id`: sending the same request again returns the stored message with 200; " +
          "reusing a `request_id` for different content is a 409.",
        params: Params,
        body: PostMessageBodySchema,
        response: { 200: ConversationEntrySchema, 201: ConversationEntrySchema, ...errors },
      },
    },
    async (req, reply) => {
      const { entry, created } = await svc.post(actorOf(caller(req)), req.params.id, req.body);
      return reply.code(created ? 201 : 200).send(entry);
    },
  );

  app.get(
    "/sessions/:id/messages",
    {
      schema: {
        tags,
        summary: "Read the conversation in order; page with `after` (the last `seq` you have)",
        params: Params,
        querystring: ListMessagesQuerySchema,
        response: { 200: MessageListSchema, ...errors },
      },
    },
    async (req) => svc.list(actorOf(caller(req)), req.params.id, req.query),
  );

  app.post(
    "/sessions/:id/cancel",
    {
      schema: {
        tags,
        summary: "Cancel the prompt the agent is working on; `entry` is null when nothing was running",
        params: Params,
        response: { 200: z.object({ entry: ConversationEntrySchema.nullable() }), ...errors },
      },
    },
    async (req) => ({ entry: await svc.cancel(actorOf(caller(req)), req.params.id) }),
  );

  app.post(
    "/sessions/:id/permissions/:entry_id",
    {
      schema: {
        tags,
        summary: "Answer the agent's permission request (ask mode) with one of its options",
        params: Params.extend({ entry_id: z.string().max(100) }),
        body: AnswerPermissionBodySchema,
        response: { 200: ConversationEntrySchema, ...errors },
      },
    },
    async (req) => svc.answerPermission(actorOf(caller(req)), req.params.id, req.params.entry_id, req.body),
  );
};
