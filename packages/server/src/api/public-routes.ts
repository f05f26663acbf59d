import { API_PREFIX } from "@strand/protocol";
import type { FastifyContextConfig } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Set by the web UI module on the routes it creates (one per built file, and `/`). */
    webUi?: boolean;
  }
}

export interface PublicRoute {
  methods: readonly string[];
  /** The route's URL as registered (`/healthz`); ending in `/*`, that URL and every route under it. */
  url: string;
  /** Only routes the web UI module created: their URLs are the files of the build, known at start. */
  webUi?: true;
  /** Still refused from foreign pages (origin-policy.ts), though no credentials are needed. */
  sameOrigin?: true;
  why: string;
}

/**
 * The only routes that answer without credentials. Every other route is authenticated by the one
 * hook in app.ts (how, its `config.access` says), and test/route-walk.test.ts fails on any route
 * that answers without credentials and is not listed here, and on entries that match no route.
 *
 * Requests that match no route are not authenticated either: they get the web UI's index.html
 * (a page path) or a JSON 404, neither of which holds data.
 */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  {
    methods: ["POST"],
    url: `${API_PREFIX}/auth/login`,
    sameOrigin: true,
    why: "How a browser gets its login cookie. Same-origin only: a foreign page must not log a visitor into an account of its choosing (login CSRF).",
  },
  {
    methods: ["POST"],
    url: `${API_PREFIX}/webhooks/repos/:repo_id`,
    why: "GitHub, GitLab and Gitea call it with no Strand credentials; a delivery is trusted only when it carries the repo's webhook secret (an HMAC of the raw body, or GitLab's token), checked before anything is read or changed.",
  },
  {
    methods: ["GET", "HEAD"],
    url: "/healthz",
    why: "Load balancers and service managers probe it without credentials; it says up or down and nothing else.",
  },
  {
    methods: ["GET", "HEAD"],
    url: `${API_PREFIX}/openapi.json`,
    why: "The API description: the same for every install of this version (it is generated from the open source), holds no data, and tools and people need it before they have a token.",
  },
  {
    methods: ["GET", "HEAD"],
    url: `${API_PREFIX}/docs/*`,
    why: "The browsable form of openapi.json (Swagger UI's page and static files); calls made from it still need a token.",
  },
  {
    methods: ["GET", "HEAD"],
    url: "/*",
    webUi: true,
    why: "The web app's built files: the login page must load before anyone is logged in, and the files hold no data (it fetches everything through the authenticated API).",
  },
];

/** The entry that makes `method url` public, if any. */
export function publicRouteFor(method: string, url: string, config: FastifyContextConfig): PublicRoute | undefined {
  return PUBLIC_ROUTES.find((r) => r.methods.includes(method) && urlMatches(r.url, url) && (!r.webUi || config.webUi));
}

function urlMatches(pattern: string, url: string): boolean {
  if (!pattern.endsWith("/*")) return pattern === url;
  const base = pattern.slice(0, -2);
  return url === base || url.startsWith(`${base}/`);
}
