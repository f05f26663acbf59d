import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ScriptedLlm, startScriptedLlm } from "../fixtures/llm/server.js";
import { addProvider } from "../support/llm.js";
import { docker, ensureDesktopImage, exec, startSandboxServer } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * Issue 15's acceptance for team MCP servers on real Docker: strand-agent in a real desktop of a
 * team session calls a tool of the team's http MCP server (through Strand's `/mcp/servers/<name>`,
 * which adds the secret header; the secret appears nowhere in the container) and a tool of a stdio
 * MCP server that runs inside the sandbox with the image's node.
 */

const KEY = "sk-mcp-servers-provider-3b9e";
const SECRET = "sk-team-header-secret-51c0d7a2";
const MODEL = "claude-mcps-1";
const ORDER = "A-1042";
const ECHO = "ECHO_MARKER_6612";
const PROMPT = `Where is order ${ORDER}? Then echo ${ECHO}.`;
const ANSWER = `Order ${ORDER} shipped; the echo came back.`;
const HTTP_TOOL = "mcp__team-tools__lookup_order";
const STDIO_TOOL = "mcp__local-echo__echo_marker";

/** A stdio MCP server in one line of node (newline-delimited JSON-RPC), run by the image's node. */
const STDIO_SERVER = `
const rl = require("readline").createInterface({ input: process.stdin });
const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
rl.on("line", (line) => {
  let m; try { m = JSON.parse(line); } catch { return; }
  if (m.id === undefined) return;
  if (m.method === "initialize") return send({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "local-echo", version: "1" } } });
  if (m.method === "tools/list") return send({ jsonrpc: "2.0", id: m.id, result: { tools: [{ name: "echo_marker", description: "Echoes text with the host it ran on", inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }] } });
  if (m.method === "tools/call") return send({ jsonrpc: "2.0", id: m.id, result: { content: [{ type: "text", text: "stdio echo " + m.params.arguments.text + " on " + require("os").hostname() }] } });
  send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "unknown method " + m.method } });
});`;

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let llm: ScriptedLlm;
let tools: Server;
const seen: IncomingHttpHeaders[] = [];
let scripted = false;

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  llm = await startScriptedLlm([], [MODEL], {
    apiKey: KEY,
    // The agent loop's requests (they offer tools and carry the prompt) follow the script; the
    // steps are queued at the first one. Side calls get "ok".
    onScript: (body: any) => {
      if (!Array.isArray(body.tools) || !JSON.stringify(body.messages ?? []).includes(PROMPT)) return false;
      if (!scripted) {
        scripted = true;
        llm.push(
          { text: "Looking it up.", tool_calls: [{ name: HTTP_TOOL, arguments: { order: ORDER } }] },
          { text: "Now the echo.", tool_calls: [{ name: STDIO_TOOL, arguments: { text: ECHO } }] },
          { text: ANSWER },
        );
      }
      return true;
    },
  });
  await addProvider(s.admin, { name: "mcps", kind: "anthropic", base_url: llm.url, api_key: KEY });

  const transports = new Map<string, StreamableHTTPServerTransport>();
  tools = createServer(async (req, res) => {
    seen.push(req.headers);
    if (req.headers["x-api-key"] !== SECRET) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"wrong key"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const sid = req.headers["mcp-session-id"];
    let transport = typeof sid === "string" ? transports.get(sid) : undefined;
    if (!transport) {
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, created);
        },
      });
      transport = created;
      const mcp = new McpServer({ name: "team-tools", version: "1.0.0" });
      mcp.registerTool(
        "lookup_order",
        { description: "Looks up an order by number", inputSchema: { order: z.string() } },
        async ({ order }) => ({ content: [{ type: "text", text: `order ${order}: shipped on 2026-11-30` }] }),
      );
      await mcp.connect(transport);
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => tools.listen(0, "127.0.0.1", r));
}, 600_000);

afterAll(async () => {
  tools?.closeAllConnections();
  tools?.close();
  await llm?.close();
  await s?.stop();
}, 120_000);

describe("team MCP servers in a real desktop", () => {
  it("strand-agent calls the team's http server through Strand and a stdio server inside the sandbox", async () => {
    const team = await s.admin("POST", "/api/v1/teams", { body: { name: "MCP Docker Team" } });
    expect(team.status, team.text).toBe(201);
    const url = `http://127.0.0.1:${(tools.address() as AddressInfo).port}/mcp`;
    const http = await s.admin("POST", "/api/v1/mcp-servers", {
      body: { name: "team-tools", team_id: team.body.id, transport: "http", url, headers: { "X-Api-Key": SECRET } },
    });
    expect(http.status, http.text).toBe(201);
    const stdio = await s.admin("POST", "/api/v1/mcp-servers", {
      body: {
        name: "local-echo",
        team_id: team.body.id,
        transport: "stdio",
        command: "node",
        args: ["-e", STDIO_SERVER],
      },
    });
    expect(stdio.status, stdio.text).toBe(201);

    const created = await s.admin("POST", "/api/v1/sessions", {
      body: { name: "mcp servers", runtime: "strand-agent", model: `mcps/${MODEL}`, team_id: team.body.id },
    });
    expect(created.status, created.text).toBe(201);
    const id: string = created.body.id;
    const sent = await s.admin("POST", `/api/v1/sessions/${id}/messages`, {
      body: { request_id: "ask", content: PROMPT },
    });
    expect(sent.status, sent.text).toBe(201);
    const items = await until(
      () => s.admin("GET", `/api/v1/sessions/${id}/messages?limit=500`).then((r) => r.body.items as any[]),
      (all) =>
        ["done", "failed", "cancelled", "interrupted"].includes(all.find((e) => e.id === sent.body.id)?.status ?? ""),
      "the turn to end",
      240_000,
    );
    const requests = () => JSON.stringify(llm.requests.map((r) => r.body.messages ?? []));
    const story = JSON.stringify(items.map((e) => ({ kind: e.kind, status: e.status, content: e.content })));
    // The tools reached the model under their servers' names, and their results came back to it.
    expect(JSON.stringify(llm.requests.map((r) => (r.body.tools ?? []).map((t: any) => t.name))), story).toContain(
      HTTP_TOOL,
    );
    expect(requests(), story).toContain(`order ${ORDER}: shipped on 2026-11-30`);
    const name = `strand-${id}`;
    const hostname = (await exec(name, ["hostname"], "agent")).output.trim();
    expect(requests(), story).toContain(`stdio echo ${ECHO} on ${hostname}`);
    expect(JSON.stringify(items)).toContain(ANSWER);
    // The header reached the team's server from Strand; the session token did not.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h["x-api-key"] === SECRET && h.authorization === undefined)).toBe(true);

    // The secret appears nowhere in the container: env, process arguments and environments, files, logs.
    const info = await docker.getContainer(name).inspect();
    expect(JSON.stringify(info.Config.Env)).not.toContain(SECRET);
    const root = async (script: string) => (await exec(name, ["bash", "-c", script], "root")).output;
    expect(
      await root(
        "cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -c sk-team-header-secre[t] || true",
      ),
    ).toMatch(/^0\s*$/);
    expect(
      await root(`grep -rl ${SECRET} /home /tmp /opt/strand /etc /root /var/log /run 2>/dev/null | head -5; echo end`),
    ).toBe("end\n");
    const logs = (await docker.getContainer(name).logs({ stdout: true, stderr: true })).toString();
    expect(logs).not.toContain(SECRET);
  }, 400_000);
});
