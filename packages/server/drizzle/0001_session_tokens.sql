ALTER TABLE "api_tokens" ADD COLUMN "session_id" text;--> statement-breakpoint
CREATE INDEX "api_tokens_session_idx" ON "api_tokens" USING btree ("session_id");