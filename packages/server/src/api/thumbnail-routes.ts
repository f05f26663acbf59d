import { ApiErrorSchema } from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { actorOf, desktopAccess } from "../policy/policy.js";
import { caller } from "./require-auth.js";

const Params = z.object({ id: z.string().max(100) });

/** A small still of a session's desktop for the fleet view (taken by agentd on request). */
export const thumbnailRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    "/sessions/:id/thumbnail",
    {
      schema: {
        tags: ["sessions"],
        summary: "A small JPEG of the session's desktop (at most 320 px wide), a few seconds old at most",
        description:
          "Taken by the session's agent on request, not decoded from the stream, so it costs nothing while " +
          "nobody looks. 503 `thumbnail_unavailable` when the desktop is not running or its agent is " +
          "connected to another replica.",
        params: Params,
        querystring: z.object({ t: z.string().max(40).optional().describe("Ignored; lets a page bypass its cache.") }),
        response: {
          200: z.any().describe("image/jpeg"),
          401: ApiErrorSchema,
          404: ApiErrorSchema,
          503: ApiErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const { session } = await ctx.sessions.find(actorOf(caller(req)), req.params.id, desktopAccess);
      const t = await ctx.thumbnails.get(session.id);
      return reply
        .header("content-type", t.mime)
        .header("cache-control", "private, max-age=5")
        .header("last-modified", new Date(t.at).toUTCString())
        .send(t.data);
    },
  );
};
