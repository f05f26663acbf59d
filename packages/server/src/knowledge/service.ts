import {
  type CreateKnowledgeSourceBody,
  canTransitionKnowledge,
  ErrorCodes,
  KNOWLEDGE_SECRET_FIELDS,
  type KnowledgeDocument,
  type KnowledgeDocumentList,
  type KnowledgeDocumentWithChunks,
  type KnowledgeSource,
  type KnowledgeState,
  type PutKnowledgeDocumentBody,
  scheduleOf,
  scheduleSeconds,
  type UpdateKnowledgeSourceBody,
} from "@strand/protocol";
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import { ZodError } from "zod";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Db } from "../db/database.js";
import { uniqueViolation } from "../db/errors.js";
import { knowledgeChunks, knowledgeDocuments, knowledgeSources, projects } from "../db/schema.js";
import { conflict, HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import { type Access, type Actor, assertAccess, knowledgeAccess } from "../policy/policy.js";
import { knowledgeScope } from "../policy/scopes.js";
import { chunkDocument } from "./chunk.js";
import { type ConnectorKind, createConnector, splitSecrets as splitConnectorSecrets } from "./connectors/index.js";
import type { ConnectorOptions } from "./connectors/jira.js";
import { extractUpload, MAX_UPLOAD_BYTES } from "./extract/index.js";
import {
  type Chunker,
  countProgress,
  type DocumentRow,
  indexDocument,
  recordDocumentError,
  removeDocuments,
  textSections,
} from "./indexer.js";
import { ConnectorError, ExtractError } from "./types.js";

type SourceRow = typeof knowledgeSources.$inferSelect;

const badRequest = (field: string, message: string) =>
  new HttpError(400, ErrorCodes.validationFailed, message, { issues: [{ path: [field], message }] });

/**
 * Knowledge sources (docs/knowledge.md): their settings and sealed secrets, their documents and the
 * index behind search. Every write is one transaction that locks the source row and checks
 * KNOWLEDGE_TRANSITIONS; who may do what is policy.ts `knowledgeAccess` and scopes.ts `knowledgeScope`.
 */
export class KnowledgeService {
  /** Set by the server to wake the sync runner (knowledge/sync-runner.ts) on Sync now. */
  onSyncNow: () => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    readonly chunker: Chunker = chunkDocument,
    /** For connectors' HTTP calls (tests point them at the local Jira and Confluence fakes). */
    private readonly connectorOptions: ConnectorOptions = {},
  ) {}

  async create(actor: Actor, body: CreateKnowledgeSourceBody): Promise<KnowledgeSource> {
    const teamId = body.team_id ?? null;
    const projectId = body.project_id ?? null;
    const project = projectId ? await this.projectOf(projectId) : null;
    if (projectId && !project) throw notFound("project", projectId);
    const access = knowledgeAccess(actor, { teamId }, project);
    if (teamId) assertAccess(actor, { ownerId: null }, "control", { kind: "team", id: teamId }, access);
    else assertAccess(actor, { ownerId: null }, "control", { kind: "project", id: projectId as string }, access);
    const { config, secrets } = checkConfig(body.kind, body.config);
    const id = newId("ksrc");
    const schedule = body.schedule ? scheduleSeconds(body.schedule) : null;
    // Files and pushed documents have nothing to fetch: ready (and empty) from the start.
    const fetched = body.kind === "jira" || body.kind === "confluence";
    try {
      const [row] = await this.db
        .insert(knowledgeSources)
        .values({
          id,
          name: body.name,
          description: body.description ?? "",
          kind: body.kind,
          teamId,
          projectId,
          createdBy: actor.kind === "user" ? actor.userId : actor.ownerId,
          config,
          credentialsEnc: Object.keys(secrets).length ? this.box.seal(JSON.stringify(secrets), id) : null,
          state: fetched ? "pending" : "ready",
          progress: { documents_done: 0, documents_total: 0, chunks_done: 0, chunks_total: 0 },
          scheduleSeconds: schedule,
          nextSyncAt: fetched ? new Date() : null,
        })
        .returning();
      // A new Jira or Confluence source is due at once: its first sync starts without waiting for a poll.
      if (fetched) this.onSyncNow();
      return toSource(row as SourceRow, 0);
    } catch (err) {
      if (uniqueViolation(err))
        throw conflict(`a knowledge source named ${JSON.stringify(body.name)} exists there already`);
      throw err;
    }
  }

  async list(actor: Actor, filter: { teamId?: string | undefined; projectId?: string | undefined }) {
    const conds: SQL[] = [knowledgeScope(actor)];
    if (filter.teamId) conds.push(eq(knowledgeSources.teamId, filter.teamId));
    if (filter.projectId) conds.push(eq(knowledgeSources.projectId, filter.projectId));
    const rows = await this.db
      .select({ s: knowledgeSources, errors: errorCount })
      .from(knowledgeSources)
      .where(and(...conds))
      .orderBy(asc(sql`lower(${knowledgeSources.name})`), asc(knowledgeSources.id));
    return { sources: rows.map((r) => toSource(r.s, r.errors)) };
  }

  async get(actor: Actor, id: string): Promise<KnowledgeSource> {
    const row = await this.visible(actor, id, "view");
    return toSource(row, await this.errors(id));
  }

  async update(actor: Actor, id: string, body: UpdateKnowledgeSourceBody): Promise<KnowledgeSource> {
    await this.visible(actor, id, "control");
    return this.db.transaction(async (tx) => {
      const row = await lock(tx, id);
      const patch: Partial<typeof knowledgeSources.$inferInsert> = { updatedAt: new Date() };
      if (body.name !== undefined) patch.name = body.name;
      if (body.description !== undefined) patch.description = body.description;
      if (body.schedule !== undefined) patch.scheduleSeconds = body.schedule ? scheduleSeconds(body.schedule) : null;
      if (body.config !== undefined) {
        // Secret fields left out keep their stored value; the whole is checked as one config.
        const { config, secrets } = checkConfig(row.kind as KnowledgeSource["kind"], {
          ...this.secretsOf(row),
          ...body.config,
        });
        patch.config = config;
        patch.credentialsEnc = Object.keys(secrets).length ? this.box.seal(JSON.stringify(secrets), id) : null;
      }
      try {
        const [updated] = await tx.update(knowledgeSources).set(patch).where(eq(knowledgeSources.id, id)).returning();
        return toSource(updated as SourceRow, await this.errors(id, tx));
      } catch (err) {
        if (uniqueViolation(err))
          throw conflict(`a knowledge source named ${JSON.stringify(body.name)} exists there already`);
        throw err;
      }
    });
  }

  async delete(actor: Actor, id: string): Promise<KnowledgeSource> {
    const row = await this.visible(actor, id, "control");
    const errors = await this.errors(id);
    await this.db.delete(knowledgeSources).where(eq(knowledgeSources.id, id));
    return toSource(row, errors);
  }

  /** Sync now: due at once, for the sync runner; a source with nothing to fetch just stays ready. */
  async syncNow(actor: Actor, id: string): Promise<KnowledgeSource> {
    await this.visible(actor, id, "control");
    const source = await this.db.transaction(async (tx) => {
      const row = await lock(tx, id);
      const fetched = row.kind === "jira" || row.kind === "confluence";
      const [updated] = await tx
        .update(knowledgeSources)
        .set(fetched ? { nextSyncAt: new Date(), updatedAt: new Date() } : { updatedAt: new Date() })
        .where(eq(knowledgeSources.id, id))
        .returning();
      return toSource(updated as SourceRow, await this.errors(id, tx));
    });
    this.onSyncNow();
    return source;
  }

  async documents(
    actor: Actor,
    id: string,
    q: { state?: "ready" | "error" | undefined; limit: number; cursor?: string | undefined },
  ): Promise<KnowledgeDocumentList> {
    await this.visible(actor, id, "view");
    const conds: SQL[] = [eq(knowledgeDocuments.sourceId, id)];
    if (q.state) conds.push(eq(knowledgeDocuments.state, q.state));
    if (q.cursor) conds.push(gt(knowledgeDocuments.externalId, Buffer.from(q.cursor, "base64url").toString()));
    const rows = await this.db
      .select()
      .from(knowledgeDocuments)
      .where(and(...conds))
      .orderBy(asc(knowledgeDocuments.externalId))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      documents: page.map(toDocument),
      next_cursor: rows.length > q.limit && last ? Buffer.from(last.externalId).toString("base64url") : null,
    };
  }

  async document(actor: Actor, id: string, externalId: string): Promise<KnowledgeDocumentWithChunks> {
    await this.visible(actor, id, "view");
    const doc = await this.documentRow(id, externalId);
    const chunks = await this.db
      .select()
      .from(knowledgeChunks)
      .where(eq(knowledgeChunks.documentId, doc.id))
      .orderBy(asc(knowledgeChunks.seq));
    return {
      ...toDocument(doc),
      chunks: chunks.map((c) => ({ id: c.id, seq: c.seq, location: c.location, text: c.searchText })),
    };
  }

  /** PUT of a pushed document (kind api): indexed in this transaction; unchanged text is not re-indexed. */
  async putDocument(
    actor: Actor,
    id: string,
    externalId: string,
    body: PutKnowledgeDocumentBody,
  ): Promise<KnowledgeDocument> {
    const source = await this.visible(actor, id, "control");
    if (source.kind !== "api") throw pushOnly(source);
    return this.db.transaction(async (tx) => {
      await lock(tx, id);
      const { row } = await indexDocument(
        tx,
        id,
        {
          externalId,
          title: body.title,
          url: body.url ?? null,
          format: "api",
          sections: textSections(body.text),
          metadata: body.metadata ?? {},
          updatedAt: new Date(),
        },
        this.chunker,
      );
      await this.settle(tx, id);
      return toDocument(row);
    });
  }

  async deleteDocument(actor: Actor, id: string, externalId: string): Promise<KnowledgeDocument> {
    const source = await this.visible(actor, id, "control");
    if (source.kind !== "api") throw pushOnly(source);
    return this.db.transaction(async (tx) => {
      await lock(tx, id);
      const [removed] = await removeDocuments(tx, id, [externalId]);
      if (!removed) throw notFound("document", externalId);
      await this.settle(tx, id);
      return toDocument(removed);
    });
  }

  /**
   * Uploaded files (kind files) extracted and indexed before the answer: the source goes syncing →
   * ready; each file is indexed in its own transaction (a file that cannot be read becomes a
   * document in state error with the reason). What refuses a whole upload (too large, a zip bomb,
   * a path leaving the archive) answers 400 (413 for size) and indexes nothing of it.
   */
  async upload(
    actor: Actor,
    id: string,
    files: { filename: string; bytes: Uint8Array }[],
  ): Promise<{ documents: KnowledgeDocument[]; source: KnowledgeSource }> {
    const source = await this.visible(actor, id, "control");
    if (source.kind !== "files") {
      throw conflict(
        `knowledge source ${source.name} is of kind ${source.kind}: only sources of kind files take uploads`,
      );
    }
    if (!files.length) throw badRequest("files", "send one or more files as multipart/form-data");
    const extracted = [];
    for (const f of files) {
      if (f.bytes.length > MAX_UPLOAD_BYTES) throw tooLarge(f.filename, f.bytes.length);
      try {
        extracted.push(...(await extractUpload(f.filename, f.bytes)));
      } catch (err) {
        if (err instanceof ExtractError) throw badRequest("files", `${f.filename}: ${err.message}`);
        throw err;
      }
    }
    await this.db.transaction((tx) => transition(tx, id, "syncing", null));
    const documents: KnowledgeDocument[] = [];
    try {
      for (const f of extracted) {
        const row = await this.db.transaction(async (tx) => {
          await lock(tx, id);
          if (!f.document) {
            return recordDocumentError(
              tx,
              id,
              { externalId: f.path, title: f.path, format: "text" },
              f.error ?? "cannot be read",
            );
          }
          const { row } = await indexDocument(
            tx,
            id,
            { externalId: f.path, url: null, updatedAt: new Date(), ...f.document },
            this.chunker,
          );
          return row;
        });
        documents.push(toDocument(row));
      }
    } finally {
      await this.db.transaction(async (tx) => {
        await countProgress(tx, id);
        await transition(tx, id, "ready", null);
      });
    }
    return { documents, source: await this.get(actor, id) };
  }

  /** A stored source's secrets, opened (server-side only: connectors and the MCP Jira tools). */
  secretsOf(row: SourceRow): Record<string, string> {
    return row.credentialsEnc ? (JSON.parse(this.box.open(row.credentialsEnc, row.id)) as Record<string, string>) : {};
  }

  /** The connector of a Jira or Confluence source, with its stored credentials. */
  connectorOf(row: SourceRow) {
    if (row.kind !== "jira" && row.kind !== "confluence") throw new Error(`source ${row.id} is of kind ${row.kind}`);
    const { config, secrets } = checkConfig(row.kind, { ...row.config, ...this.secretsOf(row) });
    return createConnector(row.kind as ConnectorKind, config as never, secrets, this.connectorOptions);
  }

  /** Test connection of a config before it is saved (`{ok, message}`; never throws for a refusal). */
  async testConfig(
    kind: KnowledgeSource["kind"],
    input: Record<string, unknown>,
  ): Promise<{ ok: boolean; message: string }> {
    if (kind !== "jira" && kind !== "confluence")
      return { ok: true, message: `a ${kind} source has nothing to connect to` };
    const { config, secrets } = checkConfig(kind, input);
    return runTest(createConnector(kind, config as never, secrets, this.connectorOptions));
  }

  /** Test connection of a stored source with its stored credentials. */
  async test(actor: Actor, id: string): Promise<{ ok: boolean; message: string }> {
    const row = await this.visible(actor, id, "control");
    if (row.kind !== "jira" && row.kind !== "confluence")
      return { ok: true, message: `a ${row.kind} source has nothing to connect to` };
    return runTest(this.connectorOf(row));
  }

  /** Up to two source rows within `knowledgeScope` (two: the caller must say which). */
  async rowsInScope(actor: Actor, where: SQL): Promise<SourceRow[]> {
    return this.db
      .select()
      .from(knowledgeSources)
      .where(and(knowledgeScope(actor), where))
      .limit(2);
  }

  /** Progress recounted and the source ready (a write to a source with nothing to fetch). */
  private async settle(tx: Db, id: string) {
    await countProgress(tx, id);
    await transition(tx, id, "ready", null);
  }

  /** The source if the actor may see it, with `need` checked (404 when not visible at all). */
  private async visible(actor: Actor, id: string, need: "view" | "control"): Promise<SourceRow> {
    const [row] = await this.db.select().from(knowledgeSources).where(eq(knowledgeSources.id, id));
    const project = row?.projectId ? await this.projectOf(row.projectId) : null;
    const access: Access = row ? knowledgeAccess(actor, row, project) : "none";
    assertAccess(actor, { ownerId: null }, need, { kind: "knowledge source", id }, access);
    return row as SourceRow;
  }

  private async projectOf(projectId: string) {
    const [p] = await this.db
      .select({ ownerId: projects.ownerId, teamId: projects.teamId })
      .from(projects)
      .where(eq(projects.id, projectId));
    return p ?? null;
  }

  private async documentRow(sourceId: string, externalId: string): Promise<DocumentRow> {
    const [doc] = await this.db
      .select()
      .from(knowledgeDocuments)
      .where(and(eq(knowledgeDocuments.sourceId, sourceId), eq(knowledgeDocuments.externalId, externalId)));
    if (!doc) throw notFound("document", externalId);
    return doc;
  }

  private async errors(id: string, db: Db = this.db): Promise<number> {
    const [r] = await db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(knowledgeDocuments)
      .where(and(eq(knowledgeDocuments.sourceId, id), eq(knowledgeDocuments.state, "error")));
    return r?.n ?? 0;
  }
}

