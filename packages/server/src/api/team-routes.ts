import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

export const teamRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.teams;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["teams.create"], async (req, reply) =>
    reply.code(201).send(await svc.create(actor(req), req.body)),
  );
  registerRoute(app, ROUTES["teams.list"], async (req) => ({ items: await svc.list(actor(req)) }));
  registerRoute(app, ROUTES["teams.get"], async (req) => svc.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["teams.update"], async (req) => svc.update(actor(req), req.params.id, req.body));
  registerRoute(app, ROUTES["teams.delete"], async (req, reply) => {
    await svc.remove(actor(req), req.params.id);
    return reply.code(204).send(null);
  });
  registerRoute(app, ROUTES["teams.members.list"], async (req) => ({
    items: await svc.members(actor(req), req.params.id),
  }));
  registerRoute(app, ROUTES["teams.members.add"], async (req, reply) =>
    reply.code(201).send(await svc.addMember(actor(req), req.params.id, req.body)),
  );
  registerRoute(app, ROUTES["teams.members.update"], async (req) =>
    svc.updateMember(actor(req), req.params.id, req.params.user_id, req.body.role),
  );
  registerRoute(app, ROUTES["teams.members.remove"], async (req, reply) => {
    await svc.removeMember(actor(req), req.params.id, req.params.user_id);
    return reply.code(204).send(null);
  });
};
