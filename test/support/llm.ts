import { eq } from "drizzle-orm";
import { issueApiToken } from "../../packages/server/src/auth/api-tokens.js";
import { llmCalls } from "../../packages/server/src/db/schema.js";
import type { Caller } from "./http.js";
import type { TestServer } from "./server.js";
import { until } from "./wait.js";

export interface AgentSession {
  id: string;
  /** The session token a sandbox would hold: what agents send to the LLM proxy. */
  token: string;
}

/**
 * A session (not started: no Docker needed) and a session token for it, minted the way the
 * scheduler mints one when a session starts.
 */
export async function agentSession(
  t: TestServer,
  call: Caller,
  body: Record<string, unknown> = {},
): Promise<AgentSession> {
  const s = await call("POST", "/api/v1/sessions", { body: { name: "agent", start: false, ...body } });
  if (s.status !== 201) throw new Error(`creating a session failed: ${s.text}`);
  const tok = await issueApiToken(t.server.database.db, {
    userId: s.body.owner_id,
    name: `session ${s.body.id}`,
    sessionId: s.body.id,
  });
  return { id: s.body.id, token: tok.token };
}

export async function addProvider(call: Caller, body: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const r = await call("POST", "/api/v1/providers", { body });
  if (r.status !== 201) throw new Error(`adding provider ${JSON.stringify(body.name)} failed: ${r.text}`);
  return r.body;
}

export type LlmCallRow = typeof llmCalls.$inferSelect;

/** The session's llm_calls rows, oldest first, once there are at least `n` (they are written after the answer). */
export async function callsOf(t: TestServer, sessionId: string, n = 1): Promise<LlmCallRow[]> {
  const rows = await until(
    () => t.server.database.db.select().from(llmCalls).where(eq(llmCalls.sessionId, sessionId)),
    (r) => r.length >= n,
    `${n} llm_calls rows for ${sessionId}`,
    10_000,
  );
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
