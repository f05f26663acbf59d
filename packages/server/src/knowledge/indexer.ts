import { createHash } from "node:crypto";
import { and, count, eq, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { knowledgeChunks, knowledgeDocuments, knowledgeSources } from "../db/schema.js";
import { newId } from "../lib/ids.js";
import { searchTsv } from "../search/index-entry.js";
import type { Chunk, Section, SourceDocument } from "./types.js";

/** A document's sections → chunks; knowledge/chunk.ts `chunkDocument` (k-extract) once merged. */
export type Chunker = (doc: Pick<SourceDocument, "title" | "sections">) => Chunk[];

export type DocumentRow = typeof knowledgeDocuments.$inferSelect;

/** sha256 of what is indexed: an unchanged document (same title and sections) is not indexed twice. */
export function contentHash(doc: Pick<SourceDocument, "title" | "sections">): string {
  return createHash("sha256")
    .update(JSON.stringify([doc.title, doc.sections]))
    .digest("hex");
}

/**
 * Puts one document into the index inside `tx` (the caller's transaction, which holds the source's
 * row lock): unchanged → the stored row as it is; new or changed → its row upserted and its chunks
 * replaced (delete + insert in the same transaction), so a search never sees two copies.
 */
export async function indexDocument(
  tx: Db,
  sourceId: string,
  doc: SourceDocument,
  chunker: Chunker,
): Promise<{ row: DocumentRow; changed: boolean }> {
  const hash = contentHash(doc);
  const [existing] = await tx
    .select()
    .from(knowledgeDocuments)
    .where(and(eq(knowledgeDocuments.sourceId, sourceId), eq(knowledgeDocuments.externalId, doc.externalId)))
    .for("update");
  if (existing && existing.contentHash === hash && existing.state === "ready") return { row: existing, changed: false };
  const chunks = chunker(doc);
  const byteSize = Buffer.byteLength(doc.sections.map((s) => s.text).join("\n"));
  const values = {
    title: doc.title,
    url: doc.url,
    format: doc.format,
    metadata: doc.metadata,
    contentHash: hash,
    state: chunks.length ? "ready" : "error",
    // An empty document is an error a person can see, not a silent nothing (docs/knowledge.md).
    error: chunks.length ? null : "no text: the document has nothing to index",
    chunkCount: chunks.length,
    byteSize,
    sourceUpdatedAt: doc.updatedAt,
    updatedAt: new Date(),
  };
  let row: DocumentRow | undefined;
  if (existing) {
    await tx.delete(knowledgeChunks).where(eq(knowledgeChunks.documentId, existing.id));
    [row] = await tx.update(knowledgeDocuments).set(values).where(eq(knowledgeDocuments.id, existing.id)).returning();
  } else {
    [row] = await tx
      .insert(knowledgeDocuments)
      .values({ id: newId("kdoc"), sourceId, externalId: doc.externalId, ...values })
      .returning();
  }
  if (!row) throw new Error("upsert of knowledge_documents returned no row");
  if (chunks.length) {
    const docId = row.id;
    await tx.insert(knowledgeChunks).values(
      chunks.map((c) => ({
        id: newId("kch"),
        documentId: docId,
        sourceId,
        seq: c.seq,
        location: c.location,
        searchText: c.text,
        searchTsv: searchTsv(c.text),
      })),
    );
  }
  return { row, changed: true };
}

/** A document that could not be extracted: kept as a row in state error with the reason. */
export async function recordDocumentError(
  tx: Db,
  sourceId: string,
  doc: Pick<SourceDocument, "externalId" | "title" | "format">,
  reason: string,
): Promise<DocumentRow> {
  const [existing] = await tx
    .select({ id: knowledgeDocuments.id })
    .from(knowledgeDocuments)
    .where(and(eq(knowledgeDocuments.sourceId, sourceId), eq(knowledgeDocuments.externalId, doc.externalId)));
  if (existing) await tx.delete(knowledgeChunks).where(eq(knowledgeChunks.documentId, existing.id));
  const values = {
    title: doc.title,
    format: doc.format,
    contentHash: "",
    state: "error",
    error: reason,
    chunkCount: 0,
    updatedAt: new Date(),
  };
  const [row] = existing
    ? await tx.update(knowledgeDocuments).set(values).where(eq(knowledgeDocuments.id, existing.id)).returning()
    : await tx
        .insert(knowledgeDocuments)
        .values({ id: newId("kdoc"), sourceId, externalId: doc.externalId, url: null, ...values })
        .returning();
  if (!row) throw new Error("upsert of knowledge_documents returned no row");
  return row;
}

/** Removes documents (and, by cascade, their chunks) by external id; returns the removed rows. */
export async function removeDocuments(tx: Db, sourceId: string, externalIds: string[]): Promise<DocumentRow[]> {
  if (!externalIds.length) return [];
  return tx
    .delete(knowledgeDocuments)
    .where(and(eq(knowledgeDocuments.sourceId, sourceId), sql`${knowledgeDocuments.externalId} in ${externalIds}`))
    .returning();
}

/** The source's progress from what is stored: every document and chunk counted, errors apart. */
export async function countProgress(tx: Db, sourceId: string) {
  const [docs] = await tx
    .select({
      total: count(),
      errors: sql<number>`count(*) filter (where ${knowledgeDocuments.state} = 'error')`.mapWith(Number),
      chunks: sql<number>`coalesce(sum(${knowledgeDocuments.chunkCount}), 0)`.mapWith(Number),
    })
    .from(knowledgeDocuments)
    .where(eq(knowledgeDocuments.sourceId, sourceId));
  const total = docs?.total ?? 0;
  const chunks = docs?.chunks ?? 0;
  const progress = { documents_done: total, documents_total: total, chunks_done: chunks, chunks_total: chunks };
  await tx.update(knowledgeSources).set({ progress }).where(eq(knowledgeSources.id, sourceId));
  return { progress, errors: docs?.errors ?? 0 };
}

/** Pushed text (kind api) as sections: Markdown `#` headings start a section, the rest is its text. */
export function textSections(text: string): Section[] {
  const sections: Section[] = [];
  const path: string[] = [];
  let lines: string[] = [];
  const flush = () => {
    const body = lines.join("\n").trim();
    if (body) sections.push({ headings: [...path], text: body });
    lines = [];
  };
  let fenced = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      flush();
      const level = (h[1] as string).length;
      path.splice(level - 1);
      while (path.length < level - 1) path.push("");
      path.push(h[2] as string);
      continue;
    }
    lines.push(line);
  }
  flush();
  return sections.map((s) => ({ ...s, headings: s.headings.filter(Boolean) }));
}

