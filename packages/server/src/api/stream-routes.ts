import { ROUTES, type Session, StreamErrorCodes } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { toBytes } from "../lib/ws-data.js";
import { actorOf, desktopAccess } from "../policy/policy.js";
import { Viewer } from "../stream/viewer.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

declare module "fastify" {
  interface FastifyRequest {
    streamSession: Session | null;
    streamViewOnly: boolean;
  }
}

/** The viewer side of the stream gateway (docs/stream-protocol.md). */
export const streamRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.decorateRequest("streamSession", null);
  app.decorateRequest("streamViewOnly", false);

  registerRoute(
    app,
    ROUTES["sessions.stream"],
    (socket, req) => {
      const session = req.streamSession as Session;
      // A team viewer watches; asking for control does not give it to them.
      const viewOnly = req.streamViewOnly || req.query.view_only === "1" || req.query.view_only === "true";
      const viewer = new Viewer(socket, viewOnly);
      const hub = ctx.streams.hub(session.id);
      ctx.metrics.wsConnections.inc({ channel: "stream" });
      socket.on("close", () => {
        ctx.metrics.wsConnections.dec({ channel: "stream" });
        hub.removeViewer(viewer);
      });
      socket.on("error", () => socket.terminate());
      socket.on("message", (data, isBinary) => {
        try {
          if (isBinary) hub.onViewerBinary(viewer, toBytes(data));
          else hub.onViewerText(viewer, data.toString());
        } catch (err) {
          req.log.error({ err, session: session.id }, "stream viewer message failed");
          viewer.error(StreamErrorCodes.invalidMessage, "the server could not handle that message");
        }
      });
      hub.addViewer(viewer, notReadyMessage(session));
    },
    {
      // Refusals happen before the upgrade, as plain HTTP errors like the rest of the API.
      preHandler: async (req) => {
        const { session, access } = await ctx.sessions.find(actorOf(caller(req)), req.params.id, desktopAccess);
        req.streamSession = session;
        req.streamViewOnly = access !== "control";
      },
    },
  );
};

function notReadyMessage(s: Session): string {
  if (s.state === "ready") {
    return "The desktop's agent is not connected to this server right now (it is restarting, or holds its connection on another server replica). The picture starts when it connects.";
  }
  const why = s.state_reason ? ` ${s.state_reason}` : "";
  return `The session is ${s.state}, so there is no picture yet.${why} The picture starts when its desktop is up.`;
}
