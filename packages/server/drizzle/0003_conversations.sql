CREATE TABLE "conversation_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"seq" integer NOT NULL,
	"turn_id" text,
	"kind" text NOT NULL,
	"role" text NOT NULL,
	"status" text NOT NULL,
	"content" jsonb NOT NULL,
	"request_id" text,
	"agent_instance" text,
	"deliveries" integer DEFAULT 0 NOT NULL,
	"rev" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_entries_kind_check" CHECK ("conversation_entries"."kind" in ('user', 'text', 'thinking', 'tool_call', 'plan', 'notice', 'permission'))
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "permission_mode" text DEFAULT 'autonomous' NOT NULL;--> statement-breakpoint
ALTER TABLE "conversation_entries" ADD CONSTRAINT "conversation_entries_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_entries_seq_key" ON "conversation_entries" USING btree ("session_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_entries_request_key" ON "conversation_entries" USING btree ("session_id","request_id");--> statement-breakpoint
CREATE INDEX "conversation_entries_turn_idx" ON "conversation_entries" USING btree ("session_id","turn_id");--> statement-breakpoint
CREATE INDEX "conversation_entries_status_idx" ON "conversation_entries" USING btree ("session_id","kind","status");--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_permission_mode_check" CHECK ("sessions"."permission_mode" in ('autonomous', 'ask'));