import fastifyCookie from "@fastify/cookie";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import fastifyWebsocket from "@fastify/websocket";
import { API_PREFIX, MAX_VIDEO_FRAME_BYTES } from "@strand/protocol";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import { agentRoutes } from "./api/agent-routes.js";
import { authRoutes } from "./api/auth-routes.js";
import { conversationRoutes } from "./api/conversation-routes.js";
import { type FallbackHandler, installErrorHandling } from "./api/error-handler.js";
import { eventRoutes } from "./api/event-routes.js";
import { knowledgeRoutes } from "./api/knowledge-routes.js";
import { nodeConnectRoutes } from "./api/node-connect-routes.js";
import { nodeRoutes } from "./api/node-routes.js";
import { notificationRoutes } from "./api/notification-routes.js";
import { projectRoutes } from "./api/project-routes.js";
import { providerRoutes } from "./api/provider-routes.js";
import { pullRequestRoutes } from "./api/pull-request-routes.js";
import { accessControl } from "./api/require-auth.js";
import { reviewRoutes } from "./api/review-routes.js";
import { recordRoutes } from "./api/route-registry.js";
import { searchRoutes } from "./api/search-routes.js";
import { sessionRoutes } from "./api/session-routes.js";
import { specRoutes } from "./api/spec-routes.js";
import { streamRoutes } from "./api/stream-routes.js";
import { taskRoutes } from "./api/task-routes.js";
import { teamRoutes } from "./api/team-routes.js";
import { thumbnailRoutes } from "./api/thumbnail-routes.js";
import { tokenRoutes } from "./api/token-routes.js";
import { userRoutes } from "./api/user-routes.js";
import type { AppContext } from "./context.js";
import { gitHttpPlugin } from "./git/index.js";
import { mcpRoutes } from "./mcp/routes.js";
import { mcpServerApiRoutes, mcpServerProxyRoutes } from "./mcp/servers/routes.js";
import { healthRoutes } from "./observability/health-routes.js";
import { gitAccess } from "./projects/git-access.js";
import { proxyRoutes } from "./proxy/routes.js";
import { registerWebUi } from "./web/web-ui.js";

export const SERVER_VERSION = "0.1.0";

/** Builds the HTTP app without listening, so tests can `inject` into it. */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
    // Active WebSockets would otherwise hold `close()` open forever.
    forceCloseConnections: true,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false } },
  });
  // First, before any plugin: onRoute hooks miss routes registered before them, and a route
  // missing from this list would escape the walk in test/route-walk.test.ts.
  recordRoutes(app);
  app.decorateRequest("auth", null);
  app.decorateRequest("mcpCaller", null);
  // Both before the access hook, whose refusals rely on their own onRequest hooks having run: the
  // cookie parser's, and the WebSocket plugin's, which marks upgrades so a refused one is closed.
  await app.register(fastifyCookie);
  // agentd's video frames set the bound; viewer routes check their own, smaller, messages.
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_VIDEO_FRAME_BYTES + 64 * 1024 } });
  // Every route is authenticated here, the way its `config.access` says (default: a user), unless
  // it is listed in PUBLIC_ROUTES (api/public-routes.ts). Route plugins add no auth of their own.
  // Only the onRequest hooks of plugins registered above run before this one; none of them answers.
  app.addHook(
    "onRequest",
    accessControl({
      db: ctx.database.db,
      proxyCallers: ctx.proxyCallers,
      allowedOrigins: ctx.config.allowedOrigins,
      trustProxy: ctx.config.trustProxy,
      metricsToken: ctx.config.metricsToken,
    }),
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  let spaFallback: FallbackHandler | undefined;
  installErrorHandling(app, () => spaFallback);

  app.addHook("onResponse", async (req, reply) => {
    ctx.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? "unmatched", status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Strand API",
        version: SERVER_VERSION,
        description:
          "Control plane of Strand. Authenticate with `Authorization: Bearer <token>` (create one with " +
          "`POST /api/v1/tokens` or `strand tokens create`) or with the cookie set by `POST /api/v1/auth/login`.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          cookie: { type: "apiKey", in: "cookie", name: "strand_login" },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: `${API_PREFIX}/docs` });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { ctx });
  await app.register(
    async (api) => {
      await api.register(authRoutes, { ctx });
      await api.register(userRoutes, { ctx });
      await api.register(tokenRoutes, { ctx });
      await api.register(sessionRoutes, { ctx });
      await api.register(conversationRoutes, { ctx });
      await api.register(nodeRoutes, { ctx });
      await api.register(eventRoutes, { ctx });
      await api.register(streamRoutes, { ctx });
      await api.register(thumbnailRoutes, { ctx });
      await api.register(agentRoutes, { ctx });
      await api.register(nodeConnectRoutes, { ctx });
      await api.register(providerRoutes, { ctx });
      await api.register(teamRoutes, { ctx });
      await api.register(projectRoutes, { ctx });
      await api.register(pullRequestRoutes, { ctx });
      await api.register(reviewRoutes, { ctx });
      await api.register(specRoutes, { ctx });
      await api.register(taskRoutes, { ctx });
      await api.register(notificationRoutes, { ctx });
      await api.register(searchRoutes, { ctx });
      await api.register(knowledgeRoutes, { ctx });
      await api.register(mcpServerApiRoutes, { ctx, service: ctx.mcpServers });
    },
    { prefix: API_PREFIX },
  );
  await app.register(proxyRoutes, { ctx });
  // Outside /api/v1: it is not part of the REST API, and MCP clients are given its URL as is.
  await app.register(mcpRoutes, { ctx });
  await app.register(mcpServerProxyRoutes, { ctx, service: ctx.mcpServers });
  await gitHttpPlugin(app, {
    store: ctx.projects.store,
    authorize: gitAccess(ctx.database.db, ctx.projects),
    routeConfig: { access: "git" },
    onPushed: async (target, branches) => {
      await ctx.reviewThreads.branchesMoved(target.projectSlug, target.repoName, branches);
      // Task branches: spec revisions and checklist progress.
      await ctx.taskOrchestrator.pushed(target.projectSlug, target.repoName, branches);
    },
  });
  spaFallback = await registerWebUi(app, ctx.config.webDir, ctx.log);
  return app;
}
