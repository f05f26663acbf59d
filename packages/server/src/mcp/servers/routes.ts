import { MCP_SERVERS_PATH, ROUTES } from "@strand/protocol";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { registerRoute } from "../../api/register-route.js";
import { caller } from "../../api/require-auth.js";
import type { AppContext } from "../../context.js";
import { actorOf } from "../../policy/policy.js";
import type { McpCaller } from "../auth.js";
import { proxyMcpRequest, rpcIdOf, sendRpcError } from "./proxy.js";
import type { McpServerService } from "./service.js";
import { testMcpServer } from "./test-connection.js";

/** The REST routes under `/api/v1` (mcpServers.*, sessions.mcpServers). */
export const mcpServerApiRoutes: FastifyPluginAsync<{ ctx: AppContext; service: McpServerService }> = async (
  app,
  { ctx, service },
) => {
  const actor = (req: FastifyRequest) => actorOf(caller(req));
  registerRoute(app, ROUTES["mcpServers.create"], async (req, reply) =>
    reply.code(201).send(await service.create(actor(req), req.body)),
  );
  registerRoute(app, ROUTES["mcpServers.list"], async (req) => ({ items: await service.list(actor(req), req.query) }));
  registerRoute(app, ROUTES["mcpServers.get"], async (req) => service.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["mcpServers.update"], async (req) => service.update(actor(req), req.params.id, req.body));
  registerRoute(app, ROUTES["mcpServers.delete"], async (req) => service.remove(actor(req), req.params.id));
  registerRoute(app, ROUTES["mcpServers.test"], async (req) => {
    const { server, resolved } = await service.resolveById(actor(req), req.params.id);
    if (!resolved) {
      return {
        ok: false,
        message: `${server.name} is a stdio server: it runs inside each session's sandbox, so the server cannot start it; its status shows on the session's page`,
        tools: [],
      };
    }
    return testMcpServer(resolved, { dispatcher: ctx.upstream, timeoutMs: ctx.config.mcpProxyTimeoutMs });
  });
  registerRoute(app, ROUTES["sessions.mcpServers"], async (req) => ({
    items: await service.sessionServers(actor(req), req.params.id),
  }));
};

/** A JSON-RPC message is small; a larger body is refused before it is read. */
const BODY_LIMIT = 4 * 1024 * 1024;

/**
 * `/mcp/servers/<name>`: the team's and project's http MCP servers, for agents, by session token
 * exactly like `/mcp` (access `mcp`). The token never goes upstream; the server's sealed headers
 * are added instead, so no secret enters the sandbox.
 */
export async function mcpServerProxyRoutes(app: FastifyInstance, opts: { ctx: AppContext; service: McpServerService }) {
  const { ctx, service } = opts;
  const log = ctx.log.child({ component: "mcp-proxy" });
  const handle = (method: "GET" | "POST" | "DELETE") => async (req: FastifyRequest, reply: FastifyReply) => {
    const mcp = req.mcpCaller as McpCaller;
    const { name } = req.params as { name: string };
    const server = await service.resolveForSession(mcp.sessionId, name);
    reply.hijack();
    if (!server) {
      sendRpcError(
        reply.raw,
        404,
        rpcIdOf(req.body),
        `no http MCP server named ${JSON.stringify(name)} is attached to this session's project or team`,
      );
      return;
    }
    await proxyMcpRequest(server, { method, headers: req.headers, body: req.body }, reply.raw, {
      dispatcher: ctx.upstream,
      timeoutMs: ctx.config.mcpProxyTimeoutMs,
      log,
    });
  };
  const path = `${MCP_SERVERS_PATH}/:name`;
  const config = { access: "mcp" as const };
  app.post(path, { config, bodyLimit: BODY_LIMIT, schema: { hide: true } }, handle("POST"));
  app.get(path, { config, schema: { hide: true } }, handle("GET"));
  app.delete(path, { config, schema: { hide: true } }, handle("DELETE"));
}
