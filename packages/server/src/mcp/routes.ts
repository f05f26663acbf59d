import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { MCP_PATH } from "@strand/protocol";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../context.js";
import type { McpCaller } from "./auth.js";
import { buildMcpServer } from "./server.js";
import type { McpTool } from "./tool.js";
import { jiraTools, readDocumentTool, searchKnowledgeTool } from "./tools/knowledge.js";
import { readConversationTool } from "./tools/read-conversation.js";
import { type HistorySearch, searchHistoryTool } from "./tools/search-history.js";

/** Every tool of Strand's MCP server, in the order `tools/list` shows them. Later tools go here. */
export function mcpTools(ctx: AppContext, search: HistorySearch): McpTool[] {
  const db = ctx.database.db;
  return [
    searchHistoryTool(search),
    readConversationTool(db),
    searchKnowledgeTool(db, search),
    readDocumentTool(db),
    ...jiraTools(ctx.knowledge),
  ];
}

/**
 * `/mcp`: Strand's MCP server over Streamable HTTP, for agents in sessions (docs/mcp.md). Session
 * tokens only; the access hook (api/require-auth.ts, access `mcp`) authenticates every request
 * before its body is read and sets `req.mcpCaller`. Stateless: each POST carries a whole JSON-RPC
 * exchange and is answered as JSON, so any replica answers any request and nothing is kept
 * between them. There is no server-to-client stream (GET) and no MCP session to end (DELETE).
 */
export async function mcpRoutes(app: FastifyInstance, opts: { ctx: AppContext }) {
  const { ctx } = opts;
  const tools = mcpTools(ctx, ctx.search);
  const log = ctx.log.child({ component: "mcp" });

  app.post(MCP_PATH, { config: { access: "mcp" }, schema: { hide: true } }, async (req, reply) => {
    const caller = req.mcpCaller as McpCaller;
    const server = buildMcpServer(tools, caller, log);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on("close", () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req.raw, reply.raw, req.body);
    } catch (err) {
      log.error({ err, session_id: caller.sessionId }, "mcp request failed");
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { "content-type": "application/json" });
        reply.raw.end(rpcError(-32603, "Strand's MCP server failed on this request; the server log has details"));
      } else reply.raw.end();
    }
  });

  const notHere = (reply: FastifyReply) =>
    reply
      .code(405)
      .header("allow", "POST")
      .type("application/json")
      .send(
        rpcError(
          -32000,
          "Strand's MCP server is stateless: send JSON-RPC requests with POST; there is no stream to open or session to end",
        ),
      );
  app.get(MCP_PATH, { config: { access: "mcp" }, schema: { hide: true } }, async (_req, reply) => notHere(reply));
  app.delete(MCP_PATH, { config: { access: "mcp" }, schema: { hide: true } }, async (_req, reply) => notHere(reply));
}

const rpcError = (code: number, message: string) =>
  JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });
