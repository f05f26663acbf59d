import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { isJSONRPCRequest, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { MCP_PATH } from "@strand/protocol";
import type { Log } from "../log.js";

export interface BridgeOptions {
  serverUrl: string;
  /** Read at every request, so a token the node rewrote is used at once. */
  tokenFile: string;
  /** The path on the server to forward to: `/mcp` (Strand's own) or `/mcp/servers/<name>` (a team's). */
  path?: string;
  log: Log;
  stdin?: Readable;
  stdout?: Writable;
}

/**
 * Strand's MCP server for runtimes that take only stdio MCP servers: an MCP stdio server that
 * forwards every JSON-RPC message to `/mcp` over Streamable HTTP with the session token, and
 * every answer back. It understands nothing of MCP itself (initialize, tools, errors pass as they
 * are), so a tool added on the server needs no new bridge. A request the server refuses (401, 5xx,
 * unreachable) is answered with a JSON-RPC error saying why, so the runtime never waits forever.
 * Resolves when stdin has closed (the runtime ended the server) and every request was answered.
 */
export async function runMcpBridge(o: BridgeOptions): Promise<void> {
  const path = o.path ?? MCP_PATH;
  const http = new StreamableHTTPClientTransport(new URL(`${o.serverUrl}${path}`), {
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${readFileSync(o.tokenFile, "utf8").trim()}`);
      return fetch(url, { ...init, headers });
    },
  });
  const stdio = new StdioServerTransport(o.stdin, o.stdout);
  const closed = new Promise<void>((resolve) => {
    stdio.onclose = () => resolve();
  });
  // Requests sent on and not answered yet: at end of input the bridge waits for them, so a client
  // that writes its requests and closes its end (a script, a test) still gets every answer.
  const pending = new Set<string | number>();
  let ended = false;
  const closeWhenDone = () => {
    if (ended && pending.size === 0) void stdio.close();
  };
  const toRuntime = (msg: JSONRPCMessage) => {
    if ("id" in msg && msg.id !== undefined && !isJSONRPCRequest(msg)) pending.delete(msg.id);
    void stdio.send(msg).finally(closeWhenDone);
  };
  const input = o.stdin ?? process.stdin;
  input.once("end", () => {
    ended = true;
    closeWhenDone();
  });

  stdio.onmessage = (msg: JSONRPCMessage) => {
    if (isJSONRPCRequest(msg)) pending.add(msg.id);
    http.send(msg).catch((err: Error) => {
      o.log("warn", "the MCP bridge could not reach Strand's MCP server", { err: err.message });
      if (!isJSONRPCRequest(msg)) return;
      // A StreamableHTTPError's code is the HTTP status; its message carries the server's body.
      const status = err instanceof StreamableHTTPError && (err.code ?? 0) > 0 ? ` (HTTP ${err.code})` : "";
      toRuntime({
        jsonrpc: "2.0",
        id: msg.id,
        error: {
          code: -32000,
          message: `Strand's MCP server (${o.serverUrl}${path}) refused or failed${status}: ${err.message}`,
        },
      });
    });
  };
  http.onmessage = toRuntime;
  http.onerror = (err) => o.log("debug", "MCP bridge transport", { err: err.message });
  stdio.onerror = (err) =>
    o.log("warn", "the MCP bridge got a malformed message from the runtime", { err: err.message });

  await http.start();
  await stdio.start();
  await closed;
  await http.close();
}
