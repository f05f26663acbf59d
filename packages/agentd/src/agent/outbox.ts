import { type AgentClientMessage, MAX_AGENT_MESSAGE_BYTES } from "@strand/protocol";
import type { Log } from "../log.js";

/** A durable chat message before its `mid` is stamped on. */
export type Durable = AgentClientMessage extends infer M ? (M extends { mid: string } ? Omit<M, "mid"> : never) : never;

export interface OutboxLink {
  send(msg: AgentClientMessage): void;
}

/** Unacked messages older than this are sent again even if the socket never dropped. */
const RETRY_AFTER_MS = 10_000;

interface Item {
  mid: string;
  msg: Durable;
  sentAt: number;
}

/**
 * Keeps every durable chat message until the server acks it, and sends them again, in their
 * original order, after a reconnect. A newer copy under the same key (the next revision of an
 * entry) replaces the older one in place, so a resend only carries the latest state and entries
 * still reach the server in the order they were created.
 */
export class Outbox {
  private readonly items = new Map<string, Item>();
  private readonly keyOfMid = new Map<string, string>();
  private counter = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly link: OutboxLink,
    private readonly log: Log,
    /** Makes mids unique across agentd processes. */
    private readonly prefix: string,
    retryAfterMs = RETRY_AFTER_MS,
  ) {
    this.timer = setInterval(() => this.retry(retryAfterMs), Math.max(50, retryAfterMs / 2));
    this.timer.unref();
  }

  push(key: string, msg: Durable): void {
    // Past the server's WebSocket limit, the message would close the link on every resend.
    const size = Buffer.byteLength(JSON.stringify(msg));
    if (size > MAX_AGENT_MESSAGE_BYTES) {
      this.log("error", "dropped a chat message too large for the server link", { type: msg.type, key, size });
      return;
    }
    const old = this.items.get(key);
    if (old) this.keyOfMid.delete(old.mid);
    const mid = `${this.prefix}.${++this.counter}`;
    const item = { mid, msg, sentAt: Date.now() };
    this.items.set(key, item);
    this.keyOfMid.set(mid, key);
    this.send(item);
  }

  ack(mid: string, error?: string): void {
    const key = this.keyOfMid.get(mid);
    if (key === undefined) return; // a superseded copy, or a duplicate ack
    this.keyOfMid.delete(mid);
    const item = this.items.get(key);
    this.items.delete(key);
    if (error) this.log("warn", "the server refused a chat message; dropped it", { type: item?.msg.type, key, error });
  }

  /** The link (re)opened: everything not yet acked goes again, in order. */
  resendAll(): void {
    for (const item of this.items.values()) this.send(item);
  }

  get pending(): number {
    return this.items.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private retry(olderThanMs: number): void {
    const cutoff = Date.now() - olderThanMs;
    for (const item of this.items.values()) if (item.sentAt < cutoff) this.send(item);
  }

  private send(item: Item): void {
    item.sentAt = Date.now();
    this.link.send({ ...item.msg, mid: item.mid } as AgentClientMessage);
  }
}
