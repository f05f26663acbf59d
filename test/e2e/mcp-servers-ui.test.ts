import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";

/**
 * A team's MCP servers in the web UI, in real Chromium against a real server and a real MCP
 * server (the SDK's) that wants a secret header: add one with a header row, Test lists its tools,
 * a stdio one says it runs in the sandbox, delete; the secret is never shown again.
 */

const SECRET = "sk-ui-header-secret-77e1";

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
let tools: Server;
let toolsUrl: string;
let teamSlug: string;

async function page(path: string): Promise<Page> {
  const context = await newContext(browser, url);
  const p = await context.newPage();
  await login(p, ADMIN_EMAIL, ADMIN_PASSWORD, path);
  return p;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-mcp-servers-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  const team = await admin("POST", "/api/v1/teams", { body: { name: "UI Tools Team" } });
  expect(team.status, team.text).toBe(201);
  teamSlug = team.body.slug;
  tools = createServer(async (req, res) => {
    if (req.headers["x-api-key"] !== SECRET) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"wrong key"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const mcp = new McpServer({ name: "team-tools", version: "1.0.0" });
    mcp.registerTool(
      "lookup_order",
      { description: "Looks up an order by number", inputSchema: { order: z.string() } },
      async ({ order }) => ({ content: [{ type: "text", text: `order ${order}` }] }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString() || "null"));
  });
  await new Promise<void>((r) => tools.listen(0, "127.0.0.1", r));
  toolsUrl = `http://127.0.0.1:${(tools.address() as AddressInfo).port}/mcp`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  tools?.closeAllConnections();
  tools?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a team's MCP servers in the web UI (real server, Chromium)", () => {
  it("adds an http server with a secret header, tests it, adds a stdio one, deletes", async () => {
    const p = await page(`/teams/${teamSlug}`);
    const panel = p.getByTestId("mcp-servers");
    await expect.poll(() => panel.getByTestId("mcp-servers-empty").count()).toBe(1);
    await panel.getByTestId("add-mcp-server").click();
    const form = panel.getByTestId("add-mcp-server-form");
    await form.getByLabel("Name").fill("team-tools");
    await form.getByLabel("URL").fill(toolsUrl);
    await form.getByPlaceholder("Header").fill("X-Api-Key");
    await form.getByPlaceholder("Value (stored encrypted)").fill(SECRET);
    await form.getByRole("button", { name: "Add", exact: true }).click();
    const row = panel.locator('[data-testid=mcp-server-row][data-mcp-server-name="team-tools"]');
    await expect.poll(() => row.textContent()).toContain("headers: X-Api-Key");
    await row.getByTestId("mcp-server-test").click();
    await expect.poll(() => row.getByTestId("mcp-server-test-result").textContent()).toContain("lookup_order");
    expect(await row.getByTestId("mcp-server-test-result").textContent()).toContain("connected to team-tools: 1 tool");
    await screenshot(p, "mcp-servers-team");

    await panel.getByTestId("add-mcp-server").click();
    await form.getByLabel("Name").fill("local-lint");
    await form.getByLabel("Transport").selectOption("stdio");
    await form.getByLabel("Command").fill("node");
    await form.getByLabel("Arguments").fill("lint-mcp.mjs --strict");
    await form.getByRole("button", { name: "Add", exact: true }).click();
    const stdio = panel.locator('[data-testid=mcp-server-row][data-mcp-server-name="local-lint"]');
    await expect.poll(() => stdio.textContent()).toContain("node lint-mcp.mjs --strict");
    await stdio.getByTestId("mcp-server-test").click();
    await expect.poll(() => stdio.getByTestId("mcp-server-test-result").textContent()).toContain("sandbox");

    // The secret was typed once and is shown nowhere, even after a reload.
    await p.reload();
    await expect.poll(() => panel.getByTestId("mcp-server-row").count()).toBe(2);
    expect(await p.content()).not.toContain(SECRET);

    await stdio.getByRole("button", { name: "Delete" }).click();
    await stdio.getByRole("button", { name: "Delete now" }).click();
    await expect.poll(() => panel.getByTestId("mcp-server-row").count()).toBe(1);
    const left = await admin("GET", "/api/v1/mcp-servers");
    expect(left.body.items.map((s: { name: string }) => s.name)).toEqual(["team-tools"]);
  });
});
