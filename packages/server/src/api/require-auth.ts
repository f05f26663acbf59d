import { ErrorCodes } from "@strand/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type AuthContext, authenticate } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import { forbidden, unauthenticated } from "../lib/http-error.js";

declare module "fastify" {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/**
 * Adds authentication to every route of the (encapsulated) plugin it is called in.
 * Session tokens (held by sandboxes) are refused unless the plugin is for agents.
 */
export function requireAuth(app: FastifyInstance, db: Db, opts: { sessionTokens?: "only" | "refuse" } = {}): void {
  const mode = opts.sessionTokens ?? "refuse";
  app.addHook("onRequest", async (req, reply) => {
    const auth = await authenticate(db, req, reply);
    if (mode === "refuse" && auth.sessionId) {
      throw unauthenticated(
        "a session token only works for its session's agent, not for the user API",
        ErrorCodes.invalidToken,
      );
    }
    if (mode === "only" && !auth.sessionId) {
      throw unauthenticated("this endpoint is for strand-agentd and takes a session token", ErrorCodes.invalidToken);
    }
    req.auth = auth;
  });
}

/** The authenticated caller; only valid inside a `requireAuth` scope. */
export function caller(req: FastifyRequest): AuthContext {
  if (!req.auth) throw new Error(`route ${req.url} used caller() outside requireAuth`);
  return req.auth;
}

export function requireAdmin(req: FastifyRequest): AuthContext {
  const auth = caller(req);
  if (!auth.user.isAdmin) throw forbidden("only an admin can do this");
  return auth;
}
