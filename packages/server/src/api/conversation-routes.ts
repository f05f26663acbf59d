import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** A session's conversation: prompts in, the thread out (docs/conversations.md). */
export const conversationRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.conversations;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["conversation.send"], async (req, reply) => {
    const { entry, created } = await svc.post(actor(req), req.params.id, req.body);
    return reply.code(created ? 201 : 200).send(entry);
  });
  registerRoute(app, ROUTES["conversation.list"], async (req) => svc.list(actor(req), req.params.id, req.query));
  registerRoute(app, ROUTES["conversation.cancel"], async (req) => ({
    entry: await svc.cancel(actor(req), req.params.id),
  }));
  registerRoute(app, ROUTES["conversation.answerPermission"], async (req) =>
    svc.answerPermission(actor(req), req.params.id, req.params.entry_id, req.body),
  );
};
