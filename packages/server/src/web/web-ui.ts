import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic, { type FastifyStaticOptions } from "@fastify/static";
import { API_PREFIX } from "@strand/protocol";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";

/** Paths the UI never answers, so an unknown API or proxy path stays a JSON 404. */
const RESERVED = [API_PREFIX, "/api", "/v1", "/docs", "/healthz", "/metrics", "/git", "/mcp"];

const isReserved = (path: string) => RESERVED.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * Serves the built React UI at `/`: its files as they are (hashed assets cached for good), and
 * index.html for any other page path so client-side routes such as /sessions/:id load on refresh.
 * Returns the SPA fallback for the not-found handler, or undefined when the UI is not built.
 */
export async function registerWebUi(
  app: FastifyInstance,
  dir: string,
  log: Logger,
): Promise<((req: FastifyRequest, reply: FastifyReply) => boolean) | undefined> {
  if (!existsSync(join(dir, "index.html"))) {
    log.warn({ dir }, "the web UI is not built (npm run build); serving a placeholder at /");
    app.get("/", { config: { webUi: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.type("text/html").send(placeholder(dir)),
    );
    return undefined;
  }
  const files: FastifyStaticOptions = {
    root: dir,
    // The build writes .br/.gz beside each asset (packages/web/scripts/precompress.mjs).
    preCompressed: true,
    setHeaders: (res, path) => {
      res.header("cache-control", path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    },
  };
  // reply.sendFile for the SPA fallback, which answers from the root's not-found handler.
  await app.register(fastifyStatic, { ...files, serve: false });
  await app.register(async (scope) => {
    // Marks the file routes so PUBLIC_ROUTES can name them (api/public-routes.ts): the UI must load logged out.
    scope.addHook("onRoute", (route) => {
      route.config = { ...route.config, webUi: true };
    });
    await scope.register(fastifyStatic, {
      ...files,
      prefix: "/",
      // One route per built file instead of a catch-all, so nothing else can be shadowed.
      wildcard: false,
      decorateReply: false,
    });
  });
  return (req, reply) => {
    const path = req.url.split("?")[0] ?? "/";
    if ((req.method !== "GET" && req.method !== "HEAD") || isReserved(path)) return false;
    if (!(req.headers.accept ?? "").includes("text/html")) return false;
    void reply.header("cache-control", "no-cache").sendFile("index.html");
    return true;
  };
}

function placeholder(dir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strand</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>Strand is running</h1>
<p>The web UI is not built (looked in <code>${dir.replace(/[<>&]/g, "")}</code>): run <code>npm run build</code>.
The API is at <a href="${API_PREFIX}/docs">${API_PREFIX}/docs</a>.</p></body></html>`;
}
