import { type SQL, sql } from "drizzle-orm";
import { entryText } from "./entry-text.js";
import { identifierLexemes } from "./parse-query.js";

/** The text search configuration of every document and query (stemming, stop words). */
export const TS_CONFIG = "english";

/**
 * What the search columns hold: 1 was the words; 2 added each identifier as a lexeme of its own.
 * Rows with an older version (null) are redone by the backfill (search/backfill.ts).
 */
export const SEARCH_VERSION = 2;

/**
 * The tsvector of a search text: its words as the `english` configuration reads them, and its
 * identifiers whole (without positions: only whether they are there matters, exactness is ranked
 * from the text itself).
 */
export function searchTsv(text: string): SQL {
  return sql`(to_tsvector(${TS_CONFIG}::regconfig, ${text}) || array_to_tsvector(array(select jsonb_array_elements_text(${JSON.stringify(identifierLexemes(text))}::jsonb))))`;
}

/**
 * The search columns of an entry, for the insert or update that writes its content: the text, and
 * its tsvector computed by the same statement.
 */
export function searchColumns(
  kind: string,
  content: unknown,
): { searchText: string; searchTsv: SQL; searchVersion: number } {
  const text = entryText(kind, content);
  return { searchText: text, searchTsv: searchTsv(text), searchVersion: SEARCH_VERSION };
}