/** About 500 tokens of English at ~4 characters a token. */
const CHUNK_CHARS = 2000;

/**
 * A heading-aware chunker used until knowledge/chunk.ts (k-extract's `chunkDocument`) is merged:
 * sections are cut on paragraph boundaries into pieces of about CHUNK_CHARS, each prefixed with the
 * document's title and its headings, so a chunk found alone still says where it is from.
 */
export const simpleChunker: Chunker = (doc) => {
  const chunks: Chunk[] = [];
  for (const s of doc.sections) {
    const where = s.headings.length ? s.headings.join(" › ") : s.page ? `page ${s.page}` : (s.label ?? "");
    const prefix = [doc.title, where].filter(Boolean).join(" — ");
    let piece = "";
    const push = () => {
      if (piece.trim()) chunks.push({ seq: chunks.length, location: where, text: `${prefix}\n\n${piece.trim()}` });
      piece = "";
    };
    for (const para of s.text.split(/\n\s*\n/)) {
      if (piece && piece.length + para.length > CHUNK_CHARS) push();
      for (let i = 0; i < para.length; i += CHUNK_CHARS) {
        piece += (piece ? "\n\n" : "") + para.slice(i, i + CHUNK_CHARS);
        if (piece.length >= CHUNK_CHARS) push();
      }
    }
    push();
  }
  return chunks;
};
