CREATE TABLE "event_retention" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"pruned_through" bigint DEFAULT 0 NOT NULL,
	"pruned_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "team_members" (
	"team_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "team_members_team_id_user_id_pk" PRIMARY KEY("team_id","user_id"),
	CONSTRAINT "team_members_role_check" CHECK ("team_members"."role" in ('owner', 'admin', 'member', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Session events become scoped events: renamed in place so a client resuming with ?since keeps its place.
ALTER TABLE "session_events" RENAME TO "events";--> statement-breakpoint
ALTER SEQUENCE "session_events_id_seq" RENAME TO "events_id_seq";--> statement-breakpoint
ALTER TABLE "events" RENAME CONSTRAINT "session_events_pkey" TO "events_pkey";--> statement-breakpoint
DROP INDEX "session_events_owner_idx";--> statement-breakpoint
DROP INDEX "session_events_session_idx";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "scope_type" text DEFAULT 'session' NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "scope_type" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "scope_id" text;--> statement-breakpoint
UPDATE "events" SET "scope_id" = "session_id";--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "scope_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "team_id" text;--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "session_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "owner_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_scope_type_check" CHECK ("events"."scope_type" in ('session', 'project', 'team', 'user'));--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_audience_check" CHECK ("events"."owner_id" is not null or "events"."team_id" is not null);--> statement-breakpoint
INSERT INTO "event_retention" ("id", "pruned_through") VALUES (1, 0);--> statement-breakpoint
DROP INDEX "providers_owner_name_key";--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "team_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "team_id" text;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_owner_idx" ON "events" USING btree ("owner_id","id");--> statement-breakpoint
CREATE INDEX "events_team_idx" ON "events" USING btree ("team_id","id");--> statement-breakpoint
CREATE INDEX "events_session_idx" ON "events" USING btree ("session_id","id");--> statement-breakpoint
CREATE INDEX "events_created_idx" ON "events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "team_members_user_idx" ON "team_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_slug_key" ON "teams" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_name_key" ON "teams" USING btree (lower("name"));--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "providers_team_name_key" ON "providers" USING btree ("team_id","name") WHERE "providers"."team_id" is not null;--> statement-breakpoint
CREATE INDEX "sessions_team_created_idx" ON "sessions" USING btree ("team_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "providers_owner_name_key" ON "providers" USING btree ("owner_id","name") WHERE "providers"."team_id" is null;