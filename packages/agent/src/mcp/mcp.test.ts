import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { McpServer as AcpMcpServer, SessionUpdate } from "@agentclientprotocol/sdk";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ScriptedLlm, startScriptedLlm } from "../../../../test/fixtures/llm/server.js";
import { type AgentHarness, agentText, startAgent } from "../test-support/agent-process.js";
import { mcpToolName, resultText } from "./servers.js";

const TOKEN = "ses-token-mcp-41";
const MARKER = "ERR_FLAKY_LOGIN_7731";
const STDIO_SERVER = fileURLToPath(new URL("../test-support/mcp-stdio-server.mjs", import.meta.url));

let llm: ScriptedLlm;
const agents: AgentHarness[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  llm = await startScriptedLlm([], ["work/scripted-1"]);
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  for (const c of cleanups.splice(0)) await c();
  await llm.close();
});

/**
 * A real MCP server over Streamable HTTP, stateless and taking one bearer token, as Strand's `/mcp`
 * is (the real one: packages/server/test/mcp.test.ts and test/integration/mcp-runtime.test.ts).
 */
async function strandMcp(): Promise<{ server: AcpMcpServer; auths: string[]; calls: string[]; stop(): Promise<void> }> {
  const auths: string[] = [];
  const calls: string[] = [];
  const http: Server = createServer(async (req, res) => {
    auths.push(req.headers.authorization ?? "");
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "invalid_token", message: "not a Strand session token" }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const mcp = new McpServer({ name: "strand", version: "1" });
    mcp.registerTool(
      "search_history",
      {
        description: "Search earlier conversations.",
        inputSchema: { query: z.string().describe("Words to find."), limit: z.number().int().optional() },
      },
      async ({ query }) => {
        calls.push(`search_history ${query}`);
        return {
          content: [
            { type: "text", text: `1 result for "${query}":` },
            { type: "text", text: `${query} was fixed` },
          ],
          structuredContent: { results: [{ session_id: "ses_1" }] },
        };
      },
    );
    mcp.registerTool("reindex", { description: "Rebuild the index." }, async () => {
      calls.push("reindex");
      return { content: [{ type: "text", text: "the index is offline" }], isError: true };
    });
    mcp.registerTool("stats", { description: "Counts." }, async () => {
      calls.push("stats");
      return { content: [], structuredContent: { conversations: 3 } };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString() || "null"));
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  let stopped = false;
  const stop = () =>
    new Promise<void>((r) => {
      if (stopped) return r();
      stopped = true;
      http.close(() => r());
      http.closeAllConnections();
    });
  cleanups.push(stop);
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return {
    server: { type: "http", name: "strand", url, headers: [{ name: "Authorization", value: `Bearer ${TOKEN}` }] },
    auths,
    calls,
    stop,
  };
}

/** An address nothing listens on. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/mcp`;
}

const env = (extra: Record<string, string> = {}) => ({
  STRAND_AGENT_MODEL: "work/scripted-1",
  STRAND_AGENT_API: "anthropic",
  ANTHROPIC_BASE_URL: llm.url,
  ANTHROPIC_API_KEY: "session-token-a",
  STRAND_AGENT_OPEN_CMD: "",
  ...extra,
});

async function agent(opts: Parameters<typeof startAgent>[0]): Promise<AgentHarness> {
  const a = await startAgent(opts);
  agents.push(a);
  return a;
}

/** The tool results the model got in request `index` (Anthropic format). */
function toolResults(index: number): { content: string; isError: boolean }[] {
  const req = llm.requests[index];
  if (!req) throw new Error(`no request ${index}`);
  return req.body.messages
    .at(-1)
    .content.filter((b: any) => b.type === "tool_result")
    .map((b: any) => ({ content: b.content, isError: b.is_error === true }));
}

const offered = (index: number): any[] => llm.requests[index]?.body.tools ?? [];
const finalCalls = (updates: SessionUpdate[]) => {
  const byId = new Map<string, any>();
  for (const u of updates) {
    if (u.sessionUpdate === "tool_call") byId.set(u.toolCallId, { ...u });
    if (u.sessionUpdate === "tool_call_update") {
      const prev = byId.get(u.toolCallId) ?? {};
      byId.set(u.toolCallId, { ...prev, ...Object.fromEntries(Object.entries(u).filter(([, v]) => v != null)) });
    }
  }
  return [...byId.values()];
};

describe("strand-agent as an MCP client", () => {
  it("offers a server's tools as mcp__<server>__<tool>, calls them, and shows the call in the chat", async () => {
    const strand = await strandMcp();
    llm.push(
      { text: "Searching.", tool_calls: [{ name: "mcp__strand__search_history", arguments: { query: MARKER } }] },
      { text: "It was fixed before." },
    );
    const a = await agent({ env: env(), mcpServers: [strand.server] });
    expect(a.init.agentCapabilities?.mcpCapabilities?.http).toBe(true);

    const res = await a.prompt("how did we fix the login test?");
    expect(res.stopReason).toBe("end_turn");

    // The model was offered the server's tools with their schemas, next to the built-in ones.
    const search = offered(0).find((t) => t.name === "mcp__strand__search_history");
    expect(search?.description).toBe("Search earlier conversations.");
    expect(search?.input_schema.properties.query).toMatchObject({ type: "string", description: "Words to find." });
    expect(search?.input_schema.required).toEqual(["query"]);
    expect(offered(0).map((t) => t.name)).toEqual(
      expect.arrayContaining(["read_file", "mcp__strand__reindex", "mcp__strand__stats"]),
    );

    // The call reached the server with the token, and its text came back to the model.
    expect(strand.calls).toEqual([`search_history ${MARKER}`]);
    expect(strand.auths.every((h) => h === `Bearer ${TOKEN}`)).toBe(true);
    expect(toolResults(1)).toEqual([{ content: `1 result for "${MARKER}":\n${MARKER} was fixed`, isError: false }]);

    // The chat shows it like any tool call, with a readable title.
    const [call] = finalCalls(a.updates);
    expect(call).toMatchObject({
      title: "strand: search_history",
      kind: "search",
      status: "completed",
      rawInput: { query: MARKER },
      rawOutput: { results: [{ session_id: "ses_1" }] },
    });
    expect(agentText(a.updates)).toBe("Searching.It was fixed before.");
    expect(agentText(a.updates)).not.toMatch(/MCP server/);
  });

  it("gives the model a tool's error as an error, and structured content when there is no text", async () => {
    const strand = await strandMcp();
    llm.push(
      {
        tool_calls: [
          { name: "mcp__strand__reindex", arguments: {} },
          { name: "mcp__strand__stats", arguments: {} },
          { name: "mcp__strand__search_history", arguments: { query: 42 } },
        ],
      },
      { text: "The index is down." },
    );
    const a = await agent({ env: env(), mcpServers: [strand.server] });
    expect((await a.prompt("reindex")).stopReason).toBe("end_turn");
    const results = toolResults(1);
    expect(results[0]).toEqual({ content: "Error: the index is offline", isError: true });
    expect(results[1]).toEqual({ content: '{"conversations":3}', isError: false });
    // The server checks the arguments against its schema; its refusal is the model's to read.
    expect(results[2]?.isError).toBe(true);
    expect(results[2]?.content).toMatch(/query/);
    expect(finalCalls(a.updates).map((c) => c.status)).toEqual(["failed", "completed", "failed"]);
    expect(strand.calls).toEqual(["reindex", "stats"]);
  });

  it("goes on without a server it cannot reach, says so in the chat, and uses the others (stdio)", async () => {
    const local: AcpMcpServer = {
      name: "local files",
      command: process.execPath,
      args: [STDIO_SERVER],
      env: [{ name: "MCP_FIXTURE_GREETING", value: "hello from stdio" }],
    };
    const dead: AcpMcpServer = { type: "http", name: "strand", url: await deadUrl(), headers: [] };
    llm.push({ tool_calls: [{ name: "mcp__local_files__echo", arguments: { text: "ping" } }] }, { text: "Echoed." });
    const a = await agent({ env: env(), mcpServers: [dead, local] });
    const res = await a.prompt("echo ping");
    expect(res.stopReason).toBe("end_turn");

    // A person sees why Strand's tools are missing, before the answer.
    const text = agentText(a.updates);
    expect(text).toMatch(
      /^⚠️ MCP server strand could not be reached: .+\. I'll work on without its tools\.\n\nEchoed\.$/s,
    );
    expect(a.stderr()).toMatch(/MCP server could not be reached/);

    // The model got the stdio server's tools only, and its answer (the env reached the server).
    const names = offered(0).map((t) => t.name);
    expect(names).toContain("mcp__local_files__echo");
    expect(names.filter((n) => n.startsWith("mcp__strand__"))).toEqual([]);
    expect(toolResults(1)).toEqual([{ content: "hello from stdio: ping", isError: false }]);
    expect(finalCalls(a.updates)[0]).toMatchObject({ title: "local files: echo", status: "completed" });

    // Told once: the next turn carries no notice.
    llm.push({ text: "Still here." });
    const before = a.updates.length;
    await a.prompt("and now?");
    expect(agentText(a.updates.slice(before))).toBe("Still here.");
  });

  it("turns a call that throws (the server went away) into a tool error, and the session goes on", async () => {
    const strand = await strandMcp();
    const a = await agent({ env: env(), mcpServers: [strand.server] });
    // A first turn waits for the tools to be listed, so they are offered when the server goes away.
    llm.push({ text: "Ready." });
    await a.prompt("hi");
    expect(offered(0).map((t) => t.name)).toContain("mcp__strand__search_history");
    await strand.stop();

    llm.push(
      { tool_calls: [{ name: "mcp__strand__search_history", arguments: { query: MARKER } }] },
      { text: "The search is unavailable." },
    );
    const res = await a.prompt("search");
    expect(res.stopReason).toBe("end_turn");
    const [result] = toolResults(2);
    expect(result?.isError).toBe(true);
    expect(result?.content).toMatch(/^Error: mcp__strand__search_history failed: /);
    expect(finalCalls(a.updates)[0]?.status).toBe("failed");
    expect(agentText(a.updates)).toContain("The search is unavailable.");
  });

  it("asks before a tool that is not declared read-only, in ask mode, under its readable title", async () => {
    const strand = await strandMcp();
    llm.push(
      { tool_calls: [{ name: "mcp__strand__search_history", arguments: { query: MARKER } }] },
      { text: "Done." },
    );
    const a = await agent({
      env: env({ STRAND_AGENT_PERMISSIONS: "ask" }),
      mcpServers: [strand.server],
      onPermission: () => ({ outcome: { outcome: "selected", optionId: "allow_once" } }),
    });
    await a.prompt("search");
    expect(a.permissionRequests).toHaveLength(1);
    expect(a.permissionRequests[0]?.toolCall).toMatchObject({ title: "strand: search_history", kind: "search" });
    expect(a.permissionRequests[0]?.options.map((o) => o.name)).toContain("Always allow strand: search_history");
    expect(strand.calls).toEqual([`search_history ${MARKER}`]);
  });

  it("connects the servers again on session/resume", async () => {
    const strand = await strandMcp();
    llm.push({ text: "First." });
    const first = await agent({ env: env() });
    await first.prompt("hi");
    await first.close();

    llm.push(
      { tool_calls: [{ name: "mcp__strand__search_history", arguments: { query: MARKER } }] },
      { text: "Found it." },
    );
    const a = await agent({
      env: env(),
      workspace: first.workspace,
      resume: first.sessionId,
      mcpServers: [strand.server],
    });
    expect(a.init.agentCapabilities?.sessionCapabilities?.resume).toEqual({});
    // No replay on resume.
    expect(a.updates).toEqual([]);
    await a.prompt("search again");
    expect(strand.calls).toEqual([`search_history ${MARKER}`]);
    // The conversation continued: the resumed request carries the first turn.
    expect(JSON.stringify(llm.requests[1]?.body.messages)).toContain("hi");
    expect(toolResults(2)[0]?.isError).toBe(false);
  });
});

describe("MCP tool names and results", () => {
  it("keeps names to the characters and length providers take, unique when shortened", () => {
    expect(mcpToolName("strand", "search_history")).toBe("mcp__strand__search_history");
    expect(mcpToolName("my server.v2", "get/thing")).toBe("mcp__my_server_v2__get_thing");
    const long = mcpToolName("a-very-long-server-name-for-testing", "and_an_even_longer_tool_name_that_goes_on");
    const other = mcpToolName("a-very-long-server-name-for-testing", "and_an_even_longer_tool_name_that_goes_on2");
    expect(long).toMatch(/^[a-zA-Z0-9_-]{64}$/);
    expect(other).toMatch(/^[a-zA-Z0-9_-]{64}$/);
    expect(long).not.toBe(other);
  });

  it("joins text, falls back to structured content, and names what it cannot show", () => {
    expect(
      resultText({
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
        structuredContent: { x: 1 },
      }),
    ).toBe("a\nb");
    expect(resultText({ content: [], structuredContent: { x: 1 } })).toBe('{"x":1}');
    expect(resultText({ content: [{ type: "image", mimeType: "image/png", data: "AA==" }] })).toBe(
      "[image image/png, not shown]",
    );
  });
});
