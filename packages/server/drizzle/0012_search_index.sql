-- Search (docs/search.md). pg_trgm serves identifiers, paths and error codes (ILIKE '%…%'); it is a
-- trusted contrib extension on PostgreSQL 13+, and PGlite loads it at start (db/database.ts).
-- Existing entries get search_text later, in batches, from the backfill (search/backfill.ts): adding
-- nullable columns rewrites nothing, and the indexes below cover only NULLs for rows stored before.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "search_jobs" (
	"name" text PRIMARY KEY NOT NULL,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversation_entries" ADD COLUMN "search_text" text;--> statement-breakpoint
ALTER TABLE "conversation_entries" ADD COLUMN "search_tsv" "tsvector";--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "embedding_model" text;--> statement-breakpoint
CREATE INDEX "conversation_entries_search_tsv_idx" ON "conversation_entries" USING gin ("search_tsv");--> statement-breakpoint
CREATE INDEX "conversation_entries_search_trgm_idx" ON "conversation_entries" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "conversation_entries_created_idx" ON "conversation_entries" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "conversation_entries_unindexed_idx" ON "conversation_entries" USING btree ("id") WHERE "conversation_entries"."search_text" is null;--> statement-breakpoint
-- Vectors for semantic search: pgvector's `vector` where the extension is available (PGlite ships it;
-- Debian 12's PostgreSQL does not package it), else `real[]` ranked in SQL. The column's type is the
-- record of the choice (search/vector-store.ts reads it from the catalog). No fixed dimensions: the
-- model, and so the size, may change; each row says which model made it.
DO $$
DECLARE
  vector_type text := 'real[]';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS vector;
      vector_type := 'vector';
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pgvector is available but could not be created (%); storing embeddings as real[]', SQLERRM;
    END;
  END IF;
  EXECUTE format(
    'CREATE TABLE entry_embeddings (
       entry_id text PRIMARY KEY REFERENCES conversation_entries(id) ON DELETE CASCADE,
       model text NOT NULL,
       dimensions integer NOT NULL,
       embedding %s NOT NULL,
       created_at timestamp with time zone DEFAULT now() NOT NULL
     )', vector_type);
END $$;--> statement-breakpoint
CREATE INDEX entry_embeddings_model_idx ON entry_embeddings (model);
