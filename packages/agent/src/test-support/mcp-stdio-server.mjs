#!/usr/bin/env node
/**
 * A small MCP server on stdio for strand-agent's tests (src/mcp/mcp.test.ts): `echo` answers with
 * its input and the MCP_FIXTURE_GREETING variable the client set, so a test sees the env arrive.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "fixture-stdio", version: "1" });
server.registerTool(
  "echo",
  { description: "Echoes the text back.", inputSchema: { text: z.string().describe("What to echo.") } },
  async ({ text }) => ({
    content: [{ type: "text", text: `${process.env.MCP_FIXTURE_GREETING ?? "?"}: ${text}` }],
  }),
);
await server.connect(new StdioServerTransport());
