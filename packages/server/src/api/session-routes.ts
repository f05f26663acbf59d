import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

export const sessionRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.sessions;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["sessions.create"], async (req, reply) =>
    reply.code(201).send(await svc.create(actor(req), req.body)),
  );
  registerRoute(app, ROUTES["sessions.list"], async (req) => svc.list(actor(req), req.query));
  registerRoute(app, ROUTES["sessions.get"], async (req) => svc.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["sessions.update"], async (req) => svc.update(actor(req), req.params.id, req.body));
  registerRoute(app, ROUTES["sessions.delete"], async (req, reply) => {
    const { session, deleted } = await svc.remove(actor(req), req.params.id);
    return reply.code(deleted ? 200 : 202).send(session);
  });
  registerRoute(app, ROUTES["sessions.stop"], async (req) => svc.stop(actor(req), req.params.id));
  registerRoute(app, ROUTES["sessions.start"], async (req) => svc.start(actor(req), req.params.id));
};
