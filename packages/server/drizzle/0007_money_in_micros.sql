-- Money moves from double-precision USD to whole micro-dollars (1 USD = 1,000,000), so sums and
-- limit checks are exact. Existing values are converted, not lost: through numeric, so round()
-- goes half away from zero (round() on a double rounds half to even) and a float total such as
-- 0.30000000000000004 lands on 300000.
ALTER TABLE "llm_calls" ADD COLUMN "cost_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "spend_limit_micros" bigint;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "spend_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "spend_limit_micros" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "spend_month_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "llm_calls" SET "cost_micros" = round("cost_usd"::numeric * 1000000) WHERE "cost_usd" <> 0;--> statement-breakpoint
UPDATE "sessions" SET
  "spend_limit_micros" = round("spend_limit_usd"::numeric * 1000000),
  "spend_micros" = round("spend_usd"::numeric * 1000000)
  WHERE "spend_limit_usd" IS NOT NULL OR "spend_usd" <> 0;--> statement-breakpoint
UPDATE "users" SET
  "spend_limit_micros" = round("spend_limit_usd"::numeric * 1000000),
  "spend_month_micros" = round("spend_month_usd"::numeric * 1000000)
  WHERE "spend_limit_usd" IS NOT NULL OR "spend_month_usd" <> 0;--> statement-breakpoint
ALTER TABLE "llm_calls" DROP COLUMN "cost_usd";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN "spend_limit_usd";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN "spend_usd";--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "spend_limit_usd";--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "spend_month_usd";
