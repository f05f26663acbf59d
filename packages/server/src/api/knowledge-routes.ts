import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** Knowledge sources of teams and projects (docs/knowledge.md). */
export const knowledgeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const k = ctx.knowledge;
  const actor = (req: Parameters<typeof caller>[0]) => actorOf(caller(req));
  registerRoute(app, ROUTES["knowledge.create"], async (req, reply) => {
    reply.code(201);
    return k.create(actor(req), req.body);
  });
  registerRoute(app, ROUTES["knowledge.list"], async (req) =>
    k.list(actor(req), { teamId: req.query.team_id, projectId: req.query.project_id }),
  );
  registerRoute(app, ROUTES["knowledge.get"], async (req) => k.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["knowledge.update"], async (req) => k.update(actor(req), req.params.id, req.body));
  registerRoute(app, ROUTES["knowledge.delete"], async (req) => k.delete(actor(req), req.params.id));
  registerRoute(app, ROUTES["knowledge.sync"], async (req, reply) => {
    reply.code(202);
    return k.syncNow(actor(req), req.params.id);
  });
  registerRoute(app, ROUTES["knowledge.documents"], async (req) => k.documents(actor(req), req.params.id, req.query));
  registerRoute(app, ROUTES["knowledge.document"], async (req) =>
    k.document(actor(req), req.params.id, req.params.doc_id),
  );
  registerRoute(app, ROUTES["knowledge.putDocument"], async (req) =>
    k.putDocument(actor(req), req.params.id, req.params.doc_id, req.body),
  );
  registerRoute(app, ROUTES["knowledge.deleteDocument"], async (req) =>
    k.deleteDocument(actor(req), req.params.id, req.params.doc_id),
  );
};
