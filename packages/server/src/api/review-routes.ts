import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** Review threads on a session's changes, and handing them (or a conflict) to its agent. */
export const reviewRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.reviewThreads;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["review.threads.list"], async (req) => svc.list(actor(req), req.params.id));
  registerRoute(app, ROUTES["review.threads.create"], async (req, reply) =>
    reply.code(201).send(await svc.create(actor(req), req.params.id, req.body)),
  );
  registerRoute(app, ROUTES["review.threads.reply"], async (req, reply) =>
    reply.code(201).send(await svc.reply(actor(req), req.params.id, req.params.thread_id, req.body.body)),
  );
  registerRoute(app, ROUTES["review.threads.update"], async (req) =>
    svc.setResolved(actor(req), req.params.id, req.params.thread_id, req.body.resolved),
  );
  registerRoute(app, ROUTES["review.send"], async (req) => svc.send(actor(req), req.params.id));
  registerRoute(app, ROUTES["review.resolveConflicts"], async (req) => svc.resolveConflicts(actor(req), req.params.id));
};
