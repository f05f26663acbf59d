import { z } from "zod";
import { SEARCH_QUERY_MAX } from "./search.js";

/**
 * Knowledge sources (docs/knowledge.md): documents attached to a team or a project that every
 * agent working there can search through Strand's MCP server (`search_knowledge`, `read_document`)
 * and people through `GET /api/v1/search?scope=knowledge`.
 */

export const KNOWLEDGE_KINDS = ["files", "jira", "confluence", "api"] as const;
export const KnowledgeKindSchema = z.enum(KNOWLEDGE_KINDS).describe("Where the documents come from.");
export type KnowledgeKind = z.infer<typeof KnowledgeKindSchema>;

export const KNOWLEDGE_STATES = ["pending", "syncing", "ready", "error"] as const;
export const KnowledgeStateSchema = z.enum(KNOWLEDGE_STATES);
export type KnowledgeState = z.infer<typeof KnowledgeStateSchema>;

/** Which state changes a source may make (checked under the source's row lock, like sessions'). */
export const KNOWLEDGE_TRANSITIONS: Readonly<Record<KnowledgeState, readonly KnowledgeState[]>> = {
  pending: ["syncing", "ready", "error"],
  syncing: ["ready", "error"],
  ready: ["syncing", "error"],
  error: ["syncing", "ready"],
};

export function canTransitionKnowledge(from: KnowledgeState, to: KnowledgeState): boolean {
  return from === to || KNOWLEDGE_TRANSITIONS[from].includes(to);
}

/** Config fields that are secrets: sealed server-side, never returned, never sent into a sandbox. */
export const KNOWLEDGE_SECRET_FIELDS = ["api_token", "personal_access_token"] as const;

/** `6h`, `30m`, `1d`: how often a scheduled source syncs. */
export const KNOWLEDGE_SCHEDULE_PATTERN = /^([1-9][0-9]{0,3})(m|h|d)$/;

export const KnowledgeScheduleSchema = z
  .string()
  .regex(KNOWLEDGE_SCHEDULE_PATTERN, "schedule must be a number and m, h or d, e.g. 6h")
  .refine((s) => !KNOWLEDGE_SCHEDULE_PATTERN.test(s) || scheduleSeconds(s) >= 300, "schedule must be at least 5m")
  .describe("How often the source syncs, e.g. `6h`; null: only on Sync now.");

/** Seconds of a schedule such as `6h`. */
export function scheduleSeconds(schedule: string): number {
  const m = KNOWLEDGE_SCHEDULE_PATTERN.exec(schedule);
  if (!m) throw new Error(`not a schedule: ${schedule}`);
  return Number(m[1]) * { m: 60, h: 3600, d: 86400 }[m[2] as "m" | "h" | "d"];
}

