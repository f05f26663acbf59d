import pg from "pg";
import type { Logger } from "pino";
import type { ListenHandler, Unlisten } from "./database.js";

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * LISTEN needs one long-lived connection outside the pool. This keeps it alive across
 * database restarts: on error it reconnects with backoff and re-issues every LISTEN.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly handlers = new Map<string, Set<ListenHandler>>();
  private closed = false;
  private backoff = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  async listen(channel: string, handler: ListenHandler): Promise<Unlisten> {
    let set = this.handlers.get(channel);
    const isNew = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    await this.ensureConnected();
    if (isNew && this.client) await this.client.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      set.delete(handler);
      if (set.size === 0) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  private ensureConnected(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    client.on("error", (err) => this.onLost(client, err));
    client.on("end", () => this.onLost(client, new Error("connection ended")));
    client.on("notification", (msg) => {
      const set = this.handlers.get(msg.channel);
      if (!set || msg.payload === undefined) return;
      for (const h of set) h.onPayload(msg.payload);
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.client = client;
    this.backoff = RECONNECT_MIN_MS;
  }

  private onLost(client: pg.Client, err: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.log.warn({ err: err.message }, "lost the PostgreSQL LISTEN connection; reconnecting");
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ensureConnected().then(
        () => {
          this.log.info("PostgreSQL LISTEN connection restored");
          // Notifications sent while we were away are lost; let subscribers catch up.
          for (const set of this.handlers.values()) for (const h of set) h.onReconnect?.();
        },
        (err: Error) => {
          this.log.debug({ err: err.message }, "LISTEN reconnect failed; retrying");
          this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
          this.scheduleReconnect();
        },
      );
    }, this.backoff);
    this.timer.unref();
  }
}

function quoteIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}
