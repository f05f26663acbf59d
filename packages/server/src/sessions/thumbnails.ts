import type { AgentServerMessage, ThumbnailReply } from "@strand/protocol";
import { HttpError } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";

export interface Thumbnail {
  mime: string;
  data: Buffer;
  at: number;
}

/** A thumbnail this recent is served again instead of asking agentd (several tabs, one grab). */
export const THUMBNAIL_FRESH_MS = 4_000;
export const THUMBNAIL_TIMEOUT_MS = 5_000;
const SIZE = 320;

const unavailable = (message: string) => new HttpError(503, "thumbnail_unavailable", message);

interface Waiter {
  sessionId: string;
  resolve(t: Thumbnail): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Thumbnails of the desktops whose agentd is connected to this replica: asks agentd for a still
 * (`thumbnail.request`), matches its reply by id, keeps the newest one a few seconds, and lets
 * concurrent requests for one session share a single grab.
 */
export class Thumbnails {
  private readonly links = new Map<string, (m: AgentServerMessage) => void>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly cache = new Map<string, Thumbnail>();
  private readonly inFlight = new Map<string, Promise<Thumbnail>>();

  /** Called when agentd's hello is accepted; the returned function forgets this link only. */
  attach(sessionId: string, send: (m: AgentServerMessage) => void): () => void {
    this.links.set(sessionId, send);
    return () => {
      if (this.links.get(sessionId) !== send) return;
      this.links.delete(sessionId);
      this.cache.delete(sessionId);
      for (const [id, w] of this.waiters) {
        if (w.sessionId !== sessionId) continue;
        this.settle(id)?.reject(unavailable("the desktop's agent disconnected before it sent the thumbnail"));
      }
    };
  }

  onReply(sessionId: string, msg: ThumbnailReply): void {
    const w = this.waiters.get(msg.id);
    if (!w || w.sessionId !== sessionId) return;
    this.settle(msg.id);
    if (msg.error !== undefined || !msg.data || !msg.mime) {
      w.reject(unavailable(`the desktop could not take a thumbnail: ${msg.error ?? "empty reply"}`));
      return;
    }
    const t: Thumbnail = { mime: msg.mime, data: Buffer.from(msg.data, "base64"), at: Date.now() };
    this.cache.set(sessionId, t);
    w.resolve(t);
  }

  get(sessionId: string): Promise<Thumbnail> {
    const cached = this.cache.get(sessionId);
    if (cached && Date.now() - cached.at < THUMBNAIL_FRESH_MS) return Promise.resolve(cached);
    let p = this.inFlight.get(sessionId);
    if (!p) {
      p = this.ask(sessionId).finally(() => this.inFlight.delete(sessionId));
      this.inFlight.set(sessionId, p);
    }
    return p;
  }

  close(): void {
    for (const id of [...this.waiters.keys()]) this.settle(id)?.reject(unavailable("the server is shutting down"));
  }

  private ask(sessionId: string): Promise<Thumbnail> {
    const send = this.links.get(sessionId);
    if (!send) {
      return Promise.reject(
        unavailable(
          "the session's desktop is not connected to this server (it is not running yet, or its agent holds its connection on another replica)",
        ),
      );
    }
    const id = newId("thb");
    return new Promise<Thumbnail>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id);
        reject(unavailable(`the desktop did not send a thumbnail within ${THUMBNAIL_TIMEOUT_MS / 1000} s`));
      }, THUMBNAIL_TIMEOUT_MS);
      timer.unref();
      this.waiters.set(id, { sessionId, resolve, reject, timer });
      send({ type: "thumbnail.request", id, max_width: SIZE, max_height: SIZE });
    });
  }

  private settle(id: string): Waiter | undefined {
    const w = this.waiters.get(id);
    if (!w) return undefined;
    clearTimeout(w.timer);
    this.waiters.delete(id);
    return w;
  }
}
