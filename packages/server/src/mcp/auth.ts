import type { IncomingHttpHeaders } from "node:http";
import { ErrorCodes } from "@strand/protocol";
import { eq } from "drizzle-orm";
import { hashSecret } from "../auth/secrets.js";
import type { Db } from "../db/database.js";
import { apiTokens, sessions } from "../db/schema.js";
import { unauthenticated } from "../lib/http-error.js";
import type { SessionActor } from "../policy/policy.js";

/** The agent calling Strand's MCP server: one session, acting with its owner's scope. */
export interface McpCaller {
  actor: SessionActor;
  sessionId: string;
  sessionName: string;
  /** The API token row that authenticated the call (for logs). */
  tokenId: string;
}

declare module "fastify" {
  interface FastifyRequest {
    mcpCaller: McpCaller | null;
  }
}

const HOW = "send the session token as `Authorization: Bearer <token>` (agentd passes it to the runtime)";

/**
 * Only session tokens open `/mcp`: the tools act for a session's agent, and a person's API token
 * never enters a sandbox. Every refusal says what was wrong, since an agent (or the person
 * reading its log) has to act on it; all of them are 401 `invalid_token` except a missing header.
 * Not cached: a call per tool use is cheap next to the search it runs, and a revoked token must
 * stop working at once.
 */
export async function authenticateMcpCaller(db: Db, headers: IncomingHttpHeaders): Promise<McpCaller> {
  const header = headers.authorization;
  if (header === undefined) throw unauthenticated(`Strand's MCP server needs a session token: ${HOW}`);
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!token)
    throw unauthenticated(`the Authorization header must be \`Bearer <token>\`: ${HOW}`, ErrorCodes.invalidToken);
  const [row] = await db
    .select({ token: apiTokens, session: sessions })
    .from(apiTokens)
    .leftJoin(sessions, eq(sessions.id, apiTokens.sessionId))
    .where(eq(apiTokens.tokenHash, hashSecret(token)));
  if (!row) throw unauthenticated(`this token is not a Strand session token: ${HOW}`, ErrorCodes.invalidToken);
  const sessionId = row.token.sessionId;
  if (!sessionId) {
    throw unauthenticated(
      "Strand's MCP server takes a session token, not a person's API token: its tools act for one session's agent (use `strand search` or GET /api/v1/search as yourself)",
      ErrorCodes.invalidToken,
    );
  }
  if (row.token.revokedAt) {
    throw unauthenticated(
      `the token of session ${sessionId} was revoked (the session stopped or was deleted); a started session gets a new one`,
      ErrorCodes.invalidToken,
    );
  }
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= Date.now()) {
    throw unauthenticated(`the token of session ${sessionId} has expired`, ErrorCodes.invalidToken);
  }
  if (!row.session || row.session.desiredState === "deleted") {
    throw unauthenticated(`session ${sessionId} has been deleted`, ErrorCodes.invalidToken);
  }
  if (row.session.state === "stopped") {
    throw unauthenticated(`session ${sessionId} is stopped; start it again`, ErrorCodes.invalidToken);
  }
  return {
    actor: { kind: "session", sessionId, ownerId: row.token.userId, teamId: row.session.teamId },
    sessionId,
    sessionName: row.session.name,
    tokenId: row.token.id,
  };
}
