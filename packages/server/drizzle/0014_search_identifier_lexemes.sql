-- Identifiers become lexemes of their own in search_tsv (search/parse-query.ts identifierLexemes).
-- Rows indexed before keep working by their words and are redone by the backfill, which now works
-- through search_version IS NULL (adding a nullable column rewrites nothing; the partial index is
-- one pass over the table).
DROP INDEX "conversation_entries_unindexed_idx";--> statement-breakpoint
ALTER TABLE "conversation_entries" ADD COLUMN "search_version" smallint;--> statement-breakpoint
CREATE INDEX "conversation_entries_unindexed_idx" ON "conversation_entries" USING btree ("id") WHERE "conversation_entries"."search_version" is null;--> statement-breakpoint
-- The planner picks between walking created_at for the newest matches (common words) and the GIN
-- index (rare ones) by each lexeme's frequency, which ANALYZE samples; with the default target a
-- word outside the ~1,000 most common is guessed in 0.7% of a million entries, and a rare pair made
-- it walk the whole table (2.1 s; 92 ms with this, bench/search at 1M). ANALYZE then samples up to
-- 600k rows (13 s at 1M entries on 2 busy cores, in autovacuum's background).
ALTER TABLE "conversation_entries" ALTER COLUMN "search_tsv" SET STATISTICS 2000;
