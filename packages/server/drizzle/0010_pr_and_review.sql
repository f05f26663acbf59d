CREATE TABLE "pull_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"repo_id" text NOT NULL,
	"host_kind" text NOT NULL,
	"number" integer NOT NULL,
	"url" text NOT NULL,
	"state" text NOT NULL,
	"head" text NOT NULL,
	"base" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"polled_at" timestamp with time zone,
	CONSTRAINT "pull_requests_state_check" CHECK ("pull_requests"."state" in ('open', 'merged', 'closed'))
);
--> statement-breakpoint
CREATE TABLE "review_comments" (
	"id" text PRIMARY KEY NOT NULL,
	"thread_id" text NOT NULL,
	"author_id" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_threads" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"path" text NOT NULL,
	"side" text DEFAULT 'new' NOT NULL,
	"start_line" integer NOT NULL,
	"end_line" integer NOT NULL,
	"commit" text NOT NULL,
	"anchor" text NOT NULL,
	"resolved" boolean DEFAULT false NOT NULL,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_threads_side_check" CHECK ("review_threads"."side" in ('old', 'new')),
	CONSTRAINT "review_threads_lines_check" CHECK ("review_threads"."start_line" >= 1 and "review_threads"."end_line" >= "review_threads"."start_line")
);
--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "host_kind" text;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "host_api_base" text;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "host_token_enc" text;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "webhook_secret_enc" text;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD CONSTRAINT "pull_requests_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD CONSTRAINT "pull_requests_repo_id_repos_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_comments" ADD CONSTRAINT "review_comments_thread_id_review_threads_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."review_threads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_comments" ADD CONSTRAINT "review_comments_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_threads" ADD CONSTRAINT "review_threads_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_threads" ADD CONSTRAINT "review_threads_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pull_requests_session_key" ON "pull_requests" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pull_requests_repo_number_key" ON "pull_requests" USING btree ("repo_id","number");--> statement-breakpoint
CREATE INDEX "pull_requests_state_idx" ON "pull_requests" USING btree ("state");--> statement-breakpoint
CREATE INDEX "review_comments_thread_idx" ON "review_comments" USING btree ("thread_id","created_at");--> statement-breakpoint
CREATE INDEX "review_threads_session_idx" ON "review_threads" USING btree ("session_id","created_at");--> statement-breakpoint
ALTER TABLE "repos" ADD CONSTRAINT "repos_host_kind_check" CHECK ("repos"."host_kind" is null or "repos"."host_kind" in ('github', 'gitlab', 'gitea'));