import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";

const PING_TIMEOUT_MS = 2_000;

export const healthRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const Health = z.object({
    status: z.enum(["ok", "unavailable"]),
    database: z.object({ kind: z.enum(["pglite", "postgres"]), reachable: z.boolean() }),
  });

  app.get(
    "/healthz",
    {
      logLevel: "warn",
      schema: {
        tags: ["ops"],
        summary:
          "Up or down, without credentials: 200 when the database answers, 503 otherwise (the reason goes to the server log)",
        security: [],
        response: { 200: Health, 503: Health },
      },
    },
    async (req, reply) => {
      try {
        await withTimeout(ctx.database.ping(), PING_TIMEOUT_MS);
        return { status: "ok" as const, database: { kind: ctx.database.kind, reachable: true } };
      } catch (err) {
        // Anyone may call this, and driver messages name hosts, ports and database names: log them only.
        req.log.warn({ err, database: ctx.database.kind }, "health check: the database does not answer");
        return reply.code(503).send({ status: "unavailable", database: { kind: ctx.database.kind, reachable: false } });
      }
    },
  );

  app.get(
    "/metrics",
    {
      logLevel: "warn",
      config: { access: "metrics" },
      schema: {
        tags: ["ops"],
        summary: "Prometheus metrics; needs `Authorization: Bearer` with STRAND_METRICS_TOKEN or an admin's API token",
        security: [{ bearer: [] }],
      },
    },
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
