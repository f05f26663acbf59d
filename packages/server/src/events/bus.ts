import type { StrandEvent } from "@strand/protocol";
import { asc, eq, gt, max } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database, Unlisten } from "../db/database.js";
import { events } from "../db/schema.js";
import { type Audience, audienceOfRow, EVENTS_CHANNEL, type Notification, toEvent } from "./record.js";

export interface AudiencedEvent {
  audience: Audience;
  event: StrandEvent;
}
type Subscriber = (e: AudiencedEvent) => void;

const SEEN_CAPACITY = 10_000;
// Transactions can commit out of id order, so a catch-up rereads a little before the newest id seen.
const CATCH_UP_OVERLAP = 500;

/**
 * Fans out the NOTIFY channel to in-process subscribers (WebSocket connections).
 * Every replica runs one; that is how an event made on one replica reaches sockets on another.
 */
export class EventBus {
  private readonly subscribers = new Set<Subscriber>();
  private readonly seen = new Set<number>();
  private maxSeen = 0;
  private unlisten: Unlisten | undefined;

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    // A catch-up must never replay history from before this process started.
    const [row] = await this.database.db.select({ max: max(events.id) }).from(events);
    this.maxSeen = row?.max ?? 0;
    this.unlisten = await this.database.listen(EVENTS_CHANNEL, {
      onPayload: (payload) => void this.onNotification(payload),
      onReconnect: () => void this.catchUp(),
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.subscribers.clear();
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private async onNotification(payload: string): Promise<void> {
    try {
      const n = JSON.parse(payload) as Notification;
      if ("event" in n) return this.emit({ audience: n.audience, event: n.event });
      const [row] = await this.database.db.select().from(events).where(eq(events.id, n.ref));
      if (row) this.emit({ audience: audienceOfRow(row), event: toEvent(row) });
    } catch (err) {
      this.log.warn({ err }, "dropped an unreadable event notification");
    }
  }

  private async catchUp(): Promise<void> {
    try {
      const rows = await this.database.db
        .select()
        .from(events)
        .where(gt(events.id, Math.max(0, this.maxSeen - CATCH_UP_OVERLAP)))
        .orderBy(asc(events.id))
        .limit(5_000);
      for (const row of rows) this.emit({ audience: audienceOfRow(row), event: toEvent(row) });
    } catch (err) {
      this.log.warn({ err }, "could not catch up on events after reconnecting");
    }
  }

  private emit(e: AudiencedEvent): void {
    const id = e.event.id;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    if (this.seen.size > SEEN_CAPACITY) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.maxSeen = Math.max(this.maxSeen, id);
    for (const fn of this.subscribers) {
      try {
        fn(e);
      } catch (err) {
        this.log.warn({ err }, "event subscriber threw");
      }
    }
  }
}
