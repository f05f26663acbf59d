import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf, desktopAccess } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** A small still of a session's desktop for the fleet view (taken by agentd on request). */
export const thumbnailRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  registerRoute(app, ROUTES["sessions.thumbnail"], async (req, reply) => {
    const { session } = await ctx.sessions.find(actorOf(caller(req)), req.params.id, desktopAccess);
    const t = await ctx.thumbnails.get(session.id);
    return reply
      .header("content-type", t.mime)
      .header("cache-control", "private, max-age=5")
      .header("last-modified", new Date(t.at).toUTCString())
      .send(t.data);
  });
};