const errorCount =
  sql<number>`(select count(*) from ${knowledgeDocuments} where ${knowledgeDocuments.sourceId} = ${knowledgeSources.id} and ${knowledgeDocuments.state} = 'error')`.mapWith(
    Number,
  );

/** 413 naming the limit, so the person knows what to split. */
export const tooLarge = (filename: string, bytes: number | null) =>
  new HttpError(
    413,
    ErrorCodes.bodyTooLarge,
    `${filename}${bytes ? ` is ${Math.ceil(bytes / 1024 / 1024)} MB:` : " is too large:"} the upload limit is ${MAX_UPLOAD_BYTES / 1024 / 1024} MB a file; split it or upload a zip of smaller files`,
  );

const pushOnly = (s: SourceRow) =>
  conflict(
    `knowledge source ${s.name} is of kind ${s.kind}: only sources of kind api take pushed documents` +
      (s.kind === "files" ? "; upload files with POST /api/v1/knowledge/:id/files" : ""),
  );

async function lock(tx: Db, id: string): Promise<SourceRow> {
  const [row] = await tx.select().from(knowledgeSources).where(eq(knowledgeSources.id, id)).for("update");
  if (!row) throw notFound("knowledge source", id);
  return row;
}

/** A state change under the row lock, refused (409) when KNOWLEDGE_TRANSITIONS does not allow it. */
export async function transition(tx: Db, id: string, to: KnowledgeState, reason: string | null): Promise<void> {
  const row = await lock(tx, id);
  if (!canTransitionKnowledge(row.state as KnowledgeState, to)) {
    throw new HttpError(
      409,
      ErrorCodes.invalidTransition,
      `knowledge source ${row.name} cannot go from ${row.state} to ${to}`,
    );
  }
  await tx
    .update(knowledgeSources)
    .set({
      state: to,
      stateReason: reason,
      updatedAt: new Date(),
      ...(to === "ready" ? { lastSyncedAt: new Date() } : {}),
    })
    .where(eq(knowledgeSources.id, id));
}

