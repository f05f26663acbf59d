import fastifyWebsocket from "@fastify/websocket";
import { API_PREFIX, defineRoute, ROUTES, type Session } from "@strand/protocol";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { registerRoute } from "./register-route.js";
import { recordRoutes } from "./route-registry.js";

const session = (id: string): Session => ({
  id,
  owner_id: "usr_1",
  team_id: null,
  project_id: null,
  repo: null,
  branch: null,
  base: null,
  pull_request: null,
  name: "s",
  desktop: "xfce",
  resolution: "720p",
  runtime: "strand-agent",
  model: null,
  egress: "allow",
  trusted: false,
  resources: { cpus: 2, memory_mb: 4096, pids: 1024, disk_mb: 20480 },
  permission_mode: "autonomous",
  desired_state: "running",
  state: "ready",
  state_reason: null,
  node_id: null,
  spend_limit_usd: null,
  spend_usd: 0,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  started_at: null,
  stopped_at: null,
});

let app: FastifyInstance | undefined;
afterEach(() => app?.close());

async function build(register: (api: FastifyInstance) => void): Promise<FastifyInstance> {
  const a = Fastify();
  recordRoutes(a);
  a.setValidatorCompiler(validatorCompiler);
  a.setSerializerCompiler(serializerCompiler);
  await a.register(fastifyWebsocket);
  await a.register(async (api) => register(api), { prefix: API_PREFIX });
  await a.ready();
  app = a;
  return a;
}

describe("registerRoute", () => {
  it("registers the entry's method and full path from inside the /api/v1 plugin", async () => {
    const a = await build((api) => {
      registerRoute(api, ROUTES["sessions.get"], async (req) => session(req.params.id));
    });
    const ok = await a.inject({ method: "GET", url: "/api/v1/sessions/ses_1" });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: "ses_1", state: "ready" });
    expect(a.strandRoutes.filter((r) => r.url.includes("sessions")).map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /api/v1/sessions/:id",
      "HEAD /api/v1/sessions/:id",
    ]);
  });

  it("marks its routes with their table entry, which a route spelled by hand lacks", async () => {
    const a = await build((api) => {
      registerRoute(api, ROUTES["sessions.get"], async (req) => session(req.params.id));
      api.get("/by-hand", async () => ({}));
    });
    const entryOf = (url: string) => a.strandRoutes.find((r) => r.method === "GET" && r.url === url)?.tableRoute;
    expect(entryOf("/api/v1/sessions/:id")).toBe(ROUTES["sessions.get"]);
    expect(entryOf("/api/v1/by-hand")).toBeUndefined();
  });

  it("validates the body and the query with the entry's schemas", async () => {
    const a = await build((api) => {
      registerRoute(api, ROUTES["tokens.create"], async (req, reply) =>
        reply.code(201).send({
          id: "tok_1",
          name: req.body.name,
          prefix: "strand_ab",
          created_at: "2026-01-01T00:00:00Z",
          last_used_at: null,
          expires_at: null,
          revoked_at: null,
          token: "strand_secret",
        }),
      );
      registerRoute(api, ROUTES["sessions.list"], async (req) => ({
        items: [session(`limit-${req.query.limit}`)],
        next_cursor: null,
      }));
    });
    const created = await a.inject({ method: "POST", url: "/api/v1/tokens", payload: { name: "ci" } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: "ci", token: "strand_secret" });
    const unknownKey = await a.inject({ method: "POST", url: "/api/v1/tokens", payload: { name: "ci", x: 1 } });
    expect(unknownKey.statusCode).toBe(400);
    const listed = await a.inject({ method: "GET", url: "/api/v1/sessions?limit=7" });
    expect(listed.json().items[0].id).toBe("limit-7");
    const badLimit = await a.inject({ method: "GET", url: "/api/v1/sessions?limit=0" });
    expect(badLimit.statusCode).toBe(400);
  });

  it("declares the entry's auth the way the access hook reads it", async () => {
    const a = await build((api) => {
      registerRoute(api, ROUTES["auth.login"], async () => ({}) as never);
      registerRoute(api, ROUTES["users.list"], async () => ({ items: [] }));
      registerRoute(api, ROUTES["tokens.list"], async () => ({ items: [] }));
      registerRoute(api, ROUTES["agent.connect"], (socket) => socket.close());
    });
    const accessOf = (method: string, url: string) =>
      a.strandRoutes.find((r) => r.method === method && r.url === url)?.access;
    expect(accessOf("POST", "/api/v1/auth/login")).toBe("public");
    expect(accessOf("GET", "/api/v1/users")).toBe("admin");
    expect(accessOf("GET", "/api/v1/tokens")).toBe("user");
    expect(accessOf("GET", "/api/v1/agent/connect")).toBe("agent");
    expect(a.strandRoutes.find((r) => r.url === "/api/v1/agent/connect" && r.method === "GET")?.websocket).toBe(true);
  });

  it("refuses a public entry that PUBLIC_ROUTES does not open, and a path outside the plugin's prefix", async () => {
    const open = defineRoute({
      method: "GET",
      path: "/api/v1/open-by-mistake",
      auth: "public",
      tags: ["test"],
      summary: "not in PUBLIC_ROUTES",
      response: { 200: z.object({}) },
    });
    await expect(build((api) => registerRoute(api, open, async () => ({})))).rejects.toThrow(
      /GET \/api\/v1\/open-by-mistake is public in the route table but not in PUBLIC_ROUTES/,
    );
    const elsewhere = defineRoute({
      method: "GET",
      path: "/v1/models",
      tags: ["test"],
      summary: "outside /api/v1",
      response: { 200: z.object({}) },
    });
    await expect(build((api) => registerRoute(api, elsewhere, async () => ({})))).rejects.toThrow(
      /GET \/v1\/models cannot be registered in a plugin with prefix \/api\/v1/,
    );
  });
});
