import { createHmac } from "node:crypto";
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_EVENT_HEADER, WEBHOOK_SIGNATURE_HEADER } from "@strand/protocol";
import { and, asc, eq, lte } from "drizzle-orm";
import type { Logger } from "pino";
import { Agent, type Dispatcher, request } from "undici";
import type { Db } from "../db/database.js";
import { projectWebhooks, webhookDeliveries } from "../db/schema.js";
import { NetworkGuard } from "../providers/network-guard.js";
import { parseNetworkPolicy } from "../providers/network-policy.js";

/** Attempts in all before a delivery is given up as failed. */
export const MAX_ATTEMPTS = 6;
/** Waits after attempts 1..5, as multiples of the base (5 s by default: 5 s, 30 s, 2 min, 10 min, 1 h). */
const BACKOFF_FACTORS = [1, 6, 24, 120, 720] as const;
const TIMEOUT_MS = 10_000;
const POLL_MS = 1_000;
const BATCH = 10;
const MAX_ERROR_CHARS = 500;

export function backoffMs(attempt: number, baseMs: number): number {
  const factor = BACKOFF_FACTORS[Math.min(attempt, BACKOFF_FACTORS.length) - 1] ?? 1;
  return factor * baseMs;
}

/** `sha256=<hex>`: what receivers compare, in constant time, against their own HMAC of the raw body. */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Webhook receivers are typed in by people, so connections go through the same guard as git
 * upstreams: loopback and private networks are fine (a chat bridge beside Strand), link-local
 * (cloud metadata) and the unspecified address never, whatever DNS answers at connect time.
 */
export function createWebhookAgent(): Agent {
  const guard = new NetworkGuard(parseNetworkPolicy(["loopback", "private"]));
  return new Agent({ connect: guard.connector({ timeout: TIMEOUT_MS }), keepAliveTimeout: 10_000 });
}

interface Claimed {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  url: string;
  hook: { id: string; secretEnc: string };
}

export interface WebhookWorkerOptions {
  db: Db;
  log: Logger;
  /** Opens a webhook's sealed secret. */
  secretOf: (hook: { id: string; secretEnc: string }) => string;
  retryBaseMs: number;
  dispatcher?: Dispatcher;
}

/**
 * Sends pending webhook deliveries. The queue is the webhook_deliveries table: each round claims
 * due rows with `for update skip locked`, so replicas never take the same row, and pushes their
 * next attempt out before sending, so a crash mid-send leads to a retry after the backoff, not at once.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  /** Aborts sends in flight at shutdown; their deliveries are retried after the backoff. */
  private readonly shutdown = new AbortController();
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly opts: WebhookWorkerOptions) {
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? createWebhookAgent();
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.shutdown.abort();
    await this.running;
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Something was queued on this replica: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    // Notify runs inside its caller's transaction: a round started now may run before that commits,
    // so one more follows the current one.
    if (this.running) this.again = true;
    else this.schedule(50);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = this.round()
      .catch((err) => this.opts.log.warn({ err }, "webhook delivery round failed"))
      .then((sent) => {
        this.running = undefined;
        if (this.stopped) return;
        const more = this.again || sent === BATCH;
        this.again = false;
        this.schedule(more ? 0 : POLL_MS);
      });
  }

  /** One round: claim due deliveries, send them; returns how many were claimed. */
  async round(now = new Date()): Promise<number> {
    const claimed = await this.claim(now);
    await Promise.all(claimed.map((d) => this.send(d)));
    return claimed.length;
  }

  private async claim(now: Date): Promise<Claimed[]> {
    return this.opts.db.transaction(async (tx) => {
      const due = await tx
        .select({
          id: webhookDeliveries.id,
          kind: webhookDeliveries.kind,
          payload: webhookDeliveries.payload,
          attempts: webhookDeliveries.attempts,
          url: projectWebhooks.url,
          hookId: projectWebhooks.id,
          secretEnc: projectWebhooks.secretEnc,
        })
        .from(webhookDeliveries)
        .innerJoin(projectWebhooks, eq(projectWebhooks.id, webhookDeliveries.webhookId))
        .where(
          and(
            eq(webhookDeliveries.state, "pending"),
            lte(webhookDeliveries.nextAttemptAt, now),
            // A webhook turned off keeps its pending deliveries for when it is turned on again.
            eq(projectWebhooks.active, true),
          ),
        )
        .orderBy(asc(webhookDeliveries.nextAttemptAt))
        .limit(BATCH)
        .for("update", { of: webhookDeliveries, skipLocked: true });
      const out: Claimed[] = [];
      for (const d of due) {
        const attempts = d.attempts + 1;
        await tx
          .update(webhookDeliveries)
          .set({ attempts, nextAttemptAt: new Date(now.getTime() + backoffMs(attempts, this.opts.retryBaseMs)) })
          .where(eq(webhookDeliveries.id, d.id));
        out.push({
          id: d.id,
          kind: d.kind,
          payload: d.payload,
          attempts,
          url: d.url,
          hook: { id: d.hookId, secretEnc: d.secretEnc },
        });
      }
      return out;
    });
  }

  private async send(d: Claimed): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      const body = JSON.stringify(d.payload);
      const res = await request(d.url, {
        method: "POST",
        dispatcher: this.dispatcher,
        headers: {
          "content-type": "application/json",
          "user-agent": "Strand-Webhook",
          [WEBHOOK_SIGNATURE_HEADER]: signatureOf(this.opts.secretOf(d.hook), body),
          [WEBHOOK_EVENT_HEADER]: d.kind,
          [WEBHOOK_DELIVERY_HEADER]: d.id,
        },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), this.shutdown.signal]),
      });
      status = res.statusCode;
      const text = await res.body.text().catch(() => "");
      if (status < 200 || status >= 300) error = `the receiver answered HTTP ${status}${text ? `: ${text}` : ""}`;
    } catch (err) {
      error = this.shutdown.signal.aborted ? "the server shut down while sending; sent again later" : describe(err);
    }
    const ok = error === null;
    const gaveUp = !ok && d.attempts >= MAX_ATTEMPTS;
    await this.opts.db
      .update(webhookDeliveries)
      .set({
        state: ok ? "delivered" : gaveUp ? "failed" : "pending",
        lastStatus: status,
        lastError: error?.slice(0, MAX_ERROR_CHARS) ?? null,
        ...(ok ? { deliveredAt: new Date() } : {}),
      })
      // Only while still this attempt's: a replica that re-claimed it after the backoff owns it now.
      .where(and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.attempts, d.attempts)));
    if (!ok) {
      this.opts.log.info(
        { delivery: d.id, webhook: d.hook.id, attempt: d.attempts, status, error, gaveUp },
        "webhook delivery failed",
      );
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") {
      return `no answer within ${TIMEOUT_MS / 1000} s`;
    }
    const cause = (err as { cause?: unknown }).cause;
    const why = cause instanceof Error ? `: ${cause.message}` : "";
    return `${err.message}${why}`;
  }
  return String(err);
}
