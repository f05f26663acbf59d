import { type AgentClientMessage, AgentClientMessageSchema, type AgentServerMessage, ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { CHAT_MESSAGE_TYPES, type AgentLink as ChatLink, rejectUnreadable } from "../conversations/hub.js";
import { toBytes } from "../lib/ws-data.js";
import type { AgentLink, StreamHub } from "../stream/hub.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** strand-agentd dials here from inside its desktop with the session token. */
export const agentRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  registerRoute(app, ROUTES["agent.connect"], (socket, req) => {
    const sessionId = caller(req).sessionId as string;
    const send = (m: AgentServerMessage) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m));
    // The stream hub takes this socket once agentd's hello is accepted.
    let hub: StreamHub | undefined;
    let chat: ChatLink | undefined;
    let detachThumbnails: (() => void) | undefined;
    let closed = false;
    const link: AgentLink = {
      send,
      sendBinary: (frame) => socket.readyState === socket.OPEN && socket.send(frame, { binary: true }),
    };
    ctx.metrics.wsConnections.inc({ channel: "agent" });
    socket.on("close", () => {
      closed = true;
      ctx.metrics.wsConnections.dec({ channel: "agent" });
      hub?.detachAgent(link);
      chat?.detach();
      detachThumbnails?.();
    });
    socket.on("error", () => socket.terminate());
    socket.on("message", (data, isBinary) => {
      if (isBinary) {
        hub?.onAgentBinary(toBytes(data));
        return;
      }
      let msg: AgentClientMessage;
      try {
        msg = AgentClientMessageSchema.parse(JSON.parse(data.toString()));
      } catch (err) {
        send({
          type: "error",
          error: "invalid_message",
          message: "expected a JSON agent message (hello, ping, stream.*, turn.*, entry.upsert, …)",
        });
        rejectUnreadable(data.toString(), err, send);
        return;
      }
      if (msg.type === "ping") return void send({ type: "pong", t: msg.t });
      if (CHAT_MESSAGE_TYPES.has(msg.type)) return void chat?.handle(msg);
      if (msg.type === "thumbnail") return void (hub && ctx.thumbnails.onReply(sessionId, msg));
      if (msg.type !== "hello") return void hub?.onAgentMessage(msg);
      if (msg.session_id !== sessionId) {
        send({ type: "error", error: "forbidden", message: "this token belongs to another session" });
        socket.close(1008, "wrong session");
        return;
      }
      // Attached at once, so chat messages sent right behind the hello queue after its reconcile step.
      chat = ctx.conversationHub.attach(sessionId, msg.instance, send);
      ctx.agents.onHello(sessionId).then(
        () => {
          send({ type: "welcome", session_id: sessionId });
          if (closed || hub) return;
          hub = ctx.streams.hub(sessionId);
          hub.attachAgent(link);
          detachThumbnails = ctx.thumbnails.attach(sessionId, send);
        },
        (err: Error) => {
          req.log.warn({ err, session: sessionId }, "agent hello failed");
          send({ type: "error", error: "not_ready", message: err.message });
        },
      );
    });
  });
};
