import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { MCP_PATH } from "@strand/protocol";

export type McpCheck = { ok: true; tools: string[] } | { ok: false; reason: string };

/**
 * Does Strand's MCP server answer this session? An MCP `initialize` and `tools/list` over HTTP with
 * the session token, as a runtime would make them, bounded in time. Never throws: the answer is
 * what agentd tells the user.
 */
export async function checkMcpEndpoint(serverUrl: string, token: string, timeoutMs = 10_000): Promise<McpCheck> {
  const url = `${serverUrl}${MCP_PATH}`;
  const client = new Client({ name: "strand-agentd-preflight", version: "0.2.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await client.connect(transport, { signal, timeout: timeoutMs });
    const { tools } = await client.listTools(undefined, { signal, timeout: timeoutMs });
    return { ok: true, tools: tools.map((t) => t.name) };
  } catch (err) {
    const message = (err as Error).message || String(err);
    return { ok: false, reason: `${url} did not answer: ${message.slice(0, 500)}` };
  } finally {
    await client.close().catch(() => {});
  }
}
