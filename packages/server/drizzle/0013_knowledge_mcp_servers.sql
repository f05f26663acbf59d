CREATE TABLE "knowledge_chunks" (
	"id" text PRIMARY KEY NOT NULL,
	"document_id" text NOT NULL,
	"source_id" text NOT NULL,
	"seq" integer NOT NULL,
	"location" text DEFAULT '' NOT NULL,
	"search_text" text NOT NULL,
	"search_tsv" "tsvector" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "knowledge_documents" (
	"id" text PRIMARY KEY NOT NULL,
	"source_id" text NOT NULL,
	"external_id" text NOT NULL,
	"title" text NOT NULL,
	"url" text,
	"format" text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"state" text DEFAULT 'ready' NOT NULL,
	"error" text,
	"chunk_count" integer DEFAULT 0 NOT NULL,
	"byte_size" integer DEFAULT 0 NOT NULL,
	"source_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_documents_state_check" CHECK ("knowledge_documents"."state" in ('ready', 'error'))
);
--> statement-breakpoint
CREATE TABLE "knowledge_sources" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"team_id" text,
	"project_id" text,
	"created_by" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"credentials_enc" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"state_reason" text,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"schedule_seconds" integer,
	"last_synced_at" timestamp with time zone,
	"next_sync_at" timestamp with time zone,
	"sync_cursor" jsonb,
	"sync_owner" text,
	"sync_heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_sources_kind_check" CHECK ("knowledge_sources"."kind" in ('files', 'jira', 'confluence', 'api')),
	CONSTRAINT "knowledge_sources_state_check" CHECK ("knowledge_sources"."state" in ('pending', 'syncing', 'ready', 'error')),
	CONSTRAINT "knowledge_sources_owner_check" CHECK (("knowledge_sources"."team_id" is null) <> ("knowledge_sources"."project_id" is null))
);
--> statement-breakpoint
CREATE TABLE "mcp_servers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"team_id" text,
	"project_id" text,
	"created_by" text NOT NULL,
	"transport" text NOT NULL,
	"url" text,
	"headers_enc" text,
	"header_names" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"command" text,
	"args" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"env" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mcp_servers_transport_check" CHECK ("mcp_servers"."transport" in ('http', 'stdio')),
	CONSTRAINT "mcp_servers_owner_check" CHECK (("mcp_servers"."team_id" is null) <> ("mcp_servers"."project_id" is null)),
	CONSTRAINT "mcp_servers_transport_fields_check" CHECK (("mcp_servers"."transport" = 'http' and "mcp_servers"."url" is not null) or ("mcp_servers"."transport" = 'stdio' and "mcp_servers"."command" is not null))
);
--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_document_id_knowledge_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."knowledge_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_source_id_knowledge_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."knowledge_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_source_id_knowledge_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."knowledge_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_sources" ADD CONSTRAINT "knowledge_sources_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_sources" ADD CONSTRAINT "knowledge_sources_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_sources" ADD CONSTRAINT "knowledge_sources_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_chunks_document_seq_key" ON "knowledge_chunks" USING btree ("document_id","seq");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_source_idx" ON "knowledge_chunks" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_search_tsv_idx" ON "knowledge_chunks" USING gin ("search_tsv");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_search_trgm_idx" ON "knowledge_chunks" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_documents_source_external_key" ON "knowledge_documents" USING btree ("source_id","external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_sources_team_name_key" ON "knowledge_sources" USING btree ("team_id",lower("name")) WHERE "knowledge_sources"."team_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "knowledge_sources_project_name_key" ON "knowledge_sources" USING btree ("project_id",lower("name")) WHERE "knowledge_sources"."project_id" is not null;--> statement-breakpoint
CREATE INDEX "knowledge_sources_next_sync_idx" ON "knowledge_sources" USING btree ("next_sync_at");--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_servers_team_name_key" ON "mcp_servers" USING btree ("team_id",lower("name")) WHERE "mcp_servers"."team_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_servers_project_name_key" ON "mcp_servers" USING btree ("project_id",lower("name")) WHERE "mcp_servers"."project_id" is not null;--> statement-breakpoint
-- Vectors of knowledge chunks, stored like entry_embeddings (0012): pgvector's `vector` where the
-- extension was created, else `real[]`; the column's type is the record of that choice.
DO $$
DECLARE
  vector_type text := 'real[]';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
    vector_type := 'vector';
  END IF;
  EXECUTE format(
    'CREATE TABLE chunk_embeddings (
       chunk_id text PRIMARY KEY REFERENCES knowledge_chunks(id) ON DELETE CASCADE,
       model text NOT NULL,
       dimensions integer NOT NULL,
       embedding %s NOT NULL,
       created_at timestamp with time zone DEFAULT now() NOT NULL
     )', vector_type);
END $$;--> statement-breakpoint
CREATE INDEX chunk_embeddings_model_idx ON chunk_embeddings (model);
