import type { EventsServerMessage, StrandEvent } from "@strand/protocol";
import { eventsUrl } from "../api/client.js";

export type LiveState = "connecting" | "live" | "offline";

export interface LiveEventHandlers {
  onEvent(event: StrandEvent): void;
  /**
   * The socket is (again) live: lists read before it opened, or a replay that hit its limit, may
   * have missed changes, so they are read again.
   */
  onResync(): void;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const PING_MS = 25_000;

/**
 * One `/api/v1/events` socket for the whole page. Reconnects with `?since=<last id>` so nothing
 * that happened while it was away is missed, and drops duplicates by event id.
 */
export class LiveEvents {
  private ws: WebSocket | undefined;
  private lastId: number | undefined;
  private backoff = BACKOFF_MIN_MS;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private stateValue: LiveState = "connecting";
  private readonly listeners = new Set<() => void>();

  constructor(private readonly handlers: LiveEventHandlers) {}

  get state(): LiveState {
    return this.stateValue;
  }

  /** For useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    this.closed = false;
    this.dial();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.ping);
    this.ws?.close();
    this.ws = undefined;
  }

  private setState(s: LiveState): void {
    if (s === this.stateValue) return;
    this.stateValue = s;
    for (const l of this.listeners) l();
  }

  private dial(): void {
    const ws = new WebSocket(eventsUrl(this.lastId));
    this.ws = ws;
    ws.onmessage = (e) => {
      let msg: EventsServerMessage;
      try {
        msg = JSON.parse(String(e.data)) as EventsServerMessage;
      } catch {
        return;
      }
      if (msg.type === "hello") {
        this.backoff = BACKOFF_MIN_MS;
        // The first hello sets the starting point; later ones were asked for with `since`.
        this.lastId ??= msg.last_event_id;
        this.setState("live");
        this.handlers.onResync();
      } else if (msg.type === "resync") {
        // The gap cannot be replayed (pruned, or too long): reload, and go on from the server's now.
        this.lastId = msg.last_event_id;
        this.handlers.onResync();
      } else if (msg.type === "event") {
        if (this.lastId !== undefined && msg.event.id <= this.lastId) return;
        this.lastId = msg.event.id;
        this.handlers.onEvent(msg.event);
      }
    };
    ws.onopen = () => {
      clearInterval(this.ping);
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), PING_MS);
    };
    ws.onclose = () => {
      clearInterval(this.ping);
      if (this.ws !== ws || this.closed) return;
      this.setState("offline");
      this.retry = setTimeout(() => this.dial(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    };
  }
}
