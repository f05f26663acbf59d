import type * as acp from "@agentclientprotocol/sdk";
import { AGENT_ENV, MCP_PATH, MCP_SERVER_NAME } from "@strand/protocol";

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
