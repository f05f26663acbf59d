import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { connectAgent, sessionToken } from "../../../test/support/agent-socket.js";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { knowledgeSources } from "../src/db/schema.js";

const SECRET = "sk-team-tools-9f83c1d2e7a64b50";
/** The proxy's timeout here: short, so the hanging upstream's error arrives quickly. */
const TIMEOUT_MS = 1500;

type Person = { call: Caller; id: string; token: string };
let t: TestServer;
let member: Person;
let viewer: Person;
let stranger: Person;
let teamId: string;
const servers: Server[] = [];
const clients: Client[] = [];
/** Every request the team's MCP server received, with its headers. */
const seen: IncomingHttpHeaders[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

/** A real MCP server (the SDK's, stateful: it hands out MCP session ids) that wants the secret header. */
async function teamToolsServer(): Promise<string> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  return listen(async (req, res) => {
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
}

async function mcpClient(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "mcp-servers-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  clients.push(client);
  await client.connect(transport);
  return client;
}

const textOf = (r: Awaited<ReturnType<Client["callTool"]>>) =>
  (r.content as { type: string; text: string }[]).map((c) => c.text).join("\n");

let toolsUrl: string;
let hangUrl: string;
let garbageUrl: string;

beforeAll(async () => {
  t = await startTestServer({ STRAND_MCP_PROXY_TIMEOUT_MS: String(TIMEOUT_MS) }, { captureLogs: true });
  member = await t.newUser("member@example.com");
  viewer = await t.newUser("viewer@example.com");
  stranger = await t.newUser("stranger@example.com");
  const team = await member.call("POST", "/api/v1/teams", { body: { name: "Tools Team" } });
  expect(team.status, team.text).toBe(201);
  teamId = team.body.id;
  const added = await member.call("POST", `/api/v1/teams/${teamId}/members`, {
    body: { email: "viewer@example.com", role: "viewer" },
  });
  expect(added.status, added.text).toBe(201);
  toolsUrl = await teamToolsServer();
  // Accepts and never answers.
  hangUrl = await listen(() => {});
  garbageUrl = await listen((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end("<html><body>502 Bad Gateway</body></html>");
  });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await t?.stop();
});

describe(`team MCP servers (${process.env.STRAND_TEST_DB})`, () => {
  let toolsId: string;

  it("a member adds an http server with a secret header; its value is never returned", async () => {
    const created = await member.call("POST", "/api/v1/mcp-servers", {
      body: {
        name: "team-tools",
        description: "Orders and customers",
        team_id: teamId,
        transport: "http",
        url: toolsUrl,
        headers: { "X-Api-Key": SECRET },
      },
    });
    expect(created.status, created.text).toBe(201);
    toolsId = created.body.id;
    expect(created.body).toMatchObject({
      name: "team-tools",
      team_id: teamId,
      project_id: null,
      transport: "http",
      url: toolsUrl,
      header_names: ["X-Api-Key"],
      enabled: true,
    });
    const got = await member.call("GET", `/api/v1/mcp-servers/${toolsId}`);
    const listed = await viewer.call("GET", `/api/v1/mcp-servers?team_id=${teamId}`);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([toolsId]);
    const renamed = await member.call("PATCH", `/api/v1/mcp-servers/${toolsId}`, {
      body: { description: "Orders" },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.header_names).toEqual(["X-Api-Key"]);
    for (const r of [created, got, listed, renamed]) expect(r.text).not.toContain(SECRET);
    const stored = await t.server.database.db.execute(
      sql`select count(*)::int as n from mcp_servers where headers_enc like ${`%${SECRET}%`}`,
    );
    expect((stored as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });

  it("Test connects with the sealed header and lists the server's tools; a stdio server says it runs in the sandbox", async () => {
    const tested = await member.call("POST", `/api/v1/mcp-servers/${toolsId}/test`);
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({
      ok: true,
      tools: [{ name: "lookup_order", description: "Looks up an order by number" }],
    });
    const stdio = await member.call("POST", "/api/v1/mcp-servers", {
      body: { name: "local-lint", team_id: teamId, transport: "stdio", command: "node", args: ["lint-mcp.mjs"] },
    });
    expect(stdio.status, stdio.text).toBe(201);
    expect(stdio.body).toMatchObject({ command: "node", args: ["lint-mcp.mjs"], env: {}, url: null });
    const st = await member.call("POST", `/api/v1/mcp-servers/${stdio.body.id}/test`);
    expect(st.body.ok).toBe(false);
    expect(st.body.message).toContain("runs inside each session's sandbox");
  });

  it.each([
    [{ name: "Bad Name", team_id: "x", transport: "http", url: "http://a.example/mcp" }, "body.name"],
    [{ name: "strand", team_id: "x", transport: "http", url: "http://a.example/mcp" }, "body.name"],
    [{ name: "ok", transport: "http", url: "http://a.example/mcp" }, "body.team_id"],
    [{ name: "ok", team_id: "x", project_id: "y", transport: "http", url: "http://a.example/mcp" }, "body.team_id"],
    [{ name: "ok", team_id: "x", transport: "http", url: "ftp://a.example/mcp" }, "body.url"],
    [
      { name: "ok", team_id: "x", transport: "http", url: "http://a.example/", headers: { "X-A": "a\r\nb" } },
      "body.headers",
    ],
    [{ name: "ok", team_id: "x", transport: "stdio", command: "" }, "body.command"],
    [{ name: "ok", team_id: "x", transport: "carrier-pigeon" }, "body.transport"],
  ])("refuses %j naming %s", async (body, path) => {
    const res = await member.call("POST", "/api/v1/mcp-servers", { body });
    expect(res.status, res.text).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("viewers see a team's servers but cannot change them; a stranger sees nothing", async () => {
    const refused = await viewer.call("POST", "/api/v1/mcp-servers", {
      body: { name: "mine", team_id: teamId, transport: "stdio", command: "true" },
    });
    expect(refused.status, refused.text).toBe(403);
    expect((await viewer.call("DELETE", `/api/v1/mcp-servers/${toolsId}`)).status).toBe(403);
    // The stranger's own server is the marker that their list is answered and complete.
    const team = await stranger.call("POST", "/api/v1/teams", { body: { name: "Stranger Team" } });
    const own = await stranger.call("POST", "/api/v1/mcp-servers", {
      body: { name: "team-tools", team_id: team.body.id, transport: "stdio", command: "true" },
    });
    expect(own.status, own.text).toBe(201);
    const list = await stranger.call("GET", "/api/v1/mcp-servers");
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([own.body.id]);
    expect((await stranger.call("GET", `/api/v1/mcp-servers/${toolsId}`)).status).toBe(404);
    expect((await stranger.call("POST", `/api/v1/mcp-servers/${toolsId}/test`)).status).toBe(404);
    const foreignTeam = await stranger.call("POST", "/api/v1/mcp-servers", {
      body: { name: "sneaky", team_id: teamId, transport: "stdio", command: "true" },
    });
    expect(foreignTeam.status).toBe(404);
    const dup = await member.call("POST", "/api/v1/mcp-servers", {
      body: { name: "team-tools", team_id: teamId, transport: "stdio", command: "true" },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.details[0].path).toBe("body.name");
  });

  describe("/mcp/servers/<name>", () => {
    let token: string;
    let sessionId: string;

    beforeAll(async () => {
      for (const [name, url] of [
        ["hangs", hangUrl],
        ["garbage", garbageUrl],
      ]) {
        const r = await member.call("POST", "/api/v1/mcp-servers", {
          body: { name, team_id: teamId, transport: "http", url },
        });
        expect(r.status, r.text).toBe(201);
      }
      const s = await member.call("POST", "/api/v1/sessions", {
        body: { name: "uses tools", team_id: teamId },
      });
      expect(s.status, s.text).toBe(201);
      sessionId = s.body.id;
      token = await sessionToken(t.server.database.db, member.id, sessionId);
    });

    it("a session's agent calls the team server's tool through Strand; the secret is added there and its token stays", async () => {
      const before = seen.length;
      const client = await mcpClient(`${t.url}/mcp/servers/team-tools`, token);
      const { tools } = await client.listTools();
      expect(tools.map((x) => x.name)).toEqual(["lookup_order"]);
      const res = await client.callTool({ name: "lookup_order", arguments: { order: "A-1042" } });
      expect(textOf(res)).toBe("order A-1042: shipped on 2026-11-30");
      const upstream = seen.slice(before);
      expect(upstream.length).toBeGreaterThanOrEqual(3);
      for (const h of upstream) {
        expect(h["x-api-key"]).toBe(SECRET);
        expect(h.authorization).toBeUndefined();
        expect(JSON.stringify(h)).not.toContain(token);
      }
      // The MCP session id the upstream handed out went back and forth through the proxy.
      expect(upstream.some((h) => typeof h["mcp-session-id"] === "string")).toBe(true);
    });

    it("agentd gets the servers in session.settings: http ones as a proxy path, never their URL or secret", async () => {
      // A knowledge source of the team (its API is k-core's; the row is all the settings read).
      await t.server.database.db.insert(knowledgeSources).values({
        id: "ks_runbooks",
        name: "runbooks",
        description: "On-call runbooks",
        kind: "api",
        teamId,
        createdBy: member.id,
      });
      const agent = await connectAgent(t.url, sessionId, token, "settings-check");
      const settings = await agent.ws.next((m) => m.type === "session.settings");
      await agent.close();
      expect(settings.mcp_servers).toEqual([
        { name: "garbage", transport: "http", path: "/mcp/servers/garbage" },
        { name: "hangs", transport: "http", path: "/mcp/servers/hangs" },
        { name: "local-lint", transport: "stdio", command: "node", args: ["lint-mcp.mjs"], env: {} },
        { name: "team-tools", transport: "http", path: "/mcp/servers/team-tools" },
      ]);
      expect(settings.knowledge).toEqual([{ name: "runbooks", description: "On-call runbooks", kind: "api" }]);
      expect(JSON.stringify(settings)).not.toContain(SECRET);
      expect(JSON.stringify(settings)).not.toContain(toolsUrl);
    });

    it("lists the session's servers", async () => {
      const res = await member.call("GET", `/api/v1/sessions/${sessionId}/mcp-servers`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.map((s: { name: string }) => s.name)).toEqual([
        "garbage",
        "hangs",
        "local-lint",
        "team-tools",
      ]);
      expect((await stranger.call("GET", `/api/v1/sessions/${sessionId}/mcp-servers`)).status).toBe(404);
    });

    it("without a session token: 401, and nothing reaches the upstream", async () => {
      const before = seen.length;
      const init = {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      };
      const headers = { accept: "application/json, text/event-stream" };
      const anon = await t.anon("POST", "/mcp/servers/team-tools", { body: init, headers });
      expect(anon.status).toBe(401);
      const person = await member.call("POST", "/mcp/servers/team-tools", { body: init, headers });
      expect(person.status).toBe(401);
      // Marker: a request with the session token does arrive.
      const ok = await t.as({ token })("POST", "/mcp/servers/team-tools", { body: init, headers });
      expect(ok.status).toBe(200);
      expect(seen.length).toBe(before + 1);
    });

    it("an unknown name, a hanging server and garbage each give the agent a clear error", async () => {
      await expect(mcpClient(`${t.url}/mcp/servers/nope`, token)).rejects.toThrow(
        /no http MCP server named "nope" is attached/,
      );
      await expect(mcpClient(`${t.url}/mcp/servers/hangs`, token)).rejects.toThrow(
        /MCP server hangs did not answer within 1.5 s/,
      );
      await expect(mcpClient(`${t.url}/mcp/servers/garbage`, token)).rejects.toThrow(
        /MCP server garbage answered with a body that is not JSON-RPC: "<html><body>502 Bad Gateway/,
      );
    });

    it("the secret is in no log line and no event", async () => {
      expect(JSON.stringify(t.logs)).not.toContain(SECRET);
      const rows = await t.server.database.db.execute(sql`select payload::text as p from events`);
      for (const r of (rows as unknown as { rows: { p: string }[] }).rows) expect(r.p).not.toContain(SECRET);
    });
  });
});
