import type { SearchStatus } from "@strand/protocol";
import { eq, isNotNull, type SQL, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { Db } from "../db/database.js";
import { searchJobs, teams } from "../db/schema.js";
import { BackgroundLoop } from "../lib/background-loop.js";
import { type Actor, embedderActor } from "../policy/actor.js";
import { historyScope, historyTeamScope } from "../policy/scopes.js";
import { apiRoot, authHeaders } from "../providers/endpoints.js";
import type { ProviderStore } from "../providers/store.js";
import { planCall } from "../proxy/plan.js";
import { callUpstream } from "../proxy/upstream.js";
import type { Hit, SearchFilters } from "./keyword.js";
import type { VectorSearch } from "./service.js";
import { detectStorage, nearestEntries, storeVectors, type VectorStorage } from "./vector-store.js";

export interface EmbedderOptions {
  /** The server-wide `provider/model` (STRAND_SEARCH_EMBEDDING_MODEL); teams may set their own. */
  model: string | undefined;
  /** Wait after a provider failure before trying again. */
  retryMs: number;
  /** How often to look for new entries when there was nothing to do. */
  idleMs?: number;
  /** Entries per provider call. */
  batch?: number;
}

const JOB = "embeddings";
/** A query is embedded while the person waits: a provider slower than this leaves the search to keywords. */
const QUERY_TIMEOUT_MS = 3_000;
const EMBED_TIMEOUT_MS = 60_000;
/** Entries changed this long after they were created are not looked at again once caught up. */
const RECHECK_MS = 86_400_000;

/**
 * Semantic search's two halves (docs/search.md#semantic-search):
 *
 * - in the background, entries are embedded through the same provider code as the LLM proxy's
 *   `/v1/embeddings` (the stored provider, its key decrypted server-side, the address policy),
 *   newest first, with the model and dimensions stored beside each vector. An entry whose model
 *   changed (the server's or its team's setting), or that changed after it was embedded, is
 *   embedded again. A failing provider stops nothing but this: the error is kept for
 *   `/search/status`, and the work resumes after `retryMs`.
 * - at query time, the query is embedded with each model in the searcher's scope and the nearest
 *   entries are fused with the keyword results (service.ts).
 *
 * Replicas may embed the same entry at the same moment; the upsert makes that harmless. No
 * transaction is held during a provider call (PGlite has one connection for everything).
 */
export class Embedder implements VectorSearch {
  private readonly loop = new BackgroundLoop(() => this.tick());
  private storage: VectorStorage | undefined;
  /**
   * Every entry stored before this had a current vector under `caughtUpModels` when last checked,
   * so later passes look only at entries from a day before it on (walking the created_at index)
   * instead of the whole table. A change of models starts a full pass again.
   */
  private caughtUpAt: Date | undefined;
  private caughtUpModels = "";
  private readonly queryCache = new Map<string, number[]>();

  constructor(
    private readonly db: Db,
    private readonly providers: ProviderStore,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    private readonly opts: EmbedderOptions,
  ) {}

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Look for work now (a team's model changed). */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Entries became searchable that are not recent (the backfill indexed old ones): once caught up
   * the embedder only looks at recent entries, so its next pass looks at all of them again.
   */
  rescan(): void {
    this.caughtUpAt = undefined;
  }

  private async tick(): Promise<number> {
    let next = this.opts.idleMs ?? 2_000;
    try {
      const n = await this.runBatch();
      if (n > 0) next = 0;
      await this.recordError(null);
    } catch (err) {
      const message = (err as Error).message;
      this.log.warn({ err: message }, "search embeddings: the provider failed; keyword search goes on");
      await this.recordError(message).catch(() => {});
      next = this.opts.retryMs;
    }
    return next;
  }

  private async storageOf(): Promise<VectorStorage> {
    this.storage ??= await detectStorage(this.db);
    return this.storage;
  }

  /** The model each entry is embedded with: its team's, else the server's. */
  private effectiveModel(): SQL {
    return sql`coalesce(t.embedding_model, ${this.opts.model ?? null}::text)`;
  }

  /** Embeds one batch of entries that lack a current vector; returns how many it stored. */
  async runBatch(): Promise<number> {
    const teamModels = await this.db
      .select({ id: teams.id, model: teams.embeddingModel })
      .from(teams)
      .where(isNotNull(teams.embeddingModel))
      .orderBy(teams.id);
    if (!this.opts.model && !teamModels.length) return 0;
    const models = JSON.stringify([this.opts.model ?? null, teamModels]);
    if (models !== this.caughtUpModels) {
      this.caughtUpModels = models;
      this.caughtUpAt = undefined;
    }
    const startedAt = new Date();
    const recent = this.caughtUpAt
      ? sql`and e.created_at > ${new Date(this.caughtUpAt.getTime() - RECHECK_MS).toISOString()}::timestamptz`
      : sql``;
    const model = this.effectiveModel();
    const result = await this.db.execute(sql`
      select e.id, e.search_text as text, ${model} as model, t.embedding_model is not null as team_model, s.team_id
      from conversation_entries e
      join sessions s on s.id = e.session_id
      left join teams t on t.id = s.team_id
      left join entry_embeddings x on x.entry_id = e.id
      where e.search_text is not null and e.search_text <> ''
        and e.status not in ('in_progress', 'pending')
        and ${model} is not null
        and (x.entry_id is null or x.model <> ${model} or x.created_at < e.updated_at)
        ${recent}
      order by e.created_at desc, e.id desc
      limit ${this.opts.batch ?? 32}`);
    const rows = (result as unknown as { rows: WorkRow[] }).rows;
    if (!rows.length) {
      this.caughtUpAt = startedAt;
      return 0;
    }
    // One call per model and provider scope (a team's model may name a team's provider).
    const groups = new Map<string, WorkRow[]>();
    for (const r of rows) {
      const key = `${r.model}\u0000${r.team_model ? r.team_id : ""}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const storage = await this.storageOf();
    let stored = 0;
    for (const group of groups.values()) {
      const first = group[0] as WorkRow;
      const vectors = await this.embed(
        first.model,
        first.team_model ? first.team_id : null,
        group.map((r) => r.text),
        EMBED_TIMEOUT_MS,
      );
      await storeVectors(
        this.db,
        storage,
        group.map((r, i) => ({ entryId: r.id, model: r.model, vector: vectors[i] as number[] })),
      );
      stored += group.length;
    }
    return stored;
  }

  /** Calls the provider's embeddings API the way the proxy does, with the stored key. */
  async embed(model: string, teamId: string | null, input: string[], timeoutMs: number): Promise<number[][]> {
    const slash = model.indexOf("/");
    const providerName = model.slice(0, slash);
    const modelId = model.slice(slash + 1);
    const provider = await this.providers.resolveByName(embedderActor(teamId), providerName);
    if (!provider) {
      throw new Error(
        `embedding model ${model}: no provider named ${providerName} is ${teamId ? "the team's or " : ""}shared by an admin`,
      );
    }
    const plan = planCall("embeddings", provider.kind, { model: modelId, input }, modelId);
    const result = await callUpstream(
      this.dispatcher,
      {
        url: `${apiRoot(provider.kind, provider.baseUrl)}${plan.path}`,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "strand-search",
          ...authHeaders(provider.kind, provider.apiKey),
        },
        body: JSON.stringify(plan.body),
        signal: AbortSignal.timeout(timeoutMs),
      },
      { attempts: 2, budgetMs: 2_000, baseDelayMs: 250 },
    );
    if (!result.ok) {
      const why =
        result.kind === "http"
          ? `HTTP ${result.status}: ${providerMessage(result.body)}`
          : `${result.kind}: ${result.message}`;
      throw new Error(`embedding model ${model} (provider ${provider.name}) failed: ${why}`);
    }
    const body = (await result.response.body.json()) as { data?: { index?: number; embedding?: unknown }[] };
    const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    if (data.length !== input.length || !data.every((d) => Array.isArray(d.embedding) && d.embedding.length > 0)) {
      throw new Error(`embedding model ${model} (provider ${provider.name}) answered without one vector per input`);
    }
    return data.map((d) => (d.embedding as unknown[]).map(Number));
  }

  private async recordError(message: string | null): Promise<void> {
    const now = new Date();
    if (message === null) {
      await this.db
        .update(searchJobs)
        .set({ lastError: null, updatedAt: now })
        .where(sql`${searchJobs.name} = ${JOB} and ${searchJobs.lastError} is not null`);
      return;
    }
    await this.db
      .insert(searchJobs)
      .values({ name: JOB, lastError: message, lastErrorAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: searchJobs.name, set: { lastError: message, lastErrorAt: now, updatedAt: now } });
  }

  // ---- query time (VectorSearch) ----

  /** Whether any team set a model, remembered briefly so a server without models spends nothing per search. */
  private teamModelsKnown: { any: boolean; at: number } | undefined;

  private async anyTeamModel(): Promise<boolean> {
    const now = Date.now();
    if (this.teamModelsKnown && now - this.teamModelsKnown.at < 5_000) return this.teamModelsKnown.any;
    const [row] = await this.db.select({ id: teams.id }).from(teams).where(isNotNull(teams.embeddingModel)).limit(1);
    this.teamModelsKnown = { any: row !== undefined, at: now };
    return this.teamModelsKnown.any;
  }

  /** The models in the actor's scope: the server's and those of the teams they see. */
  private async modelsFor(actor: Actor): Promise<{ model: string; teamId: string | null }[]> {
    const out: { model: string; teamId: string | null }[] = [];
    if (this.opts.model) out.push({ model: this.opts.model, teamId: null });
    if (!(await this.anyTeamModel())) return out;
    const rows = await this.db
      .select({ id: teams.id, model: teams.embeddingModel })
      .from(teams)
      .where(sql`${isNotNull(teams.embeddingModel)} and ${historyTeamScope(actor)}`);
    for (const r of rows) {
      if (r.model && !out.some((m) => m.model === r.model)) out.push({ model: r.model, teamId: r.id });
    }
    return out;
  }

  async available(actor: Actor): Promise<boolean> {
    const models = await this.modelsFor(actor);
    if (!models.length) return false;
    const result = await this.db.execute(
      sql`select 1 from entry_embeddings where model in (${sql.join(
        models.map((m) => sql`${m.model}`),
        sql`, `,
      )}) limit 1`,
    );
    return (result as unknown as { rows: unknown[] }).rows.length > 0;
  }

  async nearest(actor: Actor, q: string, filters: SearchFilters, asOf: Date, limit: number): Promise<Hit[][] | null> {
    const models = await this.modelsFor(actor);
    const storage = await this.storageOf();
    const lists: Hit[][] = [];
    for (const m of models) {
      let vector: number[];
      try {
        vector = await this.queryVector(m.model, m.teamId, q);
      } catch (err) {
        const message = (err as Error).message;
        this.log.warn({ err: message }, "search embeddings: cannot embed a query; answering with keywords only");
        await this.recordError(message).catch(() => {});
        continue;
      }
      lists.push(
        await nearestEntries(this.db, storage, {
          scope: historyScope(actor),
          filters,
          asOf,
          model: m.model,
          query: vector,
          limit,
        }),
      );
    }
    return lists.length ? lists : null;
  }

  private async queryVector(model: string, teamId: string | null, q: string): Promise<number[]> {
    const key = `${model}\u0000${q}`;
    const hit = this.queryCache.get(key);
    if (hit) return hit;
    const [vector] = await this.embed(model, teamId, [q], QUERY_TIMEOUT_MS);
    if (this.queryCache.size >= 500) this.queryCache.clear();
    this.queryCache.set(key, vector as number[]);
    return vector as number[];
  }

  // ---- status ----

  async progress(): Promise<SearchStatus["embeddings"]> {
    const [job] = await this.db.select().from(searchJobs).where(eq(searchJobs.name, JOB));
    const [teamModels] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(teams)
      .where(isNotNull(teams.embeddingModel));
    if (!this.opts.model && !Number(teamModels?.n ?? 0)) {
      return { model: null, dimensions: null, storage: "none", embedded: 0, total: 0, error: null };
    }
    const model = this.effectiveModel();
    const result = await this.db.execute(sql`
      select count(*)::int as total,
        count(x.entry_id) filter (where x.model = ${model} and x.created_at >= e.updated_at)::int as embedded
      from conversation_entries e
      join sessions s on s.id = e.session_id
      left join teams t on t.id = s.team_id
      left join entry_embeddings x on x.entry_id = e.id
      where e.search_text is not null and e.search_text <> ''
        and e.status not in ('in_progress', 'pending')
        and ${model} is not null`);
    const counts = (result as unknown as { rows: { total: number; embedded: number }[] }).rows[0];
    let dimensions: number | null = null;
    if (this.opts.model) {
      const dims = await this.db.execute(
        sql`select dimensions from entry_embeddings where model = ${this.opts.model} limit 1`,
      );
      dimensions = (dims as unknown as { rows: { dimensions: number }[] }).rows[0]?.dimensions ?? null;
    }
    return {
      model: this.opts.model ?? null,
      dimensions,
      storage: await this.storageOf(),
      embedded: Number(counts?.embedded ?? 0),
      total: Number(counts?.total ?? 0),
      error: job?.lastError ?? null,
    };
  }
}

interface WorkRow {
  id: string;
  text: string;
  model: string;
  team_model: boolean;
  team_id: string | null;
}

/**
 * At most the provider's own short JSON error message, never its body: a base URL pointed at an
 * internal service must not turn the status route into a way to read its pages (docs/providers.md).
 */
function providerMessage(body: string): string {
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === "string") return m.slice(0, 200);
  } catch {}
  return "no error message";
}
