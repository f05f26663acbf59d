import { type MoveTaskBody, type RequestChangesBody, ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** The board: tasks and their state machine (docs/tasks.md), and the agent's view of its own task. */
export const taskRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.tasks;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["tasks.create"], async (req, reply) =>
    reply.code(201).send(await svc.create(actor(req), req.params.id, req.body)),
  );
  registerRoute(app, ROUTES["tasks.list"], async (req) => svc.list(actor(req), req.params.id, req.query));
  registerRoute(app, ROUTES["tasks.get"], async (req) => svc.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["tasks.update"], async (req) => svc.update(actor(req), req.params.id, req.body));
  registerRoute(app, ROUTES["tasks.delete"], async (req, reply) => {
    await svc.remove(actor(req), req.params.id);
    return reply.code(204).send(null);
  });
  registerRoute(app, ROUTES["tasks.start"], async (req) => svc.start(actor(req), req.params.id));
  registerRoute(app, ROUTES["tasks.approve"], async (req) => svc.approve(actor(req), req.params.id));
  registerRoute(app, ROUTES["tasks.requestChanges"], async (req) =>
    // The table's action() types bodies loosely; the schema has validated this one.
    svc.requestChanges(actor(req), req.params.id, (req.body ?? {}) as RequestChangesBody),
  );
  registerRoute(app, ROUTES["tasks.cancel"], async (req) => svc.cancel(actor(req), req.params.id));
  registerRoute(app, ROUTES["tasks.retry"], async (req) => svc.retry(actor(req), req.params.id));
  registerRoute(app, ROUTES["tasks.nudge"], async (req) => svc.nudge(actor(req), req.params.id));
  registerRoute(app, ROUTES["tasks.move"], async (req) =>
    svc.move(actor(req), req.params.id, req.body as MoveTaskBody),
  );
  registerRoute(app, ROUTES["tasks.attachments.add"], async (req, reply) =>
    reply.code(201).send(await svc.addAttachment(actor(req), req.params.id, req.body)),
  );
  registerRoute(app, ROUTES["tasks.attachments.delete"], async (req, reply) => {
    await svc.removeAttachment(actor(req), req.params.id, req.params.attachment_id);
    return reply.code(204).send(null);
  });

  registerRoute(app, ROUTES["agent.task.get"], async (req) => svc.agentTask(actor(req)));
  registerRoute(app, ROUTES["agent.task.tick"], async (req) => svc.tick(actor(req), req.body));
  registerRoute(app, ROUTES["agent.task.ask"], async (req, reply) => {
    await svc.ask(actor(req), req.body);
    return reply.code(201).send({ ok: true as const });
  });
};
