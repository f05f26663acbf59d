import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { llmCalls, sessions, users } from "../db/schema.js";
import { newId } from "../lib/ids.js";
import { spendMonth } from "../lib/time.js";

export type LlmCallInsert = Omit<typeof llmCalls.$inferInsert, "id" | "createdAt">;
type Row = typeof llmCalls.$inferInsert & { id: string; createdAt: Date };

const MAX_QUEUED = 10_000;

/**
 * Writes llm_calls rows in batches, off the calls' path: one transaction per batch inserts the
 * rows and adds their costs to the sessions' and users' running totals. A batch waits at most
 * `delayMs`; on a database failure the rows are kept (up to a bound) and tried again.
 */
export class LlmCallRecorder {
  private queue: Row[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly delayMs = 100,
    private readonly maxBatch = 200,
  ) {}

  record(call: LlmCallInsert, now = new Date()): void {
    this.queue.push({ ...call, id: newId("llm"), createdAt: now });
    if (this.queue.length >= this.maxBatch) this.schedule(0);
    else this.schedule(this.delayMs);
  }

  /** Writes everything recorded so far (on shutdown, and in tests). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(() => (batch.length ? this.write(batch) : undefined));
    return this.writing;
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), ms);
    this.timer.unref();
  }

  private async write(batch: Row[]): Promise<void> {
    try {
      await writeBatch(this.db, batch);
    } catch (err) {
      const keep = Math.max(0, MAX_QUEUED - this.queue.length);
      this.log.error(
        { err, rows: batch.length, dropped: Math.max(0, batch.length - keep) },
        "recording LLM calls failed; retrying in 1 s",
      );
      this.queue = [...batch.slice(0, keep), ...this.queue];
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush(), 1000);
      this.timer.unref();
    }
  }
}

async function writeBatch(db: Db, rows: Row[]): Promise<void> {
  const bySession = new Map<string, number>();
  // Whole micro-dollars: these sums are exact, however many calls a batch holds.
  const byUserMonth = new Map<string, { userId: string; month: string; cost: number }>();
  for (const r of rows) {
    const cost = r.costMicros ?? 0;
    if (cost <= 0) continue;
    bySession.set(r.sessionId, (bySession.get(r.sessionId) ?? 0) + cost);
    const month = spendMonth(r.createdAt);
    const key = `${r.userId} ${month}`;
    const e = byUserMonth.get(key) ?? { userId: r.userId, month, cost: 0 };
    e.cost += cost;
    byUserMonth.set(key, e);
  }
  await db.transaction(async (tx) => {
    await tx.insert(llmCalls).values(rows);
    for (const [sessionId, cost] of bySession) {
      await tx
        .update(sessions)
        .set({ spendMicros: sql`${sessions.spendMicros} + ${cost}` })
        .where(eq(sessions.id, sessionId));
    }
    for (const { userId, month, cost } of byUserMonth.values()) {
      await tx
        .update(users)
        .set({
          spendMonthMicros: sql`case when ${users.spendMonth} = ${month} then ${users.spendMonthMicros} + ${cost} else ${cost} end`,
          spendMonth: month,
        })
        .where(eq(users.id, userId));
    }
  });
}
