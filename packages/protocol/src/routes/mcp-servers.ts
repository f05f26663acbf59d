import {
  CreateMcpServerBodySchema,
  McpServerListQuerySchema,
  McpServerListSchema,
  McpServerSchema,
  McpServerTestResultSchema,
  SessionMcpServerListSchema,
  UpdateMcpServerBodySchema,
} from "../mcp-servers.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["mcp-servers"];

/** A team's or project's own MCP servers (docs/mcp.md, "Team MCP servers"). */
export const mcpServerRoutes = {
  "mcpServers.create": defineRoute({
    method: "POST",
    path: "/api/v1/mcp-servers",
    tags,
    summary: "Add an MCP server to a team or project; http headers are stored encrypted and never returned",
    body: CreateMcpServerBodySchema,
    response: { 201: McpServerSchema, ...ERROR_RESPONSES },
  }),
  "mcpServers.list": defineRoute({
    method: "GET",
    path: "/api/v1/mcp-servers",
    tags,
    summary: "The MCP servers of the teams and projects you see (filter by team_id or project_id)",
    query: McpServerListQuerySchema,
    response: { 200: McpServerListSchema, ...ERROR_RESPONSES },
  }),
  "mcpServers.get": defineRoute({
    method: "GET",
    path: "/api/v1/mcp-servers/:id",
    tags,
    summary: "Get one MCP server",
    params: IdParamsSchema,
    response: { 200: McpServerSchema, ...ERROR_RESPONSES },
  }),
  "mcpServers.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/mcp-servers/:id",
    tags,
    summary: "Change an MCP server (headers replace all of them; headers: null removes them)",
    params: IdParamsSchema,
    body: UpdateMcpServerBodySchema,
    response: { 200: McpServerSchema, ...ERROR_RESPONSES },
  }),
  "mcpServers.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/mcp-servers/:id",
    tags,
    summary: "Delete an MCP server; sessions started afterwards no longer get it",
    params: IdParamsSchema,
    response: { 200: McpServerSchema, ...ERROR_RESPONSES },
  }),
  "mcpServers.test": defineRoute({
    method: "POST",
    path: "/api/v1/mcp-servers/:id/test",
    tags,
    summary: "Connect to an http MCP server as agents would and list its tools (stdio servers run only in a sandbox)",
    params: IdParamsSchema,
    response: { 200: McpServerTestResultSchema, ...ERROR_RESPONSES },
  }),
  "sessions.mcpServers": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id/mcp-servers",
    tags,
    summary: "The team and project MCP servers this session's runtime gets, with their status",
    params: IdParamsSchema,
    response: { 200: SessionMcpServerListSchema, ...ERROR_RESPONSES },
  }),
};
