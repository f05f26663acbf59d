import { hostname } from "node:os";
import { and, eq, isNotNull, lt, lte, or, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { knowledgeDocuments, knowledgeSources } from "../db/schema.js";
import { BackgroundLoop } from "../lib/background-loop.js";
import { newId } from "../lib/ids.js";
import { countProgress, indexDocument, removeDocuments } from "./indexer.js";
import type { KnowledgeService } from "./service.js";
import { transition } from "./service.js";
import { ConnectorError, type SyncSink } from "./types.js";

type SourceRow = typeof knowledgeSources.$inferSelect;

export interface SyncRunnerOptions {
  /** How often to look for due sources when nothing woke the runner. */
  pollMs?: number;
  /** A lease whose heartbeat is older than this is taken over (its replica died or restarted). */
  leaseMs?: number;
}

/**
 * Runs Jira and Confluence syncs (docs/knowledge.md): picks a due source (`next_sync_at` ≤ now)
 * with `FOR UPDATE SKIP LOCKED` and takes a lease on it (sync_owner, sync_heartbeat_at), so two
 * replicas never sync one source and a stale lease (a replica that died mid-sync) is taken over.
 * The connector writes through a SyncSink that indexes each document in its own transaction and
 * checkpoints `sync_cursor` after each page, so a sync interrupted by a restart resumes from there.
 */
export class KnowledgeSyncRunner {
  private readonly loop: BackgroundLoop;
  private readonly owner = `${hostname()}:${process.pid}:${newId("sync", 6)}`;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly abort = new AbortController();

  constructor(
    private readonly db: Db,
    private readonly knowledge: KnowledgeService,
    private readonly log: Logger,
    opts: SyncRunnerOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 30_000;
    this.leaseMs = opts.leaseMs ?? 120_000;
    this.loop = new BackgroundLoop(() => this.step());
  }

  start(): void {
    this.loop.start();
  }

  /** Sync now was asked: look at once rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop.stop();
  }

  private async step(): Promise<number> {
    try {
      const source = await this.claim();
      if (!source) return this.pollMs;
      await this.run(source);
      return 0;
    } catch (err) {
      this.log.error({ err }, "knowledge sync runner failed; retrying at the next poll");
      return this.pollMs;
    }
  }

  /** One due source, leased to this replica and marked syncing, or null. */
  private async claim(): Promise<SourceRow | null> {
    const k = knowledgeSources;
    const stale = new Date(Date.now() - this.leaseMs);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(k)
        .where(
          and(
            sql`${k.kind} in ('jira', 'confluence')`,
            or(
              and(isNotNull(k.nextSyncAt), lte(k.nextSyncAt, new Date()), sql`${k.syncOwner} is null`),
              // A lease not renewed in time: its replica is gone, and the sync resumes from its cursor.
              and(isNotNull(k.syncOwner), lt(k.syncHeartbeatAt, stale)),
            ),
          ),
        )
        .orderBy(k.nextSyncAt)
        .limit(1)
        .for("update", { skipLocked: true });
      if (!row) return null;
      await transition(tx, row.id, "syncing", null);
      const [leased] = await tx
        .update(k)
        .set({ syncOwner: this.owner, syncHeartbeatAt: new Date(), nextSyncAt: null })
        .where(eq(k.id, row.id))
        .returning();
      return leased ?? null;
    });
  }

  private async run(source: SourceRow): Promise<void> {
    const log = this.log.child({ source_id: source.id, kind: source.kind });
    const k = knowledgeSources;
    const heartbeat = () =>
      this.db
        .update(k)
        .set({ syncHeartbeatAt: new Date() })
        .where(and(eq(k.id, source.id), eq(k.syncOwner, this.owner)));
    let seen = 0;
    const sink: SyncSink = {
      upsert: async (doc) => {
        await this.db.transaction(async (tx) => {
          await tx.select({ id: k.id }).from(k).where(eq(k.id, source.id)).for("update");
          await indexDocument(tx, source.id, doc, this.knowledge.chunker);
        });
        seen++;
      },
      remove: async (ids) => {
        await this.db.transaction((tx) => removeDocuments(tx, source.id, ids));
      },
      present: async (ids) => {
        // Everything the source still has: whatever else is stored was deleted there.
        const stored = await this.db
          .select({ externalId: knowledgeDocuments.externalId })
          .from(knowledgeDocuments)
          .where(eq(knowledgeDocuments.sourceId, source.id));
        const keep = new Set(ids);
        const gone = stored.map((r) => r.externalId).filter((id) => !keep.has(id));
        if (gone.length) await this.db.transaction((tx) => removeDocuments(tx, source.id, gone));
      },
      checkpoint: async (cursor) => {
        await this.db.update(k).set({ syncCursor: cursor, syncHeartbeatAt: new Date() }).where(eq(k.id, source.id));
      },
      progress: async (done, total) => {
        const progress = { documents_done: done, documents_total: total ?? done, chunks_done: 0, chunks_total: 0 };
        await this.db.update(k).set({ progress, syncHeartbeatAt: new Date() }).where(eq(k.id, source.id));
      },
    };
    const timer = setInterval(() => void heartbeat().catch(() => {}), Math.max(1000, this.leaseMs / 4));
    timer.unref();
    let outcome: { state: "ready" | "error"; reason: string | null; cursor?: Record<string, unknown> };
    try {
      const cursor = await this.knowledge.connectorOf(source).sync(source.syncCursor ?? null, sink, this.abort.signal);
      outcome = { state: "ready", reason: null, cursor };
      log.info({ documents: seen }, "knowledge sync done");
    } catch (err) {
      if (this.abort.signal.aborted) {
        // Stopping (a restart): the lease is left to go stale and the next replica resumes from the cursor.
        clearInterval(timer);
        log.info("knowledge sync interrupted by shutdown; it resumes from its cursor");
        return;
      }
      const reason = err instanceof ConnectorError ? err.message : `sync failed: ${(err as Error).message}`;
      if (!(err instanceof ConnectorError)) log.error({ err }, "knowledge sync failed");
      outcome = { state: "error", reason };
    } finally {
      clearInterval(timer);
    }
    await this.db.transaction(async (tx) => {
      await countProgress(tx, source.id);
      await transition(tx, source.id, outcome.state, outcome.reason);
      const [row] = await tx.select().from(k).where(eq(k.id, source.id));
      const next = row?.scheduleSeconds ? new Date(Date.now() + row.scheduleSeconds * 1000) : null;
      await tx
        .update(k)
        .set({
          syncOwner: null,
          syncHeartbeatAt: null,
          nextSyncAt: next,
          ...(outcome.cursor ? { syncCursor: outcome.cursor } : {}),
        })
        .where(eq(k.id, source.id));
    });
  }
}
