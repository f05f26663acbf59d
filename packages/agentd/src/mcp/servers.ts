import type * as acp from "@agentclientprotocol/sdk";
import { AGENT_ENV, type AgentMcpServer, MCP_PATH, MCP_SERVER_NAME } from "@strand/protocol";

/** The argument that makes agentd.mjs the stdio bridge instead of the daemon (main.ts). */
export const MCP_BRIDGE_ARG = "mcp-bridge";

/** What agentd knows to tell a runtime where Strand's MCP server is. */
export interface StrandMcp {
  /** The server as the desktop reaches it (no trailing slash). */
  serverUrl: string;
  sessionToken: string;
  /** Where the bridge reads the token at each request (a token file the node rewrites). */
  sessionTokenFile: string;
  /** How to start the stdio bridge: agentd's own bundle with `mcp-bridge` (see `bridgeCommand`). */
  bridge: { command: string; args: string[] };
}

/** How the runtime reaches it: over HTTP itself, or through agentd's stdio bridge. */
export type McpDelivery = "http" | "stdio";

/**
 * Strand's MCP server as the runtime should get it in `session/new`, `session/load` and
 * `session/resume`. A runtime whose `initialize` says `mcpCapabilities.http` calls `/mcp` itself
 * with the session token in its headers; every ACP agent must take stdio servers, so the rest get
 * the bridge, which reads the token from the token file (never from argv, which `ps` shows).
 */
export function strandMcpServer(
  caps: acp.McpCapabilities | undefined | null,
  mcp: StrandMcp,
): { delivery: McpDelivery; server: acp.McpServer } {
  if (caps?.http) {
    return {
      delivery: "http",
      server: {
        type: "http",
        name: MCP_SERVER_NAME,
        url: `${mcp.serverUrl}${MCP_PATH}`,
        headers: [{ name: "Authorization", value: `Bearer ${mcp.sessionToken}` }],
      },
    };
  }
  return {
    delivery: "stdio",
    server: {
      name: MCP_SERVER_NAME,
      command: mcp.bridge.command,
      args: mcp.bridge.args,
      env: [
        { name: AGENT_ENV.serverUrl, value: mcp.serverUrl },
        { name: AGENT_ENV.sessionTokenFile, value: mcp.sessionTokenFile },
      ],
    },
  };
}

/** The bridge is agentd's own bundle run again by the same Node: nothing else to ship or install. */
export function bridgeCommand(agentdScript: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [agentdScript, MCP_BRIDGE_ARG] };
}

/**
 * The project's and team's own MCP servers (from `session.settings`) as the runtime should get
 * them, next to Strand's. An http server is reached through Strand's proxy (`/mcp/servers/<name>`,
 * which adds the server's secret headers) with the session token, like `/mcp`: over HTTP when the
 * runtime takes it, else through the same stdio bridge pointed at the proxy path. A stdio server
 * runs as the team configured it. Without Strand's MCP details (no server URL or token) http
 * servers cannot be reached and are left out.
 */
export function teamMcpServers(
  caps: acp.McpCapabilities | undefined | null,
  mcp: StrandMcp | undefined,
  entries: readonly AgentMcpServer[],
): acp.McpServer[] {
  return entries.flatMap((e): acp.McpServer[] => {
    if (e.transport === "stdio") {
      return [
        {
          name: e.name,
          command: e.command,
          args: e.args,
          env: Object.entries(e.env).map(([name, value]) => ({ name, value })),
        },
      ];
    }
    if (!mcp) return [];
    if (caps?.http) {
      return [
        {
          type: "http",
          name: e.name,
          url: `${mcp.serverUrl}${e.path}`,
          headers: [{ name: "Authorization", value: `Bearer ${mcp.sessionToken}` }],
        },
      ];
    }
    return [
      {
        name: e.name,
        command: mcp.bridge.command,
        args: mcp.bridge.args,
        env: [
          { name: AGENT_ENV.serverUrl, value: mcp.serverUrl },
          { name: AGENT_ENV.sessionTokenFile, value: mcp.sessionTokenFile },
          { name: AGENT_ENV.mcpBridgePath, value: e.path },
        ],
      },
    ];
  });
}
