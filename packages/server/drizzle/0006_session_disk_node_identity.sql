DROP INDEX "nodes_name_key";--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "disk_free_mb" integer;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "disk_limits" text;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "disk_note" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "disk_mb" integer DEFAULT 20480 NOT NULL;--> statement-breakpoint
CREATE INDEX "nodes_name_idx" ON "nodes" USING btree ("name");