/*
 * The seams of knowledge sources (docs/knowledge.md), so that extraction, connectors and the
 * indexer are separate modules that meet only here:
 *
 *   upload / connector ──▶ SourceDocument ──▶ chunkDocument() ──▶ Chunk[] ──▶ indexer (PostgreSQL)
 *
 * - knowledge/extract/: bytes of a file (or a zip of files) → ExtractedDocument, or ExtractError.
 * - knowledge/connectors/: Jira and Confluence → SourceDocument through a SyncSink.
 * - knowledge/chunk.ts: a document's sections → chunks of about 500 tokens, headings kept.
 */

/** `pdf`, `docx`, … as stored in knowledge_documents.format. */
export type DocumentFormat =
  | "pdf"
  | "docx"
  | "markdown"
  | "html"
  | "text"
  | "code"
  | "jira_issue"
  | "confluence_page"
  | "api";

/** A run of text under one heading path, on one page where the format has pages. */
export interface Section {
  /** Headings from the outermost down (`["Install", "Debian"]`); empty before the first heading. */
  headings: string[];
  /** 1-based page number (PDF); undefined where the format has no pages. */
  page?: number;
  /** Where else this is, for the location when there are no headings or pages (`comment 2`, `description`). */
  label?: string;
  text: string;
}

/** What extraction reads from one file. */
export interface ExtractedDocument {
  format: DocumentFormat;
  /** The document's own title (PDF metadata, first heading, <title>), else the file name. */
  title: string;
  sections: Section[];
  /** Format facts worth keeping: page count, author, language of source code. */
  metadata: Record<string, unknown>;
}

/** A file that cannot be indexed, with the reason a person can act on (encrypted, corrupt, no text). */
export class ExtractError extends Error {
  override name = "ExtractError";
}

/** A document as it enters the indexer, from any kind of source. */
export interface SourceDocument {
  /** Its identity in the source: file path within the upload, issue key, page id, the API's doc_id. */
  externalId: string;
  title: string;
  url: string | null;
  format: DocumentFormat;
  sections: Section[];
  metadata: Record<string, unknown>;
  /** When the source last changed it; null when it does not say. */
  updatedAt: Date | null;
}

/** One piece of a document as searched: `text` already carries the title and heading prefix. */
export interface Chunk {
  seq: number;
  /** `page 3`, `Install › Debian`, `PROJ-12 · comment 2`. */
  location: string;
  text: string;
}

/** Where a connector's sync puts what it finds; the indexer behind it skips unchanged documents. */
export interface SyncSink {
  upsert(doc: SourceDocument): Promise<void>;
  /** Documents gone from the source since the last sync. */
  remove(externalIds: string[]): Promise<void>;
  /** Every external id the source still has (for deletion detection), when the connector lists them all. */
  present?(externalIds: string[]): Promise<void>;
  /** Saves where a sync interrupted now (a restart) resumes; called after each page of results. */
  checkpoint(cursor: Record<string, unknown>): Promise<void>;
  /** Progress: documents seen so far and the total when the source says it. */
  progress(done: number, total: number | null): Promise<void>;
}

/** A Jira or Confluence site as a source of documents. Credentials are inside; nothing leaves the server. */
export interface Connector {
  /** Checks the URL and credentials with one cheap call; throws ConnectorError saying what is wrong. */
  test(): Promise<{ message: string }>;
  /** Fetches what changed since `cursor` (null: everything) into `sink`; resumes from a checkpointed cursor. */
  sync(cursor: Record<string, unknown> | null, sink: SyncSink, signal?: AbortSignal): Promise<Record<string, unknown>>;
}

/** A connector failure a person can act on: wrong credentials, site not found, rate limited beyond patience. */
export class ConnectorError extends Error {
  override name = "ConnectorError";
  constructor(
    message: string,
    /** `auth` (401/403), `not_found`, `rate_limited`, `unreachable`, `bad_response`. */
    readonly reason: "auth" | "not_found" | "rate_limited" | "unreachable" | "bad_response",
  ) {
    super(message);
  }
}
