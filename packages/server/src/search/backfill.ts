import type { SearchStatus } from "@strand/protocol";
import { count, isNull } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { conversationEntries } from "../db/schema.js";

/** How far the index is: entries with their search text, of all entries. */
export async function backfillProgress(db: Db): Promise<SearchStatus["backfill"]> {
  const [all] = await db.select({ n: count() }).from(conversationEntries);
  // Served by the partial index on unindexed rows, which is empty once the backfill is done.
  const [left] = await db
    .select({ n: count() })
    .from(conversationEntries)
    .where(isNull(conversationEntries.searchText));
  const total = Number(all?.n ?? 0);
  const missing = Number(left?.n ?? 0);
  return { indexed: total - missing, total, complete: missing === 0 };
}

export const NO_EMBEDDINGS: SearchStatus["embeddings"] = {
  model: null,
  dimensions: null,
  storage: "none",
  embedded: 0,
  total: 0,
  error: null,
};
