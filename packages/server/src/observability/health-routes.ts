import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";

const PING_TIMEOUT_MS = 2_000;

export const healthRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const Health = z.object({
    status: z.enum(["ok", "unavailable"]),
    database: z.object({ kind: z.enum(["pglite", "postgres"]), reachable: z.boolean(), error: z.string().optional() }),
  });

  app.get(
    "/healthz",
    {
      logLevel: "warn",
      schema: {
        tags: ["ops"],
        summary: "200 when the database answers, 503 otherwise",
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      try {
        await withTimeout(ctx.database.ping(), PING_TIMEOUT_MS);
        return { status: "ok" as const, database: { kind: ctx.database.kind, reachable: true } };
      } catch (err) {
        return reply.code(503).send({
          status: "unavailable",
          database: { kind: ctx.database.kind, reachable: false, error: (err as Error).message.slice(0, 200) },
        });
      }
    },
  );

  app.get(
    "/metrics",
    { logLevel: "warn", schema: { tags: ["ops"], summary: "Prometheus metrics", hide: false } },
    async (_req, reply) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );
};

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
