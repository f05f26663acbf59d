import { z } from "zod";
import { ENTRY_KINDS } from "./conversation.js";
import { RuntimeSchema } from "./sessions.js";

/**
 * Search over every conversation a person may see (docs/search.md): people through
 * `GET /api/v1/search`, the web UI and `strand search`; agents through Strand's MCP server
 * (`search_history`, `read_conversation`), with the session owner's scope.
 */

/** Longer queries are refused with 400 naming this limit: nobody types more, and pasted logs are better cut. */
export const SEARCH_QUERY_MAX = 500;
export const SEARCH_LIMIT_MAX = 100;

export const SearchKindSchema = z.enum(ENTRY_KINDS);
export type SearchKind = z.infer<typeof SearchKindSchema>;

/**
 * How results are found: `keyword` (full text and trigrams only), `hybrid` (keyword and vectors
 * merged by reciprocal rank fusion; the same as keyword when no embedding model is set), `auto`
 * (hybrid when vectors exist for the scope, else keyword).
 */
export const SearchModeSchema = z.enum(["auto", "keyword", "hybrid"]);
export type SearchMode = z.infer<typeof SearchModeSchema>;

const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z" });

/** `kind=tool_call,text` or `kind=tool_call&kind=text`. */
const kindList = z.preprocess(
  (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(","))),
  z.array(SearchKindSchema, { error: () => `kind must be among: ${ENTRY_KINDS.join(", ")}` }).max(ENTRY_KINDS.length),
);

export const SearchQuerySchema = z.strictObject({
  q: z
    .string()
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, 'q must not be empty: give words, a "quoted phrase" or an identifier')
        .max(SEARCH_QUERY_MAX, `q must be at most ${SEARCH_QUERY_MAX} characters`),
    )
    .describe('Words, "quoted phrases" (matched exactly) and identifiers (`ERR_CONN_4417`, `src/auth/login.ts`).'),
  session_id: z.string().max(100).optional(),
  project_id: z.string().max(100).optional(),
  team_id: z.string().max(100).optional(),
  runtime: RuntimeSchema.optional(),
  kind: kindList.optional(),
  since: isoTime.optional().describe("Entries stored at or after this time."),
  until: isoTime.optional().describe("Entries stored before this time."),
  limit: z.coerce.number().int().min(1).max(SEARCH_LIMIT_MAX).default(20),
  cursor: z.string().max(1000).optional().describe("`next_cursor` of the previous page."),
  mode: SearchModeSchema.default("auto"),
  scope: z
    .enum(["history", "knowledge", "all"])
    .default("history")
    .describe("What to search: conversations (`history`), knowledge sources (`knowledge`) or both, fused (`all`)."),
  source_id: z.string().max(100).optional().describe("Only this knowledge source (scope knowledge or all)."),
});
export type SearchQuery = z.output<typeof SearchQuerySchema>;
export type SearchQueryInput = z.input<typeof SearchQuerySchema>;

/** A matched range of `snippet`, in UTF-16 code units (what JavaScript's string indexes count). */
export const SearchHighlightSchema = z.object({ start: z.int().min(0), end: z.int().min(0) });
export type SearchHighlight = z.infer<typeof SearchHighlightSchema>;

export const SearchResultSchema = z
  .object({
    type: z
      .literal("history")
      .optional()
      .describe("Always `history` in answers; optional in the type so results built by older clients still fit."),
    session_id: z.string(),
    session_name: z.string(),
    entry_id: z.string(),
    seq: z.int(),
    kind: SearchKindSchema,
    snippet: z.string().describe("The entry's text around the match, at most about 300 characters."),
    highlights: z.array(SearchHighlightSchema),
    score: z.number().describe("Higher is better; comparable within one response only."),
    created_at: z.string(),
    project_id: z.string().nullable(),
    team_id: z.string().nullable(),
    runtime: RuntimeSchema,
  })
  .meta({ id: "SearchResult" });
