import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** A task's spec documents, their revisions and diffs, and review threads on selections of them. */
export const specRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.specs;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["specs.get"], async (req) => svc.get(actor(req), req.params.id, req.query.revision));
  registerRoute(app, ROUTES["specs.revisions"], async (req) => svc.revisions(actor(req), req.params.id));
  registerRoute(app, ROUTES["specs.diff"], async (req) =>
    svc.diff(actor(req), req.params.id, req.query.from, req.query.to),
  );
  registerRoute(app, ROUTES["specs.threads.list"], async (req) => svc.listThreads(actor(req), req.params.id));
  registerRoute(app, ROUTES["specs.threads.create"], async (req, reply) =>
    reply.code(201).send(await svc.createThread(actor(req), req.params.id, req.body)),
  );
  registerRoute(app, ROUTES["specs.threads.reply"], async (req, reply) =>
    reply.code(201).send(await svc.reply(actor(req), req.params.id, req.params.thread_id, req.body.body)),
  );
  registerRoute(app, ROUTES["specs.threads.update"], async (req) =>
    svc.setResolved(actor(req), req.params.id, req.params.thread_id, req.body.resolved),
  );
};
