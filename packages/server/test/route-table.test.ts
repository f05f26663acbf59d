import { API_PREFIX, type ApiRoute, ROUTES } from "@strand/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../test/support/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

const table = Object.entries(ROUTES) as [string, ApiRoute][];
const ACCESS = { public: "public", user: "user", admin: "admin", session: "agent" } as const;

/** Served by @fastify/swagger from the routes themselves; describing the API is not a resource of it. */
const isApiDescription = (url: string) =>
  url === `${API_PREFIX}/openapi.json` || url === `${API_PREFIX}/docs` || url.startsWith(`${API_PREFIX}/docs/`);

describe(`the protocol route table and the server agree (${process.env.STRAND_TEST_DB})`, () => {
  it("registers every ROUTES entry with its method, path, WebSocket-ness and auth", () => {
    const wrong = table.flatMap(([name, route]) => {
      const registered = t.server.routes.find((r) => r.method === route.method && r.url === route.path);
      if (!registered) return [`${name}: ${route.method} ${route.path} is not registered by the server`];
      const problems: string[] = [];
      if (registered.tableRoute !== route) {
        problems.push(`${name}: registered by hand, not by registerRoute from this entry`);
      }
      if (registered.websocket !== (route.websocket === true)) {
        problems.push(`${name}: websocket is ${registered.websocket} on the server, ${route.websocket === true} here`);
      }
      if (registered.access !== ACCESS[route.auth]) {
        problems.push(`${name}: the server gives access ${registered.access}, the table says auth ${route.auth}`);
      }
      return problems;
    });
    expect(wrong).toEqual([]);
  });

  it("registers every /api/v1 route through registerRoute from its ROUTES entry", () => {
    const routes = t.server.routes.filter((r) => r.url.startsWith(`${API_PREFIX}/`) && !isApiDescription(r.url));
    // Fastify answers HEAD for every GET by itself.
    const headTwin = (r: { method: string; url: string }) =>
      r.method === "HEAD" && routes.some((g) => g.method === "GET" && g.url === r.url);
    const entries = new Set<ApiRoute>(table.map(([, e]) => e));
    const wrong = routes
      .filter((r) => !headTwin(r))
      .flatMap((r) => {
        if (!table.some(([, e]) => e.method === r.method && e.path === r.url)) {
          return [
            `${r.method} ${r.url} has no entry in ROUTES: add a defineRoute to packages/protocol/src/routes/ ` +
              "and register it with registerRoute (packages/server/src/api/register-route.ts)",
          ];
        }
        // A route spelled with app.get/post/... carries its own copy of the schemas, which drifts.
        if (!r.tableRoute || !entries.has(r.tableRoute)) {
          return [
            `${r.method} ${r.url} is registered by hand: register it with registerRoute(app, ROUTES[...], handler)`,
          ];
        }
        return [];
      });
    expect(wrong).toEqual([]);
  });

  it("documents each REST entry in OpenAPI with the table's summary, tags and response statuses", async () => {
    const res = await fetch(`${t.url}${API_PREFIX}/openapi.json`);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses?: object }>>;
    };
    // @fastify/swagger leaves WebSocket routes out.
    const rest = table.filter(([, route]) => route.websocket !== true);
    const wrong = rest.flatMap(([name, route]) => {
      const op = doc.paths[route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")]?.[route.method.toLowerCase()];
      if (!op) return [`${name}: not in openapi.json`];
      const problems: string[] = [];
      if (op.summary !== route.summary) problems.push(`${name}: summary ${JSON.stringify(op.summary)}`);
      if (JSON.stringify(op.tags) !== JSON.stringify(route.tags)) problems.push(`${name}: tags ${op.tags}`);
      const statuses = Object.keys(route.response);
      if (statuses.length > 0 && JSON.stringify(Object.keys(op.responses ?? {})) !== JSON.stringify(statuses)) {
        problems.push(`${name}: responses ${Object.keys(op.responses ?? {})}, table ${statuses}`);
      }
      return problems;
    });
    expect(wrong).toEqual([]);
  });
});
