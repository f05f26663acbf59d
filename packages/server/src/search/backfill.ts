import type { SearchStatus } from "@strand/protocol";
import { asc, count, eq, isNull, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { conversationEntries, searchJobs } from "../db/schema.js";
import { BackgroundLoop } from "../lib/background-loop.js";
import { entryText } from "./entry-text.js";
import { SEARCH_VERSION, TS_CONFIG } from "./index-entry.js";
import { identifierLexemes } from "./parse-query.js";

export interface BackfillOptions {
  /** Entries per transaction. */
  batch: number;
  /** Pause between batches, so a big backfill leaves the database to the people using it. */
  pauseMs: number;
  /** How often to look again once nothing is left (an old replica may still write unindexed rows). */
  idleMs: number;
  /** Called after a batch was indexed (the embedder then looks for old entries too). */
  onIndexed?: () => void;
}

const JOB = "backfill";

/**
 * Indexes entries stored before search existed (search_text null), in the background, a batch per
 * transaction. Rows are claimed with FOR UPDATE SKIP LOCKED, so replicas share the work and never
 * index a row twice at once; what is done is committed, so a restart goes on where it stopped.
 * Writing the same text twice would be harmless anyway: it is computed from the entry alone.
 */
export class SearchBackfill {
  private readonly loop = new BackgroundLoop(() => this.tick());
  private indexedSinceAnalyze = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: BackfillOptions,
  ) {}

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async tick(): Promise<number> {
    let next = this.opts.idleMs;
    try {
      const n = await this.runBatch();
      this.indexedSinceAnalyze += n;
      if (n === 0 && this.indexedSinceAnalyze > 0) {
        // The planner picks GIN bitmaps or a walk by date from the search columns' statistics; rows
        // that were all null until now have none until autovacuum gets round to it (at 100k
        // entries, p95 547 ms before ANALYZE and 53 ms after, in bench/search).
        await this.db.execute(sql`analyze conversation_entries`);
        this.indexedSinceAnalyze = 0;
      }
      if (n > 0) {
        this.log.debug({ indexed: n }, "search backfill: indexed a batch");
        this.opts.onIndexed?.();
        next = this.opts.pauseMs;
      }
      await this.recordError(null);
    } catch (err) {
      this.log.warn({ err }, "search backfill: a batch failed; trying again later");
      await this.recordError((err as Error).message).catch(() => {});
      next = Math.min(this.opts.idleMs, 30_000);
    }
    return next;
  }

  /** Indexes one batch; returns how many entries it indexed (0: nothing left, or all taken by other replicas). */
  async runBatch(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const e = conversationEntries;
      const rows = await tx
        .select({ id: e.id, kind: e.kind, content: e.content })
        .from(e)
        .where(isNull(e.searchVersion))
        .orderBy(asc(e.id))
        .limit(this.opts.batch)
        .for("update", { skipLocked: true });
      if (!rows.length) return 0;
      const values = JSON.stringify(
        rows.map((r) => {
          const t = entryText(r.kind, r.content);
          return { id: r.id, t, l: identifierLexemes(t) };
        }),
      );
      // One statement for the batch, the same columns as searchColumns() (search/index-entry.ts);
      // updated_at stays: nothing a person would see changed.
      await tx.execute(sql`
        update ${e} set search_text = v.t,
          search_tsv = to_tsvector(${TS_CONFIG}::regconfig, v.t) || array_to_tsvector(array(select jsonb_array_elements_text(v.l))),
          search_version = ${SEARCH_VERSION}
        from jsonb_to_recordset(${values}::jsonb) as v(id text, t text, l jsonb)
        where ${e.id} = v.id`);
      return rows.length;
    });
  }

  private async recordError(message: string | null): Promise<void> {
    const now = new Date();
    if (message === null) {
      await this.db.update(searchJobs).set({ lastError: null, updatedAt: now }).where(eq(searchJobs.name, JOB));
      return;
    }
    await this.db
      .insert(searchJobs)
      .values({ name: JOB, lastError: message, lastErrorAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: searchJobs.name, set: { lastError: message, lastErrorAt: now, updatedAt: now } });
  }
}

/** How far the index is: entries with their search text, of all entries. */
const EXACT_UP_TO = 200_000;

export async function backfillProgress(db: Db): Promise<SearchStatus["backfill"]> {
  // Counting a million rows takes a core for half a second, and the web UI asks every few seconds
  // while a backfill runs: past EXACT_UP_TO the planner's estimate (kept by ANALYZE) is the total.
  const estimate = await db.execute(
    sql`select reltuples::bigint as n from pg_class where oid = 'conversation_entries'::regclass`,
  );
  const guess = Number((estimate as unknown as { rows: { n: string | number }[] }).rows[0]?.n ?? -1);
  const [all] = guess > EXACT_UP_TO ? [{ n: guess }] : await db.select({ n: count() }).from(conversationEntries);
  // Served by the partial index on unindexed rows, which is empty once the backfill is done.
  const [left] = await db
    .select({ n: count() })
    .from(conversationEntries)
    .where(isNull(conversationEntries.searchVersion));
  const total = Number(all?.n ?? 0);
  const missing = Number(left?.n ?? 0);
  return { indexed: Math.max(total - missing, 0), total: Math.max(total, missing), complete: missing === 0 };
}

export const NO_EMBEDDINGS: SearchStatus["embeddings"] = {
  model: null,
  dimensions: null,
  storage: "none",
  embedded: 0,
  total: 0,
  error: null,
};
