import {
  type EventsClientMessage,
  EventsClientMessageSchema,
  type EventsServerMessage,
  type StrandEvent,
} from "@strand/protocol";
import { and, asc, eq, gt, max } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { sessionEvents } from "../db/schema.js";
import { toEvent } from "../events/record.js";
import { caller } from "./require-auth.js";

const REPLAY_LIMIT = 1_000;
// A client this far behind is not reading; it reconnects with `since` instead of growing our memory.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export const eventRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;

  app.get(
    "/events",
    {
      websocket: true,
      schema: {
        tags: ["events"],
        summary: "WebSocket of your session changes; `since` replays what you missed",
        querystring: z.strictObject({ since: z.coerce.number().int().min(0).optional() }),
      },
    },
    async (socket, req) => {
      const ownerId = caller(req).user.id;
      const send = (msg: EventsServerMessage) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.close(1013, "client too slow; reconnect with ?since=<last event id>");
          return;
        }
        socket.send(JSON.stringify(msg));
      };
      const sent = new Set<number>();
      let live = false;
      const backlog: StrandEvent[] = [];
      const deliver = (event: StrandEvent) => {
        if (sent.has(event.id)) return;
        sent.add(event.id);
        send({ type: "event", event });
      };

      // Subscribe before reading history so nothing falls between the replay and the live feed.
      const unsubscribe = ctx.bus.subscribe(({ ownerId: owner, event }) => {
        if (owner !== ownerId) return;
        if (live) deliver(event);
        else backlog.push(event);
      });
      ctx.metrics.wsConnections.inc({ channel: "events" });
      socket.on("close", () => {
        unsubscribe();
        ctx.metrics.wsConnections.dec({ channel: "events" });
      });
      socket.on("error", () => socket.terminate());
      socket.on("message", (data, isBinary) => onClientMessage(data.toString(), isBinary, send));

      try {
        const since = req.query.since;
        const [latest] = await db
          .select({ id: max(sessionEvents.id) })
          .from(sessionEvents)
          .where(eq(sessionEvents.ownerId, ownerId));
        send({ type: "hello", user_id: ownerId, last_event_id: latest?.id ?? 0 });
        if (since !== undefined) {
          const rows = await db
            .select()
            .from(sessionEvents)
            .where(and(eq(sessionEvents.ownerId, ownerId), gt(sessionEvents.id, since)))
            .orderBy(asc(sessionEvents.id))
            .limit(REPLAY_LIMIT);
          for (const row of rows) deliver(toEvent(row));
        }
        live = true;
        for (const event of backlog.sort((a, b) => a.id - b.id)) deliver(event);
        backlog.length = 0;
      } catch (err) {
        req.log.warn({ err }, "events socket setup failed");
        send({ type: "error", error: "database_unavailable", message: "could not read events; reconnect shortly" });
        socket.close(1011, "server error");
      }
    },
  );
};

function onClientMessage(text: string, isBinary: boolean, send: (m: EventsServerMessage) => void): void {
  let msg: EventsClientMessage;
  try {
    if (isBinary) throw new Error("binary");
    msg = EventsClientMessageSchema.parse(JSON.parse(text));
  } catch {
    send({ type: "error", error: "invalid_message", message: 'expected JSON text such as {"type":"ping"}' });
    return;
  }
  if (msg.type === "ping") send(msg.t === undefined ? { type: "pong" } : { type: "pong", t: msg.t });
}