export type SearchResult = z.infer<typeof SearchResultSchema>;

/** A chunk of a knowledge source's document (docs/knowledge.md). */
export const KnowledgeSearchResultSchema = z
  .object({
    type: z.literal("knowledge"),
    source_id: z.string(),
    source_name: z.string(),
    source_kind: z.string(),
    document_id: z.string(),
    external_id: z.string(),
    document_title: z.string(),
    chunk_id: z.string(),
    chunk_seq: z.int(),
    location: z.string().describe("Where in the document: `page 3`, `Install › Debian`, `PROJ-12 · comment 2`."),
    url: z.string().nullable().describe("A link to the original, when the source has one."),
    snippet: z.string(),
    highlights: z.array(SearchHighlightSchema),
    score: z.number(),
    created_at: z.string(),
    project_id: z.string().nullable(),
    team_id: z.string().nullable(),
  })
  .meta({ id: "KnowledgeSearchResult" });
export type KnowledgeSearchResult = z.infer<typeof KnowledgeSearchResultSchema>;

/** Told apart by `type` (`knowledge` is always set; a history result has `history` or, from older code, nothing). */
export const AnySearchResultSchema = z.union([KnowledgeSearchResultSchema, SearchResultSchema]);
export type AnySearchResult = z.infer<typeof AnySearchResultSchema>;

export const isKnowledgeResult = (r: AnySearchResult): r is KnowledgeSearchResult => r.type === "knowledge";

export const SearchResponseSchema = z
  .object({
    results: z.array(AnySearchResultSchema).describe("Conversation entries (`type: history`) and knowledge chunks."),
    next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page."),
    /** What was used, after `auto` was resolved. */
    mode: z.enum(["keyword", "hybrid"]),
  })
  .meta({ id: "SearchResponse" });
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

/** Background work of the index: the backfill of old entries and the embeddings, each with progress. */
export const SearchStatusSchema = z
  .object({
    backfill: z.object({
      indexed: z.int(),
      total: z.int(),
      complete: z.boolean(),
    }),
    embeddings: z.object({
      /** `provider/model` in use server-wide, or null when none is set (keyword search only). */
      model: z.string().nullable(),
      dimensions: z.int().nullable(),
      /** `pgvector` where the extension exists; `array` stores vectors as real[] and ranks them in SQL. */
      storage: z.enum(["pgvector", "array", "none"]),
      embedded: z.int(),
      total: z.int(),
      /** The last failure of the embedding provider, if it is failing now (keyword search keeps working). */
      error: z.string().nullable(),
    }),
  })
  .meta({ id: "SearchStatus" });
export type SearchStatus = z.infer<typeof SearchStatusSchema>;

// ---- Strand's MCP server (`/mcp`): tool inputs, shared by the server and the docs ----

export const MCP_PATH = "/mcp";
/** The name agents see for Strand's MCP server in their runtime (tools appear as `strand` tools). */
export const MCP_SERVER_NAME = "strand";

export const SearchHistoryInputSchema = z.strictObject({
  query: z.string().min(1).max(SEARCH_QUERY_MAX).describe('Words, "quoted phrases" or identifiers to find.'),
  session_id: z.string().max(100).optional().describe("Only this session's conversation."),
  project_id: z.string().max(100).optional(),
  kind: z.array(SearchKindSchema).optional().describe("Only these kinds of entries."),
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.number().int().min(1).max(50).default(10),
});
export type SearchHistoryInput = z.input<typeof SearchHistoryInputSchema>;

export const ReadConversationInputSchema = z.strictObject({
  session_id: z.string().max(100),
  entry_id: z
    .string()
    .max(100)
    .optional()
    .describe("The entry to read around (from search_history); default: the last one."),
  before: z.number().int().min(0).max(50).default(5),
  after: z.number().int().min(0).max(50).default(5),
});
export type ReadConversationInput = z.input<typeof ReadConversationInputSchema>;
