import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** Search over every conversation the caller may see (docs/search.md). */
export const searchRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  registerRoute(app, ROUTES["search.query"], async (req) => ctx.search.search(actorOf(caller(req)), req.query));
  registerRoute(app, ROUTES["search.status"], async (req) => ctx.search.status(actorOf(caller(req))));
};
