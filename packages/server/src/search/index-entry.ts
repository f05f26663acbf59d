import { type SQL, sql } from "drizzle-orm";
import { entryText } from "./entry-text.js";

/** The text search configuration of every document and query (stemming, stop words). */
export const TS_CONFIG = "english";

/**
 * The search columns of an entry, for the insert or update that writes its content: the text, and
 * its tsvector computed by the same statement.
 */
export function searchColumns(kind: string, content: unknown): { searchText: string; searchTsv: SQL } {
  const text = entryText(kind, content);
  return { searchText: text, searchTsv: sql`to_tsvector(${TS_CONFIG}::regconfig, ${text})` };
}
