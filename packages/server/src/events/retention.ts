import { and, lte, max, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { eventRetention, events } from "../db/schema.js";

const HOUR_MS = 3_600_000;
// Deleting a busy server's two weeks at once would hold one long transaction; go in slices.
const BATCH = 5_000;

/**
 * Prunes events older than the retention period, hourly and at start. It records how far it
 * pruned, so `/api/v1/events?since=` can tell a client that resumes from before that point to
 * reload instead of silently missing what was deleted. Safe on every replica at once.
 */
export class EventRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly retentionMs: number,
    private readonly intervalMs = HOUR_MS,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.prune().catch((err) => this.log.warn({ err }, "event retention: pruning failed"));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes events created before `now - retention`; returns how many went. */
  async prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    const [row] = await this.db
      .select({ through: max(events.id) })
      .from(events)
      .where(lte(events.createdAt, cutoff));
    const through = row?.through;
    if (!through) return 0;
    // Record first: a client told "pruned" reloads; one told nothing must find every event it asks for.
    await this.db
      .insert(eventRetention)
      .values({ id: 1, prunedThrough: through, prunedAt: now })
      .onConflictDoUpdate({
        target: eventRetention.id,
        set: { prunedThrough: sql`greatest(${eventRetention.prunedThrough}, ${through})`, prunedAt: now },
      });
    let deleted = 0;
    for (;;) {
      const gone = await this.db
        .delete(events)
        .where(
          and(
            lte(events.id, through),
            sql`${events.id} in (select ${events.id} from ${events} where ${events.id} <= ${through} limit ${BATCH})`,
          ),
        )
        .returning({ id: events.id });
      deleted += gone.length;
      if (gone.length < BATCH) break;
    }
    if (deleted)
      this.log.info({ deleted, through, cutoff: cutoff.toISOString() }, "event retention: pruned old events");
    return deleted;
  }
}
