import { createHash, timingSafeEqual } from "node:crypto";
import { ErrorCodes } from "@strand/protocol";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type AuthContext, authenticate, authenticateToken } from "../auth/authenticate.js";
import { changesState, createOriginPolicy } from "../auth/origin-policy.js";
import { ConfigError } from "../config.js";
import type { Db } from "../db/database.js";
import { forbidden, unauthenticated } from "../lib/http-error.js";
import { authenticateMcpCaller } from "../mcp/auth.js";
import type { CallerCache } from "../proxy/caller-cache.js";
import { authenticateProxyCaller } from "../proxy/session-auth.js";
import { publicRouteFor } from "./public-routes.js";

/**
 * Who may call a route, declared in its `config.access` (default `user`):
 * - `user`: a person, by API token or login cookie; session tokens are refused;
 * - `admin`: the same, and the person is an admin;
 * - `agent`: strand-agentd, by its session token only;
 * - `llm`: the LLM proxy, by session token in the calling SDK's own header and error format;
 * - `metrics`: a bearer token that is STRAND_METRICS_TOKEN or an admin's API token;
 * - `git`: git's smart HTTP, by HTTP Basic with any user name and an API or session token as the
 *   password (what git clients send); what the token may fetch or push is decided per repo;
 * - `mcp`: Strand's MCP server (`/mcp`), by a live session token only (mcp/auth.ts).
 * There is no `public`: the few public routes are listed in PUBLIC_ROUTES (public-routes.ts).
 */
export type RouteAccess = "user" | "admin" | "agent" | "llm" | "metrics" | "git" | "mcp";

export const ROUTE_ACCESS: readonly RouteAccess[] = ["user", "admin", "agent", "llm", "metrics", "git", "mcp"];

declare module "fastify" {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export interface AccessDeps {
  db: Db;
  proxyCallers: CallerCache;
  allowedOrigins: readonly string[];
  trustProxy: boolean;
  metricsToken: string | undefined;
}

const MIN_METRICS_TOKEN_LENGTH = 20;

/**
 * The one onRequest hook that authenticates every route (app.ts adds it to the root, where it
 * covers every route of every plugin). It runs before the body is read, so a caller without
 * credentials never costs a large upload.
 */
export function accessControl(deps: AccessDeps): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const origins = createOriginPolicy(deps);
  const metrics = metricsTokenCheck(deps.metricsToken);
  return async function authenticateRequest(req, reply) {
    // Nothing matched: the SPA fallback or a JSON 404, neither of which holds data.
    if (req.is404) return;
    const config = req.routeOptions.config;
    const pub = publicRouteFor(req.method, req.routeOptions.url ?? "", config);
    if (pub) {
      if (pub.sameOrigin) origins.check(req);
      return;
    }
    const access = config.access ?? "user";
    if (access === "git") {
      req.auth = await authenticateGit(deps.db, req, reply);
      return;
    }
    if (access === "llm") {
      req.proxyCaller = await authenticateProxyCaller(deps.db, req.headers, deps.proxyCallers);
      return;
    }
    if (access === "mcp") {
      req.mcpCaller = await authenticateMcpCaller(deps.db, req.headers);
      return;
    }
    if (access === "metrics") {
      if (metrics(req)) return;
      req.auth = await adminByToken(deps.db, req);
      return;
    }
    const auth = await authenticate(deps.db, req, reply);
    if (access === "agent" && !auth.sessionId) {
      throw unauthenticated("this endpoint is for strand-agentd and takes a session token", ErrorCodes.invalidToken);
    }
    if (access !== "agent" && auth.sessionId) {
      throw unauthenticated(
        "a session token only works for its session's agent, not for the user API",
        ErrorCodes.invalidToken,
      );
    }
    if (auth.via === "cookie" && changesState(req)) origins.check(req);
    if (access === "admin" && !auth.user.isAdmin) throw forbidden("only an admin can do this");
    req.auth = auth;
  };
}

/** The authenticated person (or, on `agent` routes, the session's owner); only valid on non-public routes. */
export function caller(req: FastifyRequest): AuthContext {
  if (!req.auth) {
    throw new Error(`route ${req.url} used caller(), but its access (${req.routeOptions.config.access}) sets none`);
  }
  return req.auth;
}

export function requireAdmin(req: FastifyRequest): AuthContext {
  const auth = caller(req);
  if (!auth.user.isAdmin) throw forbidden("only an admin can do this");
  return auth;
}

/** git sends Basic credentials only after a 401 that names the scheme, so every refusal names it. */
async function authenticateGit(db: Db, req: FastifyRequest, reply: FastifyReply): Promise<AuthContext> {
  reply.header("www-authenticate", 'Basic realm="Strand"');
  const m = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  const decoded = m?.[1] ? Buffer.from(m[1], "base64").toString("utf8") : "";
  const password = decoded.slice(decoded.indexOf(":") + 1);
  if (!m || !password) {
    throw unauthenticated(
      "git needs credentials: any user name, and an API token as the password (create one with `strand tokens create`)",
    );
  }
  const auth = await authenticateToken(db, password);
  reply.removeHeader("www-authenticate");
  return auth;
}

const bearerOf = (req: FastifyRequest) => /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];

/** True when the request carries STRAND_METRICS_TOKEN, compared in constant time. */
function metricsTokenCheck(token: string | undefined): (req: FastifyRequest) => boolean {
  if (token === undefined) return () => false;
  if (token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError(
      `STRAND_METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 24\`)`,
    );
  }
  // Digests have one length, so timingSafeEqual neither throws nor leaks the token's length.
  const want = createHash("sha256").update(token).digest();
  return (req) => {
    const presented = bearerOf(req);
    return presented !== undefined && timingSafeEqual(createHash("sha256").update(presented).digest(), want);
  };
}

async function adminByToken(db: Db, req: FastifyRequest): Promise<AuthContext> {
  const how = "send `Authorization: Bearer <token>` with STRAND_METRICS_TOKEN or an admin's API token";
  // Scrapers send bearer tokens; not taking the cookie keeps one way in, and no browser page among them.
  if (req.headers.authorization === undefined) throw unauthenticated(`/metrics needs a token: ${how}`);
  const auth = await authenticate(db, req);
  if (auth.sessionId) throw unauthenticated(`a session token cannot read /metrics; ${how}`, ErrorCodes.invalidToken);
  if (!auth.user.isAdmin) throw forbidden(`only admins may read /metrics; ${how}`);
  return auth;
}
