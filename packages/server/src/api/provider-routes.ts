import { ErrorCodes, ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { HttpError } from "../lib/http-error.js";
import { actorOf } from "../policy/policy.js";
import { discoverModels, ProviderCallError, testProvider } from "../providers/discovery.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

export const providerRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const store = ctx.providers;
  const net = { dispatcher: ctx.upstream, guard: store.guard };
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["providers.create"], async (req, reply) =>
    reply.code(201).send(await store.create(actor(req), req.body)),
  );
  registerRoute(app, ROUTES["providers.list"], async (req) => ({ items: await store.list(actor(req)) }));
  registerRoute(app, ROUTES["providers.get"], async (req) => store.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["providers.update"], async (req) => store.update(actor(req), req.params.id, req.body));
  registerRoute(app, ROUTES["providers.delete"], async (req) => store.remove(actor(req), req.params.id));

  registerRoute(app, ROUTES["providers.models"], async (req) => {
    const p = await store.resolveById(actor(req), req.params.id);
    try {
      const models = await discoverModels(net, p);
      return { items: models.map((m) => ({ ...m, model: `${p.name}/${m.id}` })) };
    } catch (err) {
      if (!(err instanceof ProviderCallError)) throw err;
      const code =
        err.error === "address_refused"
          ? ErrorCodes.providerAddressRefused
          : err.error === "unreachable" || err.error === "timeout"
            ? ErrorCodes.providerUnreachable
            : ErrorCodes.providerError;
      throw new HttpError(502, code, `listing the models of ${p.name} failed: ${err.message}`, {
        reason: err.error,
        status: err.status,
      });
    }
  });

  registerRoute(app, ROUTES["providers.test"], async (req) => {
    const p = await store.resolveById(actor(req), req.params.id);
    return testProvider(net, p, req.body?.model);
  });
};
