import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { McpServerTestResult } from "@strand/protocol";
import { type Dispatcher, fetch as undiciFetch } from "undici";
import type { ResolvedMcpServer } from "./service.js";

/**
 * Test: connects to the server as an agent's runtime would (initialize, tools/list) with its sealed
 * headers, through the providers' guarded connection pool, and says what it found or what failed.
 */
export async function testMcpServer(
  server: ResolvedMcpServer,
  opts: { dispatcher: Dispatcher; timeoutMs: number },
): Promise<McpServerTestResult> {
  const client = new Client({ name: "strand-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: server.headers },
    fetch: ((input: string | URL, init?: RequestInit) =>
      undiciFetch(input, { ...(init as object), dispatcher: opts.dispatcher })) as unknown as typeof fetch,
  });
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  try {
    await client.connect(transport, { signal: timeout, timeout: opts.timeoutMs });
    const { tools } = await client.listTools(undefined, { signal: timeout, timeout: opts.timeoutMs });
    return {
      ok: true,
      message: `connected to ${server.name}: ${tools.length} tool${tools.length === 1 ? "" : "s"}`,
      tools: tools.map((t) => ({ name: t.name, description: t.description ?? "" })),
    };
  } catch (err) {
    return { ok: false, message: `${server.name}: ${(err as Error).message}`, tools: [] };
  } finally {
    await client.close().catch(() => {});
  }
}
