import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Log } from "../log.js";
import { runMcpBridge } from "./bridge.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/**
 * An MCP server over Streamable HTTP at /mcp that takes one bearer token, as Strand's does (the
 * real one is tested in packages/server/test/mcp.test.ts and end to end in mcp-runtime.test.ts).
 */
async function httpMcp(token: () => string): Promise<{ url: string; auths: string[] }> {
  const auths: string[] = [];
  const server: Server = createServer(async (req, res) => {
    auths.push(req.headers.authorization ?? "");
    if (req.headers.authorization !== `Bearer ${token()}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "invalid_token", message: "the token of session ses_1 was revoked" }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const mcp = new McpServer({ name: "strand", version: "1" });
    mcp.registerTool("search_history", { inputSchema: { query: z.string() } }, async ({ query }) => ({
      content: [{ type: "text", text: `found ${query}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString() || "null"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auths };
}

/** The bridge on a pair of pipes, as a runtime would run it on its child's stdio. */
function bridge(serverUrl: string, tokenFile: string) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const logs: string[] = [];
  const log: Log = (_level, msg, extra) => logs.push(`${msg} ${JSON.stringify(extra ?? {})}`);
  const done = runMcpBridge({ serverUrl, tokenFile, log, stdin, stdout });
  const answers: any[] = [];
  let partial = "";
  stdout.on("data", (c: Buffer) => {
    const lines = (partial + c.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) if (l.trim()) answers.push(JSON.parse(l));
  });
  const call = async (id: number, method: string, params: unknown = {}) => {
    stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    for (let i = 0; i < 200; i++) {
      const a = answers.find((m) => m.id === id);
      if (a) return a;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no answer to ${method}`);
  };
  const notify = (method: string) => stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method })}\n`);
  return { call, notify, logs, end: () => stdin.end(), done };
}

describe("the MCP stdio bridge", () => {
  it("forwards a runtime's stdio MCP session to /mcp with the token from the token file, and the answers back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strand-bridge-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const tokenFile = join(dir, "session-token");
    let current = "tok-1";
    writeFileSync(tokenFile, `${current}\n`);
    const server = await httpMcp(() => current);
    const b = bridge(server.url, tokenFile);

    const init = await b.call(1, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "runtime", version: "1" },
    });
    expect(init.result.serverInfo.name).toBe("strand");
    b.notify("notifications/initialized");
    const list = await b.call(2, "tools/list");
    expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(["search_history"]);
    const found = await b.call(3, "tools/call", { name: "search_history", arguments: { query: "ERR_7731" } });
    expect(found.result.content).toEqual([{ type: "text", text: "found ERR_7731" }]);
    expect(new Set(server.auths)).toEqual(new Set(["Bearer tok-1"]));

    // The node rewrites the token file at a restart: the next request carries the new token.
    current = "tok-2";
    writeFileSync(tokenFile, current);
    expect((await b.call(4, "tools/list")).result.tools).toHaveLength(1);
    expect(server.auths.at(-1)).toBe("Bearer tok-2");

    // A refused token is a JSON-RPC error with the server's reason, not a request left hanging.
    current = "tok-3";
    const refused = await b.call(5, "tools/list");
    expect(refused.error.message).toMatch(/401.*revoked/);

    b.end();
    await b.done;
  });

  it("answers the requests it was given before its input closed, then exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strand-bridge-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "t"), "tok");
    const server = await httpMcp(() => "tok");
    const b = bridge(server.url, join(dir, "t"));
    const answer = b.call(1, "tools/list");
    b.end();
    expect((await answer).result.tools).toHaveLength(1);
    await b.done;
  });

  it("answers every request with an error naming the address when the server is unreachable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strand-bridge-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "t"), "tok");
    const b = bridge("http://127.0.0.1:9", join(dir, "t"));
    const a = await b.call(1, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "r", version: "1" },
    });
    expect(a.error.message).toContain("http://127.0.0.1:9/mcp");
    b.end();
    await b.done;
  });
});
