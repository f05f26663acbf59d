import {
  type AgentKnowledgeSource,
  type AgentMcpServer,
  type CreateMcpServerBody,
  ErrorCodes,
  MCP_SERVERS_PATH,
  type McpServer,
  type McpServerTransport,
  type SessionMcpServer,
  type UpdateMcpServerBody,
} from "@strand/protocol";
import { and, asc, eq, or, type SQL } from "drizzle-orm";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Db } from "../../db/database.js";
import { uniqueViolation } from "../../db/errors.js";
import { knowledgeSources, mcpServers, projects, sessions } from "../../db/schema.js";
import { conflict, HttpError, notFound } from "../../lib/http-error.js";
import { newId } from "../../lib/ids.js";
import { type Actor, assertCanManageMcpServers, canView, personOf } from "../../policy/policy.js";
import { mcpServerScope, mcpServersOfSession } from "../../policy/scopes.js";
import type { NetworkGuard } from "../../providers/network-guard.js";

type Row = typeof mcpServers.$inferSelect;

/** An http server ready to be proxied to: its headers decrypted, only ever held in server memory. */
export interface ResolvedMcpServer {
  id: string;
  name: string;
  url: string;
  headers: Record<string, string>;
}

function toMcpServer(row: Row): McpServer {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    team_id: row.teamId,
    project_id: row.projectId,
    transport: row.transport as McpServerTransport,
    url: row.url,
    header_names: row.headerNames,
    command: row.command,
    args: row.args,
    env: row.env,
    enabled: row.enabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const fieldError = (field: string, message: string) =>
  new HttpError(400, ErrorCodes.validationFailed, message, [{ path: `body.${field}`, message }]);

/**
 * The team's and project's own MCP servers (docs/mcp.md). Each belongs to exactly one team or
 * project: its viewers see it, members and up manage it. Header values are sealed with the row's
 * id as context and leave the server only towards the upstream, from the proxy.
 */
export class McpServerService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    /** The providers' address policy: an MCP server URL is an outbound call from the server just like them. */
    private readonly guard: NetworkGuard,
  ) {}

  async create(actor: Actor, body: CreateMcpServerBody): Promise<McpServer> {
    const person = personOf(actor);
    await this.assertManageOwner(person, { teamId: body.team_id ?? null, projectId: body.project_id ?? null });
    const id = newId("mcp");
    const values: typeof mcpServers.$inferInsert = {
      id,
      name: body.name,
      description: body.description ?? "",
      teamId: body.team_id ?? null,
      projectId: body.project_id ?? null,
      createdBy: person.userId,
      transport: body.transport,
    };
    if (body.transport === "http") {
      await this.checkUrl(body.url);
      values.url = body.url;
      Object.assign(values, this.sealHeaders(id, body.headers ?? {}));
    } else {
      values.command = body.command;
      values.args = body.args ?? [];
      values.env = body.env ?? {};
    }
    try {
      const [row] = await this.db.insert(mcpServers).values(values).returning();
      if (!row) throw new Error("insert into mcp_servers returned no row");
      return toMcpServer(row);
    } catch (err) {
      throw this.nameConflict(err, body.name) ?? err;
    }
  }

  async list(actor: Actor, filter: { team_id?: string; project_id?: string }): Promise<McpServer[]> {
    const conds: SQL[] = [mcpServerScope(actor)];
    if (filter.team_id) conds.push(eq(mcpServers.teamId, filter.team_id));
    if (filter.project_id) conds.push(eq(mcpServers.projectId, filter.project_id));
    const rows = await this.db
      .select()
      .from(mcpServers)
      .where(and(...conds))
      .orderBy(asc(mcpServers.name), asc(mcpServers.id));
    return rows.map(toMcpServer);
  }

  async get(actor: Actor, id: string): Promise<McpServer> {
    return toMcpServer(await this.visibleRow(actor, id));
  }

  async update(actor: Actor, id: string, body: UpdateMcpServerBody): Promise<McpServer> {
    const row = await this.manageableRow(actor, id);
    const patch: Partial<typeof mcpServers.$inferInsert> = { updatedAt: new Date() };
    if (body.name !== undefined) patch.name = body.name;
    if (body.description !== undefined) patch.description = body.description;
    if (body.enabled !== undefined) patch.enabled = body.enabled;
    const httpOnly = ["url", "headers"] as const;
    const stdioOnly = ["command", "args", "env"] as const;
    for (const f of row.transport === "http" ? stdioOnly : httpOnly) {
      if (body[f] !== undefined) throw fieldError(f, `${f}: this server's transport is ${row.transport}`);
    }
    if (body.url !== undefined) {
      await this.checkUrl(body.url);
      patch.url = body.url;
    }
    if (body.headers !== undefined) Object.assign(patch, this.sealHeaders(row.id, body.headers ?? {}));
    if (body.command !== undefined) patch.command = body.command;
    if (body.args !== undefined) patch.args = body.args;
    if (body.env !== undefined) patch.env = body.env;
    try {
      const [updated] = await this.db.update(mcpServers).set(patch).where(eq(mcpServers.id, row.id)).returning();
      return toMcpServer(updated as Row);
    } catch (err) {
      throw this.nameConflict(err, body.name ?? row.name) ?? err;
    }
  }

  async remove(actor: Actor, id: string): Promise<McpServer> {
    const row = await this.manageableRow(actor, id);
    await this.db.delete(mcpServers).where(eq(mcpServers.id, row.id));
    return toMcpServer(row);
  }

  /** For Test: any http server the actor sees, headers opened. */
  async resolveById(actor: Actor, id: string): Promise<{ server: McpServer; resolved: ResolvedMcpServer | null }> {
    const row = await this.visibleRow(actor, id);
    return { server: toMcpServer(row), resolved: row.transport === "http" ? this.resolve(row) : null };
  }

  /**
   * The enabled servers a session's runtime gets, by name: its project's first, then its team's
   * (a project's server shadows the team's of the same name).
   */
  async forSession(session: { projectId: string | null; teamId: string | null }): Promise<Row[]> {
    return serversOfSession(this.db, session);
  }

  /** For the proxy: the http server named `name` among the calling session's project's, then team's. */
  async resolveForSession(sessionId: string, name: string): Promise<ResolvedMcpServer | undefined> {
    const [s] = await this.db
      .select({ projectId: sessions.projectId, teamId: sessions.teamId })
      .from(sessions)
      .where(eq(sessions.id, sessionId));
    if (!s) return undefined;
    const row = (await this.forSession(s)).find((r) => r.name === name.toLowerCase());
    return row && row.transport === "http" ? this.resolve(row) : undefined;
  }

  /**
   * What GET /sessions/:id/mcp-servers shows. agentd's status reports are not stored yet (see
   * docs/mcp.md), so every server is `connecting` until they are.
   */
  async sessionServers(actor: Actor, sessionId: string): Promise<SessionMcpServer[]> {
    const [s] = await this.db.select().from(sessions).where(eq(sessions.id, sessionId));
    if (
      !s ||
      s.desiredState === "deleted" ||
      !canView(actor, { ownerId: s.ownerId, teamId: s.teamId, sessionId: s.id })
    )
      throw notFound("session", sessionId);
    return (await this.forSession(s)).map((r) => ({
      id: r.id,
      name: r.name,
      transport: r.transport as McpServerTransport,
      status: "connecting",
      reason: null,
      tools: null,
    }));
  }

  private resolve(row: Row): ResolvedMcpServer {
    let headers: Record<string, string> = {};
    if (row.headersEnc) {
      try {
        headers = JSON.parse(this.box.open(row.headersEnc, row.id)) as Record<string, string>;
      } catch (err) {
        throw new HttpError(
          500,
          "mcp_server_headers_unreadable",
          `the headers of MCP server ${row.name} cannot be read: ${(err as Error).message}. ` +
            `Enter them again with PATCH /api/v1/mcp-servers/${row.id} {"headers": {…}}.`,
        );
      }
    }
    return { id: row.id, name: row.name, url: row.url ?? "", headers };
  }

  private sealHeaders(id: string, headers: Record<string, string>) {
    const names = Object.keys(headers);
    return {
      headersEnc: names.length ? this.box.seal(JSON.stringify(headers), id) : null,
      headerNames: names,
    };
  }

  private async visibleRow(actor: Actor, id: string): Promise<Row> {
    const [row] = await this.db
      .select()
      .from(mcpServers)
      .where(and(eq(mcpServers.id, id), mcpServerScope(actor)));
    if (!row) throw notFound("MCP server", id);
    return row;
  }

  private async manageableRow(actor: Actor, id: string): Promise<Row> {
    const row = await this.visibleRow(actor, id);
    await this.assertManageOwner(actor, row);
    return row;
  }

  /** Members and up of the team, or whoever controls the project; an unseen team or project is a 404. */
  private async assertManageOwner(actor: Actor, owner: { teamId: string | null; projectId: string | null }) {
    if (owner.projectId) {
      const [p] = await this.db
        .select({ ownerId: projects.ownerId, teamId: projects.teamId })
        .from(projects)
        .where(eq(projects.id, owner.projectId));
      if (!p) throw notFound("project", owner.projectId);
      assertCanManageMcpServers(actor, p, { kind: "project", id: owner.projectId });
    } else if (owner.teamId) {
      assertCanManageMcpServers(actor, { ownerId: null, teamId: owner.teamId }, { kind: "team", id: owner.teamId });
    }
  }

  private async checkUrl(url: string): Promise<void> {
    const refusal = await this.guard.checkBaseUrl(url);
    if (refusal) throw fieldError("url", `url: ${refusal}`);
  }

  private nameConflict(err: unknown, name: string): HttpError | undefined {
    if (!uniqueViolation(err)) return undefined;
    const message = `name: this team or project already has an MCP server named ${JSON.stringify(name)}; choose another name`;
    return conflict(message, [{ path: "body.name", message }]);
  }
}

