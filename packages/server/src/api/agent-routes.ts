import { type AgentClientMessage, AgentClientMessageSchema, type AgentServerMessage } from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../context.js";
import { caller, requireAuth } from "./require-auth.js";

/** strand-agentd dials here from inside its desktop with the session token. */
export const agentRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  requireAuth(app, ctx.database.db, { sessionTokens: "only" });

  app.get(
    "/agent/connect",
    { websocket: true, schema: { tags: ["agent"], summary: "strand-agentd's connection (session token only)" } },
    (socket, req) => {
      const sessionId = caller(req).sessionId as string;
      const send = (m: AgentServerMessage) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m));
      ctx.metrics.wsConnections.inc({ channel: "agent" });
      socket.on("close", () => ctx.metrics.wsConnections.dec({ channel: "agent" }));
      socket.on("error", () => socket.terminate());
      socket.on("message", (data) => {
        let msg: AgentClientMessage;
        try {
          msg = AgentClientMessageSchema.parse(JSON.parse(data.toString()));
        } catch {
          send({ type: "error", error: "invalid_message", message: "expected a JSON hello or ping" });
          return;
        }
        if (msg.type === "ping") return void send({ type: "pong", t: msg.t });
        if (msg.session_id !== sessionId) {
          send({ type: "error", error: "forbidden", message: "this token belongs to another session" });
          socket.close(1008, "wrong session");
          return;
        }
        ctx.agents.onHello(sessionId).then(
          () => send({ type: "welcome", session_id: sessionId }),
          (err: Error) => {
            req.log.warn({ err, session: sessionId }, "agent hello failed");
            send({ type: "error", error: "not_ready", message: err.message });
          },
        );
      });
    },
  );
};
