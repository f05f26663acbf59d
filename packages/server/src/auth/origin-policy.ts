import { ErrorCodes } from "@strand/protocol";
import type { FastifyRequest } from "fastify";
import { ConfigError } from "../config.js";
import { HttpError } from "../lib/http-error.js";

/**
 * Browsers attach the login cookie to requests that other pages start: a form post or a
 * WebSocket from another port of the same host (SameSite counts it as the same site), or from
 * anywhere once SameSite=Lax is not enough. So a request that the cookie authenticates and that
 * changes something (any method but GET/HEAD, and every WebSocket, which carries commands both
 * ways) must come from a page of this server, or of an origin the operator listed.
 */
export interface OriginPolicy {
  /** Throws a 403 unless the request comes from an allowed origin; see `verdict` for the rules. */
  check(req: FastifyRequest): void;
}

/** True for the requests a foreign page could use to act with the victim's cookie. */
export function changesState(req: FastifyRequest): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return true;
  return (req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

/**
 * `scheme://host[:port]`, lower-case, default port dropped, or undefined when `value` is not an
 * http(s) origin. `null` (sandboxed frames, file: pages) is never an origin anyone can allow.
 */
export function normaliseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  // URL already lower-cases the host and drops the scheme's default port.
  return url.origin;
}

/** Normalises STRAND_ALLOWED_ORIGINS, refusing entries that could never match a browser's Origin. */
export function parseAllowedOrigins(list: readonly string[]): string[] {
  return list.map((entry) => {
    const origin = normaliseOrigin(entry);
    if (!origin) {
      throw new ConfigError(
        `STRAND_ALLOWED_ORIGINS: ${JSON.stringify(entry)} is not an origin; list each page origin such as ` +
          "https://strand.example.com (scheme, host and port only; no wildcards)",
      );
    }
    const { pathname, search, hash } = new URL(entry.trim());
    if (pathname !== "/" || search || hash) {
      throw new ConfigError(
        `STRAND_ALLOWED_ORIGINS: ${JSON.stringify(entry)} has a path; an origin is scheme, host and port only (${origin})`,
      );
    }
    return origin;
  });
}

export type OriginVerdict =
  | { allowed: true }
  | { allowed: false; from: string; reason: "origin" | "fetch-site"; own: string | undefined };

/**
 * The rules, in order:
 * - `Origin` present: it must be this server's own origin or an allowed one (`null` never is);
 * - else `Sec-Fetch-Site`: `same-origin` and `none` (the user typed the URL) pass, anything
 *   else (`same-site`, `cross-site`) is refused;
 * - neither header: passes. Every browser sends Origin on non-GET requests and on WebSocket
 *   handshakes, so such a request comes from a script or a CLI, which holds the cookie itself
 *   and cannot be a victim's browser tricked by another page.
 * The server's own origin is the address the request was sent to: `req.protocol` and `req.host`,
 * which Fastify takes from X-Forwarded-Proto/-Host only when STRAND_TRUST_PROXY is on.
 */
export function verdict(req: FastifyRequest, allowed: ReadonlySet<string>): OriginVerdict {
  const own = req.host ? normaliseOrigin(`${req.protocol}://${req.host}`) : undefined;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const normalised = normaliseOrigin(origin);
    if (normalised && (normalised === own || allowed.has(normalised))) return { allowed: true };
    return { allowed: false, from: origin, reason: "origin", own };
  }
  const site = req.headers["sec-fetch-site"];
  if (site === undefined) return { allowed: true };
  const s = String(site).toLowerCase();
  if (s === "same-origin" || s === "none") return { allowed: true };
  return { allowed: false, from: s, reason: "fetch-site", own };
}

export function createOriginPolicy(opts: { allowedOrigins: readonly string[]; trustProxy: boolean }): OriginPolicy {
  const allowed = new Set(parseAllowedOrigins(opts.allowedOrigins));
  return {
    check(req) {
      const v = verdict(req, allowed);
      if (!v.allowed) throw refusal(v, opts.trustProxy);
    },
  };
}

function refusal(v: Extract<OriginVerdict, { allowed: false }>, trustProxy: boolean): HttpError {
  const own = v.own ?? "this server";
  const page =
    v.reason === "origin"
      ? `a page of ${v.from}`
      : `a page of another site (the browser sent Sec-Fetch-Site: ${v.from} and no Origin)`;
  const allow =
    v.reason === "origin"
      ? `To let pages of ${v.from} use Strand with the login cookie, add it to STRAND_ALLOWED_ORIGINS (comma-separated).`
      : "Pages of other origins may use the login cookie only when listed in STRAND_ALLOWED_ORIGINS.";
  // Behind a TLS-terminating proxy the server sees http://127.0.0.1:8080 while browsers say https://strand.example.com.
  const proxy =
    trustProxy || v.reason !== "origin"
      ? ""
      : " If that is this server's own address behind a reverse proxy, set STRAND_TRUST_PROXY=true so the server sees it.";
  return new HttpError(
    403,
    ErrorCodes.forbidden,
    `The login cookie only works from this server's own pages (${own}), and this request came from ${page}. ${allow}${proxy}`,
    { origin: v.reason === "origin" ? v.from : null, sec_fetch_site: v.reason === "fetch-site" ? v.from : null },
  );
}