/**
 * The enabled servers a session's runtime gets, by name: its project's first, then its team's
 * (a project's server shadows the team's of the same name).
 */
export async function serversOfSession(
  db: Db,
  session: { projectId: string | null; teamId: string | null },
): Promise<Row[]> {
  const rows = await db
    .select()
    .from(mcpServers)
    .where(and(eq(mcpServers.enabled, true), mcpServersOfSession(session)))
    .orderBy(asc(mcpServers.name));
  const byName = new Map<string, Row>();
  for (const r of rows) {
    const seen = byName.get(r.name);
    if (!seen || (r.projectId && !seen.projectId)) byName.set(r.name, r);
  }
  return [...byName.values()];
}

/** What `session.settings` tells agentd: the servers as agentd gives them to the runtime, and the knowledge sources. */
export async function agentExtrasOf(
  db: Db,
  session: { projectId: string | null; teamId: string | null },
): Promise<{ mcp_servers: AgentMcpServer[]; knowledge: AgentKnowledgeSource[] }> {
  const servers = await serversOfSession(db, session);
  const parts: SQL[] = [];
  if (session.projectId) parts.push(eq(knowledgeSources.projectId, session.projectId));
  if (session.teamId) parts.push(eq(knowledgeSources.teamId, session.teamId));
  const knowledge = parts.length
    ? await db
        .select({ name: knowledgeSources.name, description: knowledgeSources.description, kind: knowledgeSources.kind })
        .from(knowledgeSources)
        .where(or(...parts))
        .orderBy(asc(knowledgeSources.name))
    : [];
  return {
    mcp_servers: servers.map((r) =>
      r.transport === "http"
        ? { name: r.name, transport: "http", path: `${MCP_SERVERS_PATH}/${r.name}` }
        : { name: r.name, transport: "stdio", command: r.command ?? "", args: r.args, env: r.env },
    ),
    knowledge,
  };
}
