import { and, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { TS_CONFIG } from "./index-entry.js";
import { containsPattern, identifierTsquery, type ParsedQuery } from "./parse-query.js";

/*
 * What a query asks of a searchable row, as SQL over its `search_text` and `search_tsv` columns:
 * the same for conversation entries (search/keyword.ts) and knowledge chunks (knowledge/search.ts),
 * so both rank alike.
 *
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
 * a query whose words are in more rows than this ranks the newest of them. Paging ends there.
 */
export const CANDIDATES = 500;
/** Rows that share only the words of a query's identifiers: at most this many of the newest are ranked. */
export const WORD_CANDIDATES = 100;

/** One way a row can match, and how many of the newest such rows become candidates. */
export interface CandidateArm {
  cond: SQL;
  limit: number;
}

export interface QueryTerms {
  /** Candidate conditions; a row matching any of them may be ranked. */
  arms: CandidateArm[];
  /** The score without recency, given the row's age in days (an SQL number). */
  score(ageDays: SQL): SQL<number>;
}

/**
 * The query's plain words joined by OR, when there are two or more and nothing excludes: rows
 * with only some of the words are found too (ranked after those with all of them). A description
 * of what someone looks for rarely has every word in one entry (a third of bench/search's
 * description queries found nothing with AND alone).
 */
export function anyWordsText(p: ParsedQuery): string | null {
  if (p.phrases.length > 0 || /(^|\s)-\S/.test(p.wordText)) return null;
  const words = p.wordText.split(/\s+/).filter((w) => w && !/^or$/i.test(w));
  return words.length + p.identifiers.length >= 2 ? words.join(" or ") : null;
}

export function queryTerms(p: ParsedQuery, cols: { text: AnyPgColumn; tsv: AnyPgColumn }): QueryTerms {
  // Every word, and each identifier's words in any order (`int_value`: int & valu; not the phrase
  // websearch_to_tsquery would make of it, which the GIN index cannot check without the rows).
  const words = sql`websearch_to_tsquery(${TS_CONFIG}::regconfig, ${p.wordText})`;
  const tsq = p.identifiers.length
    ? sql`(${words} && plainto_tsquery(${TS_CONFIG}::regconfig, ${p.identifiers.join(" ")}))`
    : words;
  // Identifiers are lexemes of their own (identifierLexemes): one posting list each.
  const idMatch = p.identifiers.length ? sql`${cols.tsv} @@ ${identifierTsquery(p.identifiers)}::tsquery` : undefined;
  const contains = (term: string) => sql`${cols.text} ilike ${containsPattern(term)}`;
  // numnode() of a constant query is folded when the statement is planned, so an empty query (only
  // stop words) costs nothing and raises no "doesn't contain lexemes" notice.
  const fullText = sql`(numnode(${tsq}) > 0 and ${cols.tsv} @@ ${tsq})`;
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
  // and would read every row that has them.
  const inText = (t: string) => sql`strpos(lower(${cols.text}), lower(${t})) > 0`;
  // A phrase of stop words only (`"to both the"`) has no full-text part: its trigrams are what is
  // selective then, so it goes through the trigram index. numnode() of the constant is folded at
  // planning, so only one of the two arms remains.
  const phrase = (t: string) => {
    const ptq = sql`phraseto_tsquery(${TS_CONFIG}::regconfig, ${t})`;
    return sql`((numnode(${ptq}) > 0 and ${cols.tsv} @@ ${ptq} and ${inText(t)}) or (numnode(${ptq}) = 0 and ${contains(t)}))`;
  };
  const required = p.phrases.map(phrase);
  // With identifiers: the rows that have one, and fewer of those that only share their words (they
  // rank below every exact match, and finding the newest of common words walks rows by date: 38k
  // entries for 500 of `int` & `valu` at 1M). Phrases alone: each phrase is the match.
  const arms: CandidateArm[] = idMatch
    ? [
        { cond: and(...required, idMatch) as SQL, limit: CANDIDATES },
        { cond: and(...required, fullText) as SQL, limit: WORD_CANDIDATES },
      ]
    : [{ cond: and(...required, p.phrases.length ? undefined : fullText) as SQL, limit: CANDIDATES }];
  if (anyTsq) arms.push({ cond: sql`(numnode(${anyTsq}) > 0 and ${cols.tsv} @@ ${anyTsq})`, limit: CANDIDATES });

  const exactTerms = [...p.phrases, ...p.identifiers];
  const exact = exactTerms.length
    ? sql.join(
        exactTerms.map((t) => sql`(${inText(t)})::int`),
        sql` + `,
      )
    : sql`0`;
  // With the any-words arm, a row with every word gets ALL_WORDS_WEIGHT on top, and the rank is
  // taken against the OR query so rows with more of the words come first among the rest.
  const allWords = anyTsq ? sql`${ALL_WORDS_WEIGHT} * (${fullText})::int + ` : sql``;
  const rankOf = anyTsq ?? tsq;
  return {
    arms,
    score: (ageDays) =>
      sql<number>`(${EXACT_WEIGHT} * (${exact}) + ${allWords}ts_rank_cd(${cols.tsv}, ${rankOf}, 32) + ${RECENCY_WEIGHT} / (1 + ${ageDays} / ${RECENCY_DAYS}))::float8`,
  };
}