/** The secret fields out of a config: they are sealed apart and never stored in `config`. */
export function splitSecrets(config: Record<string, unknown>) {
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if ((KNOWLEDGE_SECRET_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== "string" || !v.trim()) throw badRequest(`config.${k}`, `config.${k} must be a non-empty string`);
      secrets[k] = v;
    } else plain[k] = v;
  }
  return { config: plain, secrets };
}

/**
 * A config as entered, checked for its kind and split into what is stored and what is sealed:
 * Jira and Confluence by k-connectors' schemas (a zod error becomes 400 naming `config.<field>`),
 * `files` and `api` take no credentials.
 */
function checkConfig(
  kind: KnowledgeSource["kind"],
  input: Record<string, unknown>,
): { config: Record<string, unknown>; secrets: Record<string, string> } {
  if (kind === "api" || kind === "files") {
    const { config, secrets } = splitSecrets(input);
    const [field] = Object.keys(secrets);
    if (field) throw badRequest(`config.${field}`, `a ${kind} source has no credentials; leave out config.${field}`);
    return { config, secrets };
  }
  try {
    const { config, secrets } = splitConnectorSecrets(kind, input);
    return { config: config as Record<string, unknown>, secrets: secrets as Record<string, string> };
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    const issue = err.issues[0];
    const field = `config${issue?.path.length ? `.${issue.path.join(".")}` : ""}`;
    const message = `${field}: ${issue?.message ?? "invalid"}`;
    throw new HttpError(400, ErrorCodes.validationFailed, message, {
      issues: err.issues.map((i) => ({ path: ["config", ...i.path], message: i.message })),
    });
  }
}

