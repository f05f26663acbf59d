import type { KnowledgeSearchResult } from "@strand/protocol";
import { and, eq, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { knowledgeChunks as c, knowledgeDocuments as d, knowledgeSources as k } from "../db/schema.js";
import { TS_CONFIG } from "../search/index-entry.js";
import {
  ALL_WORDS_WEIGHT,
  anyWordsText,
  CANDIDATES,
  EXACT_WEIGHT,
  lexemes,
  RECENCY_DAYS,
  RECENCY_WEIGHT,
} from "../search/keyword.js";
import { containsPattern, type ParsedQuery } from "../search/parse-query.js";
import { makeSnippet } from "../search/snippet.js";

/** A knowledge chunk found by keywords, as search/service.ts fuses and pages it. */
export interface KnowledgeHit {
  id: string;
  score: number;
  result: Omit<KnowledgeSearchResult, "snippet" | "highlights" | "score">;
  searchText: string;
  stems: string[];
}

/**
 * Keyword search over knowledge chunks, with the ranking of conversation search (search/keyword.ts,
 * docs/search.md#ranking): the same weights, the same any-words arm, phrases and identifiers
 * verbatim; recency counts the document's last change. `scope` is policy `knowledgeScope`.
 */
export async function knowledgeKeywordSearch(
  db: Db,
  p: ParsedQuery,
  scope: SQL,
  sourceId: string | undefined,
  page: { asOf: Date; offset: number; limit: number },
): Promise<KnowledgeHit[]> {
  const tsq = sql`websearch_to_tsquery(${TS_CONFIG}::regconfig, ${p.fullText})`;
  const contains = (term: string) => sql`${c.searchText} ilike ${containsPattern(term)}`;
  const fullText = sql`(numnode(${tsq}) > 0 and ${c.searchTsv} @@ ${tsq})`;
  const anyText = anyWordsText(p);
  const anyTsq = anyText === null ? null : sql`websearch_to_tsquery(${TS_CONFIG}::regconfig, ${anyText})`;
  const inText = (t: string) => sql`strpos(lower(${c.searchText}), lower(${t})) > 0`;
  const phrase = (t: string) => {
    const ptq = sql`phraseto_tsquery(${TS_CONFIG}::regconfig, ${t})`;
    return sql`((numnode(${ptq}) > 0 and ${c.searchTsv} @@ ${ptq} and ${inText(t)}) or (numnode(${ptq}) = 0 and ${contains(t)}))`;
  };
  const required = p.phrases.map(phrase);
  const anyOf = p.identifiers.length || !p.phrases.length ? [fullText, ...p.identifiers.map(contains)] : [];
  const anyArm = anyTsq ? [sql`(numnode(${anyTsq}) > 0 and ${c.searchTsv} @@ ${anyTsq})`] : [];
  const match = and(...required, anyOf.length || anyArm.length ? or(...anyOf, ...anyArm) : undefined) as SQL;
  const exactTerms = [...p.phrases, ...p.identifiers];
  const exact = exactTerms.length
    ? sql.join(
        exactTerms.map((t) => sql`(${inText(t)})::int`),
        sql` + `,
      )
    : sql`0`;
  const changed = sql`coalesce(${d.sourceUpdatedAt}, ${d.updatedAt})`;
  const ageDays = sql`greatest(extract(epoch from (${page.asOf.toISOString()}::timestamptz - ${changed})), 0) / 86400.0`;
  const allWords = anyTsq ? sql`${ALL_WORDS_WEIGHT} * (${fullText})::int + ` : sql``;
  const score = sql<number>`(${EXACT_WEIGHT} * (${exact}) + ${allWords}ts_rank_cd(${c.searchTsv}, ${anyTsq ?? tsq}, 32) + ${RECENCY_WEIGHT} / (1 + ${ageDays} / ${RECENCY_DAYS}))::float8`;
  const candidates = db
    .select({ id: c.id })
    .from(c)
    .innerJoin(k, eq(k.id, c.sourceId))
    .where(and(scope, sourceId ? eq(c.sourceId, sourceId) : undefined, lte(c.createdAt, page.asOf), match))
    .limit(CANDIDATES * 2);
  const rows = await db
    .select({
      id: c.id,
      seq: c.seq,
      location: c.location,
      searchText: c.searchText,
      createdAt: c.createdAt,
      documentId: d.id,
      externalId: d.externalId,
      title: d.title,
      url: d.url,
      sourceId: k.id,
      sourceName: k.name,
      sourceKind: k.kind,
      projectId: k.projectId,
      teamId: k.teamId,
      score: score.as("score"),
    })
    .from(c)
    .innerJoin(d, eq(d.id, c.documentId))
    .innerJoin(k, eq(k.id, c.sourceId))
    .where(sql`${c.id} in (${candidates})`)
    .orderBy(sql`score desc`, sql`${c.id} desc`)
    .offset(page.offset)
    .limit(page.limit);
  if (!rows.length) return [];
  const stems = await lexemes(db, p.fullText);
  return rows.map((r) => ({
    id: r.id,
    score: Number(r.score),
    searchText: r.searchText,
    stems,
    result: {
      type: "knowledge",
      source_id: r.sourceId,
      source_name: r.sourceName,
      source_kind: r.sourceKind,
      document_id: r.documentId,
      external_id: r.externalId,
      document_title: r.title,
      chunk_id: r.id,
      chunk_seq: r.seq,
      location: r.location,
      url: r.url,
      created_at: r.createdAt.toISOString(),
      project_id: r.projectId,
      team_id: r.teamId,
    },
  }));
}

export function toKnowledgeResult(h: KnowledgeHit, p: ParsedQuery): KnowledgeSearchResult {
  const { snippet, highlights } = makeSnippet(h.searchText, {
    exact: [...p.phrases, ...p.identifiers],
    words: p.terms,
    stems: h.stems,
  });
  return { ...h.result, snippet, highlights, score: h.score };
}
