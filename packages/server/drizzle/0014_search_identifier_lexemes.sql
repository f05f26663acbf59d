-- Identifiers become lexemes of their own in search_tsv (search/parse-query.ts identifierLexemes).
-- Rows indexed before keep working by their words and are redone by the backfill, which now works
-- through search_version IS NULL (adding a nullable column rewrites nothing; the partial index is
-- one pass over the table).
DROP INDEX "conversation_entries_unindexed_idx";--> statement-breakpoint
ALTER TABLE "conversation_entries" ADD COLUMN "search_version" smallint;--> statement-breakpoint
CREATE INDEX "conversation_entries_unindexed_idx" ON "conversation_entries" USING btree ("id") WHERE "conversation_entries"."search_version" is null;