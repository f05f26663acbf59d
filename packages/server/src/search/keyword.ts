import type { SearchKind } from "@strand/protocol";
import { and, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { conversationEntries as e, sessions as s } from "../db/schema.js";
import { TS_CONFIG } from "./index-entry.js";
import { containsPattern, identifierTsquery, type ParsedQuery } from "./parse-query.js";

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

/*
 * Ranking (docs/search.md#ranking):
 *
 *   score = 2 · exact + 1 · all_words + rank + 0.1 · recency
 *
 * - all_words: 1 when the entry has every plain word of the query. Entries with only some of the
 *   words are candidates too (`anyWordsText`), ranked below those with all of them.
 * - exact: how many of the query's phrases and identifiers the entry contains verbatim
 *   (case-insensitive). Each is worth more than anything else can add up to, so exact matches come
 *   first, the entries with more of them before those with fewer.
 * - rank: ts_rank_cd of the entry's tsvector against the query, normalised to [0, 1) (flag 32:
 *   rank / (rank + 1)); cover density favours entries where the words stand close together.
 * - recency: 1 / (1 + age in days / 30), in (0, 1], as of the first page's time: a month-old entry
 *   gets half the boost of a new one. Worth at most 0.1, it orders entries of similar relevance.
 */
export const RECENCY_WEIGHT = 0.1;
export const EXACT_WEIGHT = 2;
export const ALL_WORDS_WEIGHT = 1;
export const RECENCY_DAYS = 30;
/**
 * At most this many of the newest matches are ranked (and as many exact matches of identifiers):
 * a query whose words are in more entries than this ranks the newest of them. Paging ends there.
 */
export const CANDIDATES = 500;
/** Entries that share only the words of a query's identifiers: at most this many of the newest are ranked. */
export const WORD_CANDIDATES = 100;

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

/**
 * The query's plain words joined by OR, when there are two or more and nothing excludes: entries
 * with only some of the words are found too (ranked after those with all of them). A description
 * of what someone looks for rarely has every word in one entry (a third of bench/search's
 * description queries found nothing with AND alone).
 */
export function anyWordsText(p: ParsedQuery): string | null {
  if (p.phrases.length > 0 || /(^|\s)-\S/.test(p.wordText)) return null;
  const words = p.wordText.split(/\s+/).filter((w) => w && !/^or$/i.test(w));
  return words.length + p.identifiers.length >= 2 ? words.join(" or ") : null;
}

/** The statement of `keywordSearch`, apart so bench/ and EXPLAIN can see it. */
export function keywordQuery(
  db: Db,
  p: ParsedQuery,
  scope: SQL,
  filters: SearchFilters,
  page: { asOf: Date; offset: number; limit: number },
) {
  // Every word, and each identifier's words in any order (`int_value`: int & valu; not the phrase
  // websearch_to_tsquery would make of it, which the GIN index cannot check without the rows).
  const words = sql`websearch_to_tsquery(${TS_CONFIG}::regconfig, ${p.wordText})`;
  const tsq = p.identifiers.length
    ? sql`(${words} && plainto_tsquery(${TS_CONFIG}::regconfig, ${p.identifiers.join(" ")}))`
    : words;
  // Identifiers are lexemes of their own (identifierLexemes): one posting list each.
  const idMatch = p.identifiers.length
    ? sql`${e.searchTsv} @@ ${identifierTsquery(p.identifiers)}::tsquery`
    : undefined;
  const contains = (term: string) => sql`${e.searchText} ilike ${containsPattern(term)}`;
  // numnode() of a constant query is folded when the statement is planned, so an empty query (only
  // stop words) costs nothing and raises no "doesn't contain lexemes" notice.
  const fullText = sql`(numnode(${tsq}) > 0 and ${e.searchTsv} @@ ${tsq})`;
  const anyText = anyWordsText(p);
  // Some of the words, or one of the identifiers (`||` of an empty side is the other side).
  const anyTsq =
    anyText === null
      ? null
      : p.identifiers.length
        ? sql`(websearch_to_tsquery(${TS_CONFIG}::regconfig, ${anyText}) || ${identifierTsquery(p.identifiers)}::tsquery)`
        : sql`websearch_to_tsquery(${TS_CONFIG}::regconfig, ${anyText})`;
  // A phrase is its words in order, which the tsvector's GIN index finds, and then its exact text.
  // strpos rather than ILIKE: the planner takes a phrase of common words for rare by its trigrams
  // and would read every entry that has them.
  const inText = (t: string) => sql`strpos(lower(${e.searchText}), lower(${t})) > 0`;
  // A phrase of stop words only (`"to both the"`) has no full-text part: its trigrams are what is
  // selective then, so it goes through the trigram index. numnode() of the constant is folded at
  // planning, so only one of the two arms remains.
  const phrase = (t: string) => {
    const ptq = sql`phraseto_tsquery(${TS_CONFIG}::regconfig, ${t})`;
    return sql`((numnode(${ptq}) > 0 and ${e.searchTsv} @@ ${ptq} and ${inText(t)}) or (numnode(${ptq}) = 0 and ${contains(t)}))`;
  };
  const required = p.phrases.map(phrase);
  // Phrases alone: each phrase is the match (their words are in fullText too).
  const match = and(...required, p.phrases.length ? undefined : fullText) as SQL;
  const exactTerms = [...p.phrases, ...p.identifiers];
  const exact = exactTerms.length
    ? sql.join(
        exactTerms.map((t) => sql`(${inText(t)})::int`),
        sql` + `,
      )
    : sql`0`;
  const ageDays = sql`greatest(extract(epoch from (${page.asOf.toISOString()}::timestamptz - ${e.createdAt})), 0) / 86400.0`;
  // With the any-words arm, an entry with every word gets ALL_WORDS_WEIGHT on top, and the rank is
  // taken against the OR query so entries with more of the words come first among the rest.
  const allWords = anyTsq ? sql`${ALL_WORDS_WEIGHT} * (${fullText})::int + ` : sql``;
  const rankOf = anyTsq ?? tsq;
  const score = sql<number>`(${EXACT_WEIGHT} * (${exact}) + ${allWords}ts_rank_cd(${e.searchTsv}, ${rankOf}, 32) + ${RECENCY_WEIGHT} / (1 + ${ageDays} / ${RECENCY_DAYS}))::float8`;

  // Candidates: the newest CANDIDATES matches; with identifiers, the newest CANDIDATES entries that
  // have one of them and the newest WORD_CANDIDATES that only share their words (they rank below
  // every exact match, and finding the newest of common words walks entries by date: 38k of them
  // for 500 of `int` & `valu` at 1M). Only candidates are ranked: ranking reads each row's
  // tsvector, and a word in half of a million entries must not cost half a million reads. Walking
  // created_at backwards finds the newest matches of a common word quickly; a rare one is found
  // through the GIN indexes instead (the planner picks by the words' frequency).
  const within = and(scope, ...filterConditions(filters), lte(e.createdAt, page.asOf));
  const newest = (cond: SQL, limit = CANDIDATES) =>
    db
      .select({ id: e.id })
      .from(e)
      .innerJoin(s, eq(s.id, e.sessionId))
      .where(and(within, cond))
      .orderBy(desc(e.createdAt), desc(e.id))
      .limit(limit);
  const arms = idMatch
    ? [newest(and(...required, idMatch) as SQL), newest(and(...required, fullText) as SQL, WORD_CANDIDATES)]
    : [newest(match)];
  if (anyTsq) arms.push(newest(sql`(numnode(${anyTsq}) > 0 and ${e.searchTsv} @@ ${anyTsq})`));
  const candidates = sql.join(
    arms.map((a) => sql`(${a})`),
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