async function runTest(connector: { test(): Promise<{ message: string }> }): Promise<{ ok: boolean; message: string }> {
  try {
    return { ok: true, ...(await connector.test()) };
  } catch (err) {
    if (err instanceof ConnectorError) return { ok: false, message: err.message };
    throw err;
  }
}

function toSource(r: SourceRow, documentErrors: number): KnowledgeSource {
  const p = r.progress ?? {};
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind as KnowledgeSource["kind"],
    team_id: r.teamId,
    project_id: r.projectId,
    config: r.config,
    credentials_set: r.credentialsEnc !== null,
    state: r.state as KnowledgeState,
    state_reason: r.stateReason,
    progress: {
      documents_done: p.documents_done ?? 0,
      documents_total: p.documents_total ?? 0,
      chunks_done: p.chunks_done ?? 0,
      chunks_total: p.chunks_total ?? 0,
    },
    schedule: r.scheduleSeconds ? scheduleOf(r.scheduleSeconds) : null,
    last_synced_at: r.lastSyncedAt?.toISOString() ?? null,
    next_sync_at: r.nextSyncAt?.toISOString() ?? null,
    document_errors: documentErrors,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

function toDocument(d: DocumentRow): KnowledgeDocument {
  return {
    id: d.id,
    source_id: d.sourceId,
    external_id: d.externalId,
    title: d.title,
    url: d.url,
    format: d.format,
    metadata: d.metadata,
    state: d.state as KnowledgeDocument["state"],
    error: d.error,
    chunk_count: d.chunkCount,
    byte_size: d.byteSize,
    source_updated_at: d.sourceUpdatedAt?.toISOString() ?? null,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}
