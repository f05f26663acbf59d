import {
  type EventsClientMessage,
  EventsClientMessageSchema,
  type EventsServerMessage,
  ROUTES,
  type StrandEvent,
} from "@strand/protocol";
import { and, asc, gt, max } from "drizzle-orm";
import type { FastifyPluginAsync } from "fastify";
import { teamRoles } from "../auth/authenticate.js";
import type { AppContext } from "../context.js";
import { eventRetention, events } from "../db/schema.js";
import type { AudiencedEvent } from "../events/bus.js";
import { toEvent } from "../events/record.js";
import { actorOf, canView } from "../policy/policy.js";
import { eventScope } from "../policy/scopes.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

const REPLAY_LIMIT = 1_000;
// A client this far behind is not reading; it reconnects with `since` instead of growing our memory.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export const eventRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;

  registerRoute(app, ROUTES["events.watch"], async (socket, req) => {
    const auth = caller(req);
    let actor = actorOf(auth);
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
    // After a resync the client reloads state as of `last_event_id`; older events are not sent.
    let resyncedThrough = 0;
    const deliver = (event: StrandEvent) => {
      if (sent.has(event.id) || event.id <= resyncedThrough) return;
      sent.add(event.id);
      send({ type: "event", event });
    };

    // Subscribe before reading history so nothing falls between the replay and the live feed.
    // While this socket re-reads its roles (a team changed), later events wait behind it, in order.
    let rereading: Promise<void> | undefined;
    const consider = ({ audience, event }: AudiencedEvent) => {
      if (!canView(actor, { ...audience, ...("session_id" in event ? { sessionId: event.session_id } : {}) })) return;
      if (live) deliver(event);
      else backlog.push(event);
      if (event.type.startsWith("team.") && actor.kind === "user") {
        const person = actor;
        const reread = (rereading ?? Promise.resolve())
          .then(() => teamRoles(db, person.userId))
          .then((teams) => {
            actor = { ...person, teams };
          })
          .catch((err) => req.log.warn({ err }, "could not re-read team roles for an events socket"))
          .finally(() => {
            if (rereading === reread) rereading = undefined;
          });
        rereading = reread;
      }
    };
    const unsubscribe = ctx.bus.subscribe((e) => {
      if (rereading) rereading = rereading.then(() => consider(e));
      else consider(e);
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
      const scope = eventScope(actor);
      const [latest] = await db
        .select({ id: max(events.id) })
        .from(events)
        .where(scope);
      const lastEventId = latest?.id ?? 0;
      send({ type: "hello", user_id: auth.user.id, last_event_id: lastEventId });
      if (since !== undefined) {
        const [retention] = await db.select().from(eventRetention);
        const prunedThrough = retention?.prunedThrough ?? 0;
        const rows =
          since < prunedThrough
            ? []
            : await db
                .select()
                .from(events)
                .where(and(scope, gt(events.id, since)))
                .orderBy(asc(events.id))
                .limit(REPLAY_LIMIT + 1);
        if (since < prunedThrough) {
          resyncedThrough = lastEventId;
          send({
            type: "resync",
            reason: "pruned",
            last_event_id: lastEventId,
            message: `events up to ${prunedThrough} were pruned by retention; reload, then continue from ${lastEventId}`,
          });
        } else if (rows.length > REPLAY_LIMIT) {
          resyncedThrough = lastEventId;
          send({
            type: "resync",
            reason: "too_far_behind",
            last_event_id: lastEventId,
            message: `more than ${REPLAY_LIMIT} events happened since ${since}; reload, then continue from ${lastEventId}`,
          });
        } else {
          for (const row of rows) deliver(toEvent(row));
        }
      }
      live = true;
      for (const event of backlog.sort((a, b) => a.id - b.id)) deliver(event);
      backlog.length = 0;
    } catch (err) {
      req.log.warn({ err }, "events socket setup failed");
      send({ type: "error", error: "database_unavailable", message: "could not read events; reconnect shortly" });
      socket.close(1011, "server error");
    }
  });
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
