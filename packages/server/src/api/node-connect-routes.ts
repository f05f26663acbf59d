import { type NodeToServer, NodeToServerSchema, ROUTES, type ServerToNode } from "@strand/protocol";
import { eq } from "drizzle-orm";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { nodes } from "../db/schema.js";
import { RemoteNodeDriver } from "../nodes/remote-driver.js";
import { registerRoute } from "./register-route.js";

const HELLO_TIMEOUT_MS = 10_000;
const PING_MS = 10_000;

/** `strand node` dials here with an admin's API token and is then driven like the embedded node. */
export const nodeConnectRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;

  registerRoute(app, ROUTES["nodes.connect"], (socket, req) => {
    const send = (m: ServerToNode) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m));
    let driver: RemoteNodeDriver | undefined;
    let nodeId: string | undefined;
    let alive = true;
    const helloTimer = setTimeout(() => socket.close(1008, "no hello within 10 s"), HELLO_TIMEOUT_MS);
    // A node whose host vanished never closes its socket: ping, and drop it when pongs stop.
    const pinger = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, PING_MS);
    socket.on("pong", () => {
      alive = true;
    });
    socket.on("error", () => socket.terminate());
    socket.on("close", () => {
      clearTimeout(helloTimer);
      clearInterval(pinger);
      driver?.close("socket closed");
      if (nodeId) void ctx.nodes.detach(nodeId);
    });
    socket.on("message", (data) => {
      let msg: NodeToServer;
      try {
        msg = NodeToServerSchema.parse(JSON.parse(data.toString()));
      } catch (err) {
        send({ type: "error", error: "invalid_message", message: `unreadable message: ${(err as Error).message}` });
        return;
      }
      if (msg.type === "hello") {
        if (driver) return;
        clearTimeout(helloTimer);
        // Nodes of versions before node ids send none; their name was their identity.
        const id = msg.node_id ?? msg.name;
        if (ctx.nodes.has(id)) {
          send({ type: "error", error: "conflict", message: `node ${id} (${msg.name}) is already connected` });
          socket.close(1008, "duplicate node id");
          return;
        }
        const d = new RemoteNodeDriver(
          id,
          msg.name,
          msg.max_sessions,
          { mode: msg.disk_limits ?? "none", ...(msg.disk_note ? { note: msg.disk_note } : {}) },
          send,
        );
        driver = d;
        ctx.nodes.attach(d).then(
          async (id) => {
            nodeId = id;
            await db.update(nodes).set({ version: msg.version }).where(eq(nodes.id, id));
            send({ type: "welcome", node_id: id });
          },
          (err: Error) => {
            req.log.warn({ err, node: msg.name }, "could not attach node");
            send({ type: "error", error: "attach_failed", message: err.message });
            socket.close(1011, "attach failed");
          },
        );
        return;
      }
      if (!driver) {
        send({ type: "error", error: "hello_first", message: "send hello first" });
        return;
      }
      if (msg.type === "heartbeat") {
        driver.receive(msg);
        if (nodeId)
          void db
            .update(nodes)
            .set({
              lastHeartbeatAt: new Date(),
              status: "online",
              ...(msg.disk_free_mb !== undefined ? { diskFreeMb: msg.disk_free_mb } : {}),
            })
            .where(eq(nodes.id, nodeId))
            .catch(() => {});
        return;
      }
      driver.receive(msg);
    });
  });
};
