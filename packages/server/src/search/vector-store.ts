import { and, eq, lte, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { conversationEntries as e, sessions as s } from "../db/schema.js";
import { filterConditions, HIT_COLUMNS, type Hit, type SearchFilters } from "./keyword.js";

/**
 * The vectors of semantic search, in `entry_embeddings` (migration 0012): pgvector's `vector`
 * where the extension was available when the database was migrated (PGlite, PostgreSQL with
 * pgvector installed), else `real[]` (Debian 12's PostgreSQL, which does not package pgvector).
 * The column's type in the catalog is the record of that choice. Vectors are stored normalised to
 * length 1, so cosine similarity is their dot product on both.
 *
 * Nearest neighbours are found exactly, within the searcher's scope and filters, without an
 * approximate index: the table mixes models of different sizes, and a search's scope (one
 * person's sessions) is a small part of it. pgvector computes `<=>` in C; the `real[]` fallback
 * computes the dot product in SQL, which is slower by a large factor (docs/search.md).
 */
export type VectorStorage = "pgvector" | "array";

export async function detectStorage(db: Db): Promise<VectorStorage> {
  const [row] = await db
    .select({
      type: sql<string>`format_type(a.atttypid, a.atttypmod)`,
    })
    .from(sql`pg_attribute a`)
    .where(sql`a.attrelid = 'entry_embeddings'::regclass and a.attname = 'embedding'`);
  return row?.type === "vector" ? "pgvector" : "array";
}

/**
 * Neighbours less similar than this are left out: unrelated texts still have a nearest neighbour,
 * and without a floor every search would list the whole scope. Low, because models differ in how
 * similar related texts come out (OpenAI's text-embedding-3 puts unrelated ones near 0.1–0.2).
 */
export const MIN_SIMILARITY = 0.3;

export function normalise(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const len = Math.sqrt(sum);
  return len > 0 ? v.map((x) => x / len) : v;
}

/** A vector as a literal of the storage's type. */
function literal(storage: VectorStorage, v: number[]): SQL {
  const nums = v.map((x) => (Number.isFinite(x) ? x : 0));
  return storage === "pgvector" ? sql`${`[${nums.join(",")}]`}::vector` : sql`${`{${nums.join(",")}}`}::real[]`;
}

export interface StoredVector {
  entryId: string;
  model: string;
  vector: number[];
}

/** Stores (or replaces) entries' vectors. */
export async function storeVectors(db: Db, storage: VectorStorage, rows: StoredVector[]): Promise<void> {
  if (!rows.length) return;
  const values = sql.join(
    rows.map((r) => {
      const v = normalise(r.vector);
      return sql`(${r.entryId}, ${r.model}, ${v.length}::int, ${literal(storage, v)}, now())`;
    }),
    sql`, `,
  );
  // An entry deleted meanwhile has no row to point at any more: its vector is simply not stored.
  await db.execute(sql`
    insert into entry_embeddings (entry_id, model, dimensions, embedding, created_at)
    select v.* from (values ${values}) as v(entry_id, model, dimensions, embedding, created_at)
    where exists (select 1 from conversation_entries c where c.id = v.entry_id)
    on conflict (entry_id) do update set model = excluded.model, dimensions = excluded.dimensions,
      embedding = excluded.embedding, created_at = excluded.created_at`);
}

/** The entries nearest to `query` among those embedded with `model`, in scope and filters, best first. */
export async function nearestEntries(
  db: Db,
  storage: VectorStorage,
  args: { scope: SQL; filters: SearchFilters; asOf: Date; model: string; query: number[]; limit: number },
): Promise<Hit[]> {
  const q = normalise(args.query);
  const lit = literal(storage, q);
  const similarity =
    storage === "pgvector"
      ? sql<number>`(1 - (x.embedding <=> ${lit}))::float8`
      : sql<number>`(select sum(a * b) from unnest(x.embedding, ${lit}) as t(a, b))::float8`;
  const rows = await db
    .select({ ...HIT_COLUMNS, score: similarity.as("similarity") })
    .from(sql`entry_embeddings x`)
    .innerJoin(e, sql`${e.id} = x.entry_id`)
    .innerJoin(s, eq(s.id, e.sessionId))
    .where(
      and(
        args.scope,
        ...filterConditions(args.filters),
        lte(e.createdAt, args.asOf),
        sql`x.model = ${args.model} and x.dimensions = ${q.length}`,
        sql`${similarity} >= ${MIN_SIMILARITY}`,
      ),
    )
    .orderBy(sql`similarity desc`, sql`${e.id} desc`)
    .limit(args.limit);
  return rows.map((r) => ({ ...r, score: Number(r.score), stems: [] }));
}
