/**
 * The MCP servers an ACP client hands the agent in `session/new`, `session/load` and
 * `session/resume` (`mcpServers`): one MCP client per server, its tools offered to the model as
 * `mcp__<server>__<tool>` (the Claude Code convention), each call sent to the server's `tools/call`.
 * A server that cannot be reached costs its tools, never the session: the failure is logged and
 * kept for the client to be told about.
 */
import { createHash } from "node:crypto";
import type { McpServer, ToolKind } from "@agentclientprotocol/sdk";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult, Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Log } from "../log.js";
import { defineTool, type Tool, type ToolOutcome } from "../tools/types.js";

export interface McpFailure {
  server: string;
  reason: string;
}

/** The MCP side of one ACP session: the tools it brings and the servers that failed. */
export interface McpTools {
  tools: Tool[];
  failures: McpFailure[];
  /** Closes every client (stdio servers' processes end with them). */
  close(): Promise<void>;
}

export interface McpOptions {
  log: Log;
  clientVersion: string;
  /** Longest wait for a server to connect and list its tools. */
  connectTimeoutMs: number;
  /** Longest wait for one `tools/call`. */
  callTimeoutMs: number;
}

/** Anthropic and OpenAI both take tool names matching this (64 characters at most). */
const NAME_CHARS = /[^a-zA-Z0-9_-]/g;
const NAME_MAX = 64;

/** `mcp__<server>__<tool>` in the characters and length providers take; a shortened name keeps a hash so it stays unique. */
export function mcpToolName(server: string, tool: string): string {
  const full = `mcp__${server.replace(NAME_CHARS, "_")}__${tool.replace(NAME_CHARS, "_")}`;
  if (full.length <= NAME_MAX) return full;
  const hash = createHash("sha256").update(`${server}\0${tool}`).digest("hex").slice(0, 8);
  return `${full.slice(0, NAME_MAX - hash.length - 1)}_${hash}`;
}

/** Connects to every server at once; resolves when each has listed its tools or failed. */
export async function connectMcpServers(servers: McpServer[], opts: McpOptions): Promise<McpTools> {
  const clients: Client[] = [];
  const failures: McpFailure[] = [];
  const tools: Tool[] = [];
  const taken = new Set<string>();
  const results = await Promise.all(servers.map((s) => connectOne(s, opts)));
  for (const [i, r] of results.entries()) {
    const server = servers[i] as McpServer;
    if ("reason" in r) {
      failures.push({ server: server.name, reason: r.reason });
      continue;
    }
    clients.push(r.client);
    for (const t of r.tools) {
      const name = mcpToolName(server.name, t.name);
      if (taken.has(name)) {
        opts.log("warn", "MCP tool skipped: its name clashes with another server's tool", {
          server: server.name,
          tool: t.name,
          name,
        });
        continue;
      }
      taken.add(name);
      tools.push(mcpTool(server.name, name, t, r.client, opts));
    }
    opts.log("info", "MCP server connected", { server: server.name, tools: r.tools.map((t) => t.name) });
  }
  return {
    tools,
    failures,
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    },
  };
}

async function connectOne(
  server: McpServer,
  opts: McpOptions,
): Promise<{ client: Client; tools: McpTool[] } | { reason: string }> {
  const client = new Client({ name: "strand-agent", version: opts.clientVersion });
  let transport: Transport;
  if ("type" in server && server.type === "http") {
    const headers = Object.fromEntries(server.headers.map((h) => [h.name, h.value]));
    transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } });
  } else if ("type" in server && server.type === "sse") {
    // initialize answers mcpCapabilities.sse: false, so a client should not send one; say why it is unused.
    opts.log("warn", "MCP server skipped: SSE is not supported", { server: server.name });
    return { reason: "its SSE transport is not supported by strand-agent (use HTTP or stdio)" };
  } else {
    const stdio = server as Extract<McpServer, { command: string }>;
    const t = new StdioClientTransport({
      command: stdio.command,
      args: stdio.args,
      // The SDK's safe defaults (PATH, HOME …) plus what the client asked for, not the agent's whole environment.
      env: { ...getDefaultEnvironment(), ...Object.fromEntries(stdio.env.map((e) => [e.name, e.value])) },
      stderr: "pipe",
    });
    t.stderr?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim()) opts.log("debug", "MCP server stderr", { server: server.name, line: line.slice(0, 2000) });
      }
    });
    transport = t;
  }
  try {
    const tools = await withTimeout(
      (async () => {
        await client.connect(transport, { timeout: opts.connectTimeoutMs });
        const all: McpTool[] = [];
        let cursor: string | undefined;
        do {
          const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: opts.connectTimeoutMs });
          all.push(...page.tools);
          cursor = page.nextCursor;
        } while (cursor);
        return all;
      })(),
      opts.connectTimeoutMs,
      `no answer within ${opts.connectTimeoutMs / 1000} s`,
    );
    return { client, tools };
  } catch (err) {
    const reason = (err as Error).message || String(err);
    opts.log("warn", "MCP server could not be reached; the session goes on without its tools", {
      server: server.name,
      reason,
    });
    await client.close().catch(() => {});
    return { reason };
  }
}

/** Any JSON object: the server checks the arguments against its own schema and answers errors as tool errors. */
const ANY_OBJECT = z.record(z.string(), z.unknown());

function mcpTool(server: string, name: string, t: McpTool, client: Client, opts: McpOptions): Tool {
  const label = t.annotations?.title ?? t.title ?? t.name;
  return defineTool<Record<string, unknown>>({
    name,
    description: t.description || `${t.name} from the MCP server ${server}.`,
    schema: ANY_OBJECT,
    parameters: t.inputSchema as Record<string, unknown>,
    kind: kindOf(t),
    // Ask mode asks before anything that does not declare itself read-only.
    needsPermission: t.annotations?.readOnlyHint !== true,
    title: () => `${server}: ${label}`,
    async run(args, ctx): Promise<ToolOutcome> {
      const result = (await client.callTool({ name: t.name, arguments: args }, undefined, {
        signal: ctx.signal,
        timeout: opts.callTimeoutMs,
        resetTimeoutOnProgress: true,
      })) as CallToolResult;
      const content = resultText(result);
      return {
        content: result.isError ? `Error: ${content || "the tool failed without saying why"}` : content,
        isError: result.isError === true,
        ...(result.structuredContent !== undefined ? { rawOutput: result.structuredContent } : {}),
      };
    },
  }) as Tool;
}

function kindOf(t: McpTool): ToolKind {
  if (/search|find|query|grep|lookup/i.test(t.name)) return "search";
  if (/^(read|get|fetch|list|show|view)/i.test(t.name) || t.annotations?.readOnlyHint) return "fetch";
  return "other";
}

/** What the model reads: the text content joined, else the structured content, else a description of what came. */
export function resultText(result: CallToolResult): string {
  const parts: string[] = [];
  for (const c of result.content ?? []) {
    if (c.type === "text") parts.push(c.text);
    else if (c.type === "resource" && "text" in c.resource) parts.push(c.resource.text);
    else if (c.type === "resource_link") parts.push(`[resource ${c.uri}]`);
    else if (c.type === "image" || c.type === "audio") parts.push(`[${c.type} ${c.mimeType}, not shown]`);
  }
  const text = parts.join("\n");
  if (text.trim()) return text;
  if (result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return text;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
