import type { EventsServerMessage, StrandEvent } from "@strand/protocol";
import WebSocket from "ws";

export interface WatchEventsOptions {
  url: string;
  headers: Record<string, string>;
  /** Replay events after this id first; without it, only events from the first connection on. */
  since?: number;
  /** Stops watching: the socket closes and the iteration ends. */
  signal?: AbortSignal;
  /** Told when a socket drops, before the next attempt (for a "reconnecting…" hint). */
  onDisconnect?: (reason: string) => void;
  /**
   * Told when the events since the last one seen can no longer be replayed (pruned by retention,
   * or too many): whatever the consumer built from them should be read again. The feed goes on
   * from `lastEventId`.
   */
  onResync?: (lastEventId: number, reason: string) => void;
  /** First wait before reconnecting; doubles up to 10 s, back to this after a good connection. */
  retryMs?: number;
}

/** A live feed of events that survives dropped sockets. */
export interface EventWatch extends AsyncIterable<StrandEvent> {
  /** Resolves with the server's `last_event_id` once the first socket is open. */
  readonly connected: Promise<number>;
  close(): void;
}

/**
 * Follows `/api/v1/events`. After a drop it reconnects with `since` = the last id it handed out
 * (or the id the server reported on the first hello), and skips any id it already yielded, so the
 * consumer sees each event once and in order.
 */
export function watchEvents(opts: WatchEventsOptions): EventWatch {
  const queue: StrandEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: Error | undefined;
  let lastId = opts.since;
  let ws: WebSocket | undefined;
  let retry = opts.retryMs ?? 500;
  let everConnected = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveConnected!: (id: number) => void;
  let rejectConnected!: (err: Error) => void;
  const connected = new Promise<number>((res, rej) => {
    resolveConnected = res;
    rejectConnected = rej;
  });
  // A caller that never awaits `connected` must not get an unhandled rejection.
  connected.catch(() => {});

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    failure = err;
    if (err) rejectConnected(err);
    else rejectConnected(new Error("stopped watching before the events socket opened"));
    clearTimeout(timer);
    ws?.close();
    notify();
  };
  opts.signal?.addEventListener("abort", () => finish(), { once: true });

  const connect = () => {
    if (done) return;
    const url = new URL(opts.url);
    if (lastId !== undefined) url.searchParams.set("since", String(lastId));
    const sock = new WebSocket(url, { headers: opts.headers });
    ws = sock;
    let opened = false;
    sock.on("unexpected-response", (_req, res) => {
      // 401/403/404 will not heal by retrying: end with the reason instead of looping.
      const status = res.statusCode ?? 0;
      res.resume();
      if (status >= 400 && status < 500) {
        finish(new Error(`the events socket was refused with HTTP ${status}; check your token (strand login)`));
      }
      sock.terminate();
    });
    sock.on("message", (data) => {
      let msg: EventsServerMessage;
      try {
        msg = JSON.parse(data.toString()) as EventsServerMessage;
      } catch {
        return; // a frame we cannot read is not worth stopping for
      }
      if (msg.type === "hello") {
        opened = true;
        retry = opts.retryMs ?? 500;
        if (lastId === undefined) lastId = msg.last_event_id;
        if (!everConnected) {
          everConnected = true;
          resolveConnected(msg.last_event_id);
        }
      } else if (msg.type === "resync") {
        lastId = msg.last_event_id;
        opts.onResync?.(msg.last_event_id, msg.message);
      } else if (msg.type === "event") {
        if (lastId !== undefined && msg.event.id <= lastId) return;
        lastId = msg.event.id;
        queue.push(msg.event);
        notify();
      }
    });
    sock.on("error", () => {}); // "close" follows and decides what to do
    sock.on("close", (code, reason) => {
      if (done) return;
      if (!everConnected) {
        // Never connected at all: a wrong URL or a server that is down; say so instead of waiting.
        finish(new Error(`cannot open the events socket at ${opts.url}; is the server running?`));
        return;
      }
      opts.onDisconnect?.(reason.toString() || (opened ? `socket closed (${code})` : "cannot connect"));
      timer = setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    });
  };
  connect();

  return {
    connected,
    close: () => finish(),
    async *[Symbol.asyncIterator]() {
      try {
        while (true) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          if (done) {
            if (failure) throw failure;
            return;
          }
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        finish();
      }
    },
  };
}
