import { z } from "zod";

/**
 * A team's or project's own MCP servers (docs/mcp.md, "Team MCP servers"). `http` servers are
 * reached by agents through Strand at `/mcp/servers/<name>`, which adds the sealed headers, so no
 * secret enters a sandbox; `stdio` servers run inside the sandbox with non-secret environment.
 */
export const MCP_SERVER_TRANSPORTS = ["http", "stdio"] as const;
export const McpServerTransportSchema = z.enum(MCP_SERVER_TRANSPORTS);
export type McpServerTransport = z.infer<typeof McpServerTransportSchema>;

/** Where agents reach an http server of their project or team: `/mcp/servers/<name>`. */
export const MCP_SERVERS_PATH = "/mcp/servers";

/** Lower case, so it is safe in a URL path and in runtimes' `mcp__<server>__<tool>` tool names. */
export const MCP_SERVER_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const nameSchema = z
  .string()
  .regex(MCP_SERVER_NAME_PATTERN, "name must match [a-z0-9][a-z0-9_-]{0,62}, e.g. internal-tools")
  .refine((n) => n !== "strand", "name: strand is Strand's own MCP server; choose another name");

const urlSchema = z
  .string()
  .trim()
  .max(2000, "url must be at most 2000 characters")
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "url must be an http(s) URL without credentials, e.g. https://tools.example.com/mcp");

/** Header names as HTTP allows them; the hop-by-hop and Strand's own are refused (they would not reach upstream). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const RESERVED_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "mcp-session-id",
  "mcp-protocol-version",
  "accept",
  "content-type",
]);
const headersSchema = z
  .record(z.string(), z.string().max(8192, "a header value must be at most 8192 characters"))
  .refine((h) => Object.keys(h).length <= 32, "headers: at most 32 headers")
  .refine(
    (h) => Object.keys(h).every((k) => HEADER_NAME.test(k) && !RESERVED_HEADERS.has(k.toLowerCase())),
    "headers: names must be HTTP header names, and not one Strand sets itself (host, content-type, mcp-session-id, …)",
  )
  .refine(
    (h) => Object.values(h).every((v) => !/[\r\n\0]/.test(v)),
    "headers: values must not contain line breaks or NUL",
  )
  .describe("Header names to values, sent upstream by Strand's proxy; stored encrypted and never returned.");

const commandSchema = z.string().trim().min(1, "command must not be empty").max(1000);
const argsSchema = z.array(z.string().max(4000)).max(100, "args: at most 100 arguments");
const envSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env: names must be shell variable names"), z.string().max(8192))
  .refine((e) => Object.keys(e).length <= 64, "env: at most 64 variables")
  .describe("Environment for the command. Not secret: it is visible inside the sandbox.");

const scopeFields = {
  name: nameSchema,
  description: z.string().max(2000, "description must be at most 2000 characters").optional(),
  team_id: z.string().max(100).optional(),
  project_id: z.string().max(100).optional(),
};

const oneOwner = (b: { team_id?: string | undefined; project_id?: string | undefined }) =>
  (b.team_id === undefined) !== (b.project_id === undefined);
const ONE_OWNER = { message: "give exactly one of team_id and project_id", path: ["team_id"] };

export const CreateMcpServerBodySchema = z
  .discriminatedUnion("transport", [
    z.strictObject({ ...scopeFields, transport: z.literal("http"), url: urlSchema, headers: headersSchema.optional() }),
    z.strictObject({
      ...scopeFields,
      transport: z.literal("stdio"),
      command: commandSchema,
      args: argsSchema.optional(),
      env: envSchema.optional(),
    }),
  ])
  .refine(oneOwner, ONE_OWNER)
  .meta({ id: "CreateMcpServerBody" });
export type CreateMcpServerBody = z.infer<typeof CreateMcpServerBodySchema>;

export const UpdateMcpServerBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().optional(),
    url: urlSchema.optional(),
    headers: headersSchema.nullable().optional().describe("Replaces every header; null removes them all."),
    command: commandSchema.optional(),
    args: argsSchema.optional(),
    env: envSchema.optional(),
  })
  .meta({ id: "UpdateMcpServerBody" });
export type UpdateMcpServerBody = z.infer<typeof UpdateMcpServerBodySchema>;

export const McpServerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    team_id: z.string().nullable(),
    project_id: z.string().nullable(),
    transport: McpServerTransportSchema,
    url: z.string().nullable(),
    header_names: z.array(z.string()).describe("Which headers are set; their values are never returned."),
    command: z.string().nullable(),
    args: z.array(z.string()),
    env: z.record(z.string(), z.string()),
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "McpServer" });
export type McpServer = z.infer<typeof McpServerSchema>;

export const McpServerListSchema = z.object({ items: z.array(McpServerSchema) });

export const McpServerListQuerySchema = z.object({
  team_id: z.string().max(100).optional(),
  project_id: z.string().max(100).optional(),
});

export const McpServerTestResultSchema = z
  .object({
    ok: z.boolean(),
    message: z.string(),
    tools: z.array(z.object({ name: z.string(), description: z.string() })),
  })
  .meta({ id: "McpServerTestResult" });
export type McpServerTestResult = z.infer<typeof McpServerTestResultSchema>;

export const SESSION_MCP_SERVER_STATUSES = ["connecting", "connected", "failed"] as const;

/** A server a session's runtime was given, with what agentd last reported about it. */
export const SessionMcpServerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    transport: McpServerTransportSchema,
    status: z.enum(SESSION_MCP_SERVER_STATUSES),
    reason: z.string().nullable(),
    tools: z.number().int().nullable(),
  })
  .meta({ id: "SessionMcpServer" });
export type SessionMcpServer = z.infer<typeof SessionMcpServerSchema>;
export const SessionMcpServerListSchema = z.object({ items: z.array(SessionMcpServerSchema) });

/**
 * A team or project MCP server as `session.settings` hands it to agentd. An http server is given
 * only as its path on the Strand server (`/mcp/servers/<name>`): agentd reaches it with the session
 * token, so the token stays the sandbox's only credential. A stdio server is run as given.
 */
export const AgentMcpServerSchema = z.discriminatedUnion("transport", [
  z.object({ name: z.string(), transport: z.literal("http"), path: z.string() }),
  z.object({
    name: z.string(),
    transport: z.literal("stdio"),
    command: z.string(),
    args: z.array(z.string()),
    env: z.record(z.string(), z.string()),
  }),
]);
export type AgentMcpServer = z.infer<typeof AgentMcpServerSchema>;

/** A knowledge source attached to the session's project or team, named in the agent's instructions. */
export const AgentKnowledgeSourceSchema = z.object({ name: z.string(), description: z.string(), kind: z.string() });
export type AgentKnowledgeSource = z.infer<typeof AgentKnowledgeSourceSchema>;
