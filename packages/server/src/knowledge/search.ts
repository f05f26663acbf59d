import type { KnowledgeSearchResult } from "@strand/protocol";
import { and, desc, eq, lte, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { knowledgeChunks as c, knowledgeDocuments as d, knowledgeSources as k } from "../db/schema.js";
import { lexemes } from "../search/keyword.js";
import type { ParsedQuery } from "../search/parse-query.js";
import { type CandidateArm, queryTerms } from "../search/query-terms.js";
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
 * Keyword search over knowledge chunks, with the terms and ranking of conversation search
 * (search/query-terms.ts, docs/search.md#ranking); recency counts the document's last change. `scope` is policy `knowledgeScope`.
 */
export async function knowledgeKeywordSearch(
  db: Db,
  p: ParsedQuery,
  scope: SQL,
  sourceId: string | undefined,
  page: { asOf: Date; offset: number; limit: number },
): Promise<KnowledgeHit[]> {
  const terms = queryTerms(p, { text: c.searchText, tsv: c.searchTsv });
  const changed = sql`coalesce(${d.sourceUpdatedAt}, ${d.updatedAt})`;
  const ageDays = sql`greatest(extract(epoch from (${page.asOf.toISOString()}::timestamptz - ${changed})), 0) / 86400.0`;
  const score = terms.score(ageDays);
  const within = and(scope, sourceId ? eq(c.sourceId, sourceId) : undefined, lte(c.createdAt, page.asOf));
  const arm = ({ cond, limit }: CandidateArm) =>
    db
      .select({ id: c.id })
      .from(c)
      .innerJoin(k, eq(k.id, c.sourceId))
      .where(and(within, cond))
      .orderBy(desc(c.createdAt), desc(c.id))
      .limit(limit);
  const candidates = sql.join(
    terms.arms.map((a) => sql`(${arm(a)})`),
    sql` union `,
  );
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
