import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** The inbox, preferences, and projects' outgoing webhooks (docs/notifications.md). */
export const notificationRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.notifications;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["notifications.list"], async (req) => svc.list(actor(req), req.query));
  registerRoute(app, ROUTES["notifications.read"], async (req) => svc.markRead(actor(req), req.body.ids));
  registerRoute(app, ROUTES["notifications.preferences.get"], async (req) => svc.preferences(actor(req)));
  registerRoute(app, ROUTES["notifications.preferences.update"], async (req) =>
    svc.updatePreferences(actor(req), req.body),
  );

  registerRoute(app, ROUTES["webhooks.list"], async (req) => svc.listWebhooks(actor(req), req.params.id));
  registerRoute(app, ROUTES["webhooks.create"], async (req, reply) =>
    reply.code(201).send(await svc.createWebhook(actor(req), req.params.id, req.body)),
  );
  registerRoute(app, ROUTES["webhooks.update"], async (req) =>
    svc.updateWebhook(actor(req), req.params.id, req.params.webhook_id, req.body),
  );
  registerRoute(app, ROUTES["webhooks.delete"], async (req, reply) => {
    await svc.deleteWebhook(actor(req), req.params.id, req.params.webhook_id);
    return reply.code(204).send(null);
  });
  registerRoute(app, ROUTES["webhooks.deliveries"], async (req) =>
    svc.deliveries(actor(req), req.params.id, req.params.webhook_id),
  );
};
