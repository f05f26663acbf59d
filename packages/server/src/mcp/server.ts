import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { MCP_SERVER_NAME } from "@strand/protocol";
import type { Logger } from "pino";
import { HttpError } from "../lib/http-error.js";
import type { McpCaller } from "./auth.js";
import { type McpTool, McpToolError } from "./tool.js";

export const MCP_SERVER_VERSION = "0.1.0";

const INSTRUCTIONS =
  "Strand's own tools for this session's agent. search_history finds earlier conversations of " +
  "this session's owner (errors, decisions, fixes, commands); read_conversation reads the entries " +
  "around a result. Search before solving a problem that may have come up before.";

/**
 * An MCP server for one request of one caller. The endpoint is stateless (every POST is complete
 * on its own, `routes.ts`), so a server per request costs only the registration of a few tools
 * and keeps the caller out of any shared state.
 */
export function buildMcpServer(tools: readonly McpTool[], caller: McpCaller, log: Logger): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, title: "Strand", version: MCP_SERVER_VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input },
      async (input: unknown) => {
        const started = performance.now();
        const toolLog = log.child({ tool: tool.name, session_id: caller.sessionId });
        try {
          const result = await tool.run(input as never, { caller, log: toolLog });
          toolLog.info({ ms: Math.round(performance.now() - started) }, "mcp tool call");
          return { content: [{ type: "text" as const, text: result.text }], structuredContent: result.structured };
        } catch (err) {
          // What the agent can act on (a missing session, a bad cursor) is its answer; anything
          // else is ours, logged with its stack and told to the agent without internals.
          const known = err instanceof McpToolError || (err instanceof HttpError && err.statusCode < 500);
          if (known) toolLog.info({ err: (err as Error).message }, "mcp tool call refused");
          else toolLog.error({ err }, "mcp tool call failed");
          const text = known ? (err as Error).message : `${tool.name} failed inside Strand; the server log has details`;
          return { content: [{ type: "text" as const, text }], isError: true };
        }
      },
    );
  }
  return server;
}
