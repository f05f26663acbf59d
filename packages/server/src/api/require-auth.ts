import type { FastifyInstance, FastifyRequest } from "fastify";
import { type AuthContext, authenticate } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import { forbidden } from "../lib/http-error.js";

declare module "fastify" {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/** Adds authentication to every route of the (encapsulated) plugin it is called in. */
export function requireAuth(app: FastifyInstance, db: Db): void {
  app.addHook("onRequest", async (req, reply) => {
    req.auth = await authenticate(db, req, reply);
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