/** The shortest schedule string for a number of seconds (`21600` → `6h`). */
export function scheduleOf(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds / 60)}m`;
}

const nameSchema = z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters");
const descriptionSchema = z
  .string()
  .trim()
  .max(2000, "description must be at most 2000 characters")
  .describe("What it holds: agents read it to decide when to search this source.");
const configSchema = z
  .record(z.string(), z.unknown())
  .describe("The kind's settings. Secret fields (`api_token`, `personal_access_token`) are sealed and never returned.");

export const KnowledgeProgressSchema = z.object({
  documents_done: z.int(),
  documents_total: z.int(),
  chunks_done: z.int(),
  chunks_total: z.int(),
});
export type KnowledgeProgress = z.infer<typeof KnowledgeProgressSchema>;

export const KnowledgeSourceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    kind: KnowledgeKindSchema,
    team_id: z.string().nullable(),
    project_id: z.string().nullable(),
    config: z.record(z.string(), z.unknown()).describe("Settings without the secret fields."),
    credentials_set: z.boolean().describe("Whether secrets are stored; they are never returned."),
    state: KnowledgeStateSchema,
    state_reason: z.string().nullable(),
    progress: KnowledgeProgressSchema,
    schedule: z.string().nullable(),
    last_synced_at: z.string().nullable(),
    next_sync_at: z.string().nullable(),
    document_errors: z.int().describe("Documents that could not be indexed (see their `error`)."),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "KnowledgeSource" });
export type KnowledgeSource = z.infer<typeof KnowledgeSourceSchema>;

export const KnowledgeSourceListSchema = z.object({ sources: z.array(KnowledgeSourceSchema) });
export type KnowledgeSourceList = z.infer<typeof KnowledgeSourceListSchema>;

export const CreateKnowledgeSourceBodySchema = z
  .strictObject({
    name: nameSchema,
    kind: KnowledgeKindSchema,
    team_id: z.string().max(100).optional(),
    project_id: z.string().max(100).optional(),
    description: descriptionSchema.optional(),
    config: configSchema.default({}),
    schedule: KnowledgeScheduleSchema.nullish(),
  })
  .refine((b) => (b.team_id === undefined) !== (b.project_id === undefined), {
    message: "give exactly one of team_id and project_id: the team or project whose agents get the source",
    path: ["team_id"],
  });
export type CreateKnowledgeSourceBody = z.output<typeof CreateKnowledgeSourceBodySchema>;

export const UpdateKnowledgeSourceBodySchema = z.strictObject({
  name: nameSchema.optional(),
  description: descriptionSchema.optional(),
  config: configSchema.optional().describe("Replaces the settings; secret fields left out keep their stored value."),
  schedule: KnowledgeScheduleSchema.nullish(),
});
export type UpdateKnowledgeSourceBody = z.output<typeof UpdateKnowledgeSourceBodySchema>;

export const KnowledgeListQuerySchema = z.strictObject({
  team_id: z.string().max(100).optional(),
  project_id: z.string().max(100).optional(),
});

export const KNOWLEDGE_DOCUMENT_STATES = ["ready", "error"] as const;

export const KnowledgeDocumentSchema = z
  .object({
    id: z.string(),
    source_id: z.string(),
    external_id: z.string().describe("Its identity in the source: file path, issue key, page id, the API's doc_id."),
    title: z.string(),
    url: z.string().nullable(),
    format: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    state: z.enum(KNOWLEDGE_DOCUMENT_STATES),
    error: z.string().nullable().describe("Why it could not be indexed."),
    chunk_count: z.int(),
    byte_size: z.int(),
    source_updated_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "KnowledgeDocument" });
export type KnowledgeDocument = z.infer<typeof KnowledgeDocumentSchema>;

export const KnowledgeDocumentListSchema = z.object({
  documents: z.array(KnowledgeDocumentSchema),
  next_cursor: z.string().nullable(),
});
export type KnowledgeDocumentList = z.infer<typeof KnowledgeDocumentListSchema>;

export const KnowledgeDocumentsQuerySchema = z.strictObject({
  state: z.enum(KNOWLEDGE_DOCUMENT_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1000).optional(),
});

export const KnowledgeChunkSchema = z
  .object({ id: z.string(), seq: z.int(), location: z.string(), text: z.string() })
  .meta({ id: "KnowledgeChunk" });
export type KnowledgeChunk = z.infer<typeof KnowledgeChunkSchema>;

export const KnowledgeDocumentWithChunksSchema = KnowledgeDocumentSchema.extend({
  chunks: z.array(KnowledgeChunkSchema),
}).meta({ id: "KnowledgeDocumentWithChunks" });
export type KnowledgeDocumentWithChunks = z.infer<typeof KnowledgeDocumentWithChunksSchema>;

/** Pushed text is capped so one request cannot hold the server's memory; split larger documents. */
export const KNOWLEDGE_PUT_TEXT_MAX = 5_000_000;

export const PutKnowledgeDocumentBodySchema = z.strictObject({
  title: z.string().trim().min(1, "title must not be empty").max(500, "title must be at most 500 characters"),
  url: z.url({ error: "url must be an http(s) URL" }).max(2000).nullish(),
  text: z
    .string()
    .max(KNOWLEDGE_PUT_TEXT_MAX, `text must be at most ${KNOWLEDGE_PUT_TEXT_MAX} characters`)
    .describe("Markdown or plain text; `#` headings become the chunks' locations."),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type PutKnowledgeDocumentBody = z.output<typeof PutKnowledgeDocumentBodySchema>;

export const KnowledgeDocumentParamsSchema = z.object({
  id: z.string().max(100),
  doc_id: z.string().min(1).max(1000).describe("The document's external id, URL-encoded."),
});

export const KnowledgeTestResultSchema = z
  .object({ ok: z.boolean(), message: z.string().describe("What worked, or what is wrong (credentials, URL, JQL).") })
  .meta({ id: "KnowledgeTestResult" });
export type KnowledgeTestResult = z.infer<typeof KnowledgeTestResultSchema>;

export const TestKnowledgeConfigBodySchema = z.strictObject({ kind: KnowledgeKindSchema, config: configSchema });

/** What an upload indexed: one document per file (a zip: per member), errors included. */
export const KnowledgeUploadResultSchema = z
  .object({ documents: z.array(KnowledgeDocumentSchema), source: z.lazy(() => KnowledgeSourceSchema) })
  .meta({ id: "KnowledgeUploadResult" });
export type KnowledgeUploadResult = z.infer<typeof KnowledgeUploadResultSchema>;

// ---- Strand's MCP server: knowledge tools ----

export const SearchKnowledgeInputSchema = z.strictObject({
  query: z.string().min(1).max(SEARCH_QUERY_MAX).describe('Words, "quoted phrases" or identifiers to find.'),
  source: z.string().max(100).optional().describe("Only this source, by name or id."),
  limit: z.number().int().min(1).max(50).default(8),
});
export type SearchKnowledgeInput = z.input<typeof SearchKnowledgeInputSchema>;

export const ReadDocumentInputSchema = z.strictObject({
  chunk_id: z.string().max(100).optional().describe("A chunk from search_knowledge."),
  document_id: z.string().max(100).optional().describe("With seq: a document's chunk by position."),
  seq: z.number().int().min(0).optional(),
  before: z.number().int().min(0).max(20).default(1),
  after: z.number().int().min(0).max(20).default(2),
});
export type ReadDocumentInput = z.input<typeof ReadDocumentInputSchema>;

export const GetIssueInputSchema = z.strictObject({
  key: z.string().max(100).describe("The issue key, e.g. PROJ-12."),
  source: z.string().max(100).optional().describe("The Jira source by name or id, when more than one is attached."),
});
export type GetIssueInput = z.input<typeof GetIssueInputSchema>;

export const CommentOnIssueInputSchema = GetIssueInputSchema.extend({
  body: z.string().min(1).max(32_000).describe("The comment's text."),
});
export type CommentOnIssueInput = z.input<typeof CommentOnIssueInputSchema>;
