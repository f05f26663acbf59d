import type { SearchKind } from "@strand/protocol";
import { and, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { conversationEntries as e, sessions as s } from "../db/schema.js";
import { TS_CONFIG } from "./index-entry.js";
import type { ParsedQuery } from "./parse-query.js";
import { type CandidateArm, queryTerms } from "./query-terms.js";

/** Filters of a search, checked in SQL next to the actor's scope. */
export interface SearchFilters {
  sessionId?: string | undefined;
  projectId?: string | undefined;
  teamId?: string | undefined;
  runtime?: string | undefined;
  kinds?: readonly SearchKind[] | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export interface Hit {
  id: string;
  sessionId: string;
  sessionName: string;
  seq: number;
  kind: string;
  searchText: string;
  createdAt: Date;
  projectId: string | null;
  teamId: string | null;
  runtime: string;
  score: number;
  /** The query's full-text lexemes, for highlighting words in their other forms. */
  stems: string[];
}

/** What a hit reads of its entry and session, for the keyword and the vector side alike. */
export const HIT_COLUMNS = {
  id: e.id,
  sessionId: e.sessionId,
  sessionName: s.name,
  seq: e.seq,
  kind: e.kind,
  searchText: sql<string>`coalesce(${e.searchText}, '')`,
  createdAt: e.createdAt,
  projectId: s.projectId,
  teamId: s.teamId,
  runtime: s.runtime,
};

export function filterConditions(f: SearchFilters): SQL[] {
  const c: SQL[] = [];
  if (f.sessionId) c.push(eq(e.sessionId, f.sessionId));
  if (f.projectId) c.push(eq(s.projectId, f.projectId));
  if (f.teamId) c.push(eq(s.teamId, f.teamId));
  if (f.runtime) c.push(eq(s.runtime, f.runtime));
  if (f.kinds?.length) c.push(inArray(e.kind, [...f.kinds]));
  if (f.since) c.push(gte(e.createdAt, f.since));
  if (f.until) c.push(lt(e.createdAt, f.until));
  return c;
}

/**
 * One page of keyword results, best first: the entries in `scope` (sessions the actor may see)
 * matching the query, stored at or before `asOf`. Everything is parameters: the query text goes
 * to `websearch_to_tsquery`, which reads any text without failing, and to ILIKE patterns with
 * LIKE's characters escaped.
 */
export async function keywordSearch(
  db: Db,
  p: ParsedQuery,
  scope: SQL,
  filters: SearchFilters,
  page: { asOf: Date; offset: number; limit: number },
): Promise<Hit[]> {
  const rows = p.phrases.length
    ? // A phrase is mostly rarer than its words, but the planner judges it by its words, takes it
      // for common and walks created_at backwards through the whole table for the newest matches
      // (17 s at 1M rows in bench/search). Without plain index scans it takes the GIN bitmaps and
      // sorts what they found: bounded by the matches, not by the table.
      await db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_indexscan = off`);
        return keywordQuery(tx, p, scope, filters, page);
      })
    : await keywordQuery(db, p, scope, filters, page);
  if (!rows.length) return [];
  const stems = await lexemes(db, p.fullText);
  return rows.map((r) => ({ ...r, score: Number(r.score), stems }));
}

/** The statement of `keywordSearch`, apart so bench/ and EXPLAIN can see it. */
export function keywordQuery(
  db: Db,
  p: ParsedQuery,
  scope: SQL,
  filters: SearchFilters,
  page: { asOf: Date; offset: number; limit: number },
) {
  const terms = queryTerms(p, { text: e.searchText, tsv: e.searchTsv });
  const ageDays = sql`greatest(extract(epoch from (${page.asOf.toISOString()}::timestamptz - ${e.createdAt})), 0) / 86400.0`;
  const score = terms.score(ageDays);
  // Only candidates are ranked: ranking reads each row's tsvector, and a word in half of a million
  // entries must not cost half a million reads. Walking created_at backwards finds the newest
  // matches of a common word quickly; a rare one is found through the GIN indexes instead (the
  // planner picks by the words' frequency, which is why search_tsv has statistics target 2000).
  const within = and(scope, ...filterConditions(filters), lte(e.createdAt, page.asOf));
  const newest = ({ cond, limit }: CandidateArm) =>
    db
      .select({ id: e.id })
      .from(e)
      .innerJoin(s, eq(s.id, e.sessionId))
      .where(and(within, cond))
      .orderBy(desc(e.createdAt), desc(e.id))
      .limit(limit);
  const candidates = sql.join(
    terms.arms.map((a) => sql`(${newest(a)})`),
    sql` union `,
  );
  return db
    .select({ ...HIT_COLUMNS, score: score.as("score") })
    .from(e)
    .innerJoin(s, eq(s.id, e.sessionId))
    .where(sql`${e.id} in (${candidates})`)
    .orderBy(sql`score desc`, sql`${e.id} desc`)
    .offset(page.offset)
    .limit(page.limit);
}

/** The lexemes the full-text part of the query stands for (`fail` for "failed"). */
export async function lexemes(db: Db, text: string): Promise<string[]> {
  const [row] = await db
    .select({ l: sql<string[]>`tsvector_to_array(to_tsvector(${TS_CONFIG}::regconfig, ${text}))` })
    .from(sql`(select 1) as one`);
  return row?.l ?? [];
}
