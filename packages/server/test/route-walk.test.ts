import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeAnswer, openRoutes, publicRoutesThatRefuse } from "../../../test/support/route-walk.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { installErrorHandling } from "../src/api/error-handler.js";
import { PUBLIC_ROUTES } from "../src/api/public-routes.js";
import { accessControl } from "../src/api/require-auth.js";
import { recordRoutes } from "../src/api/route-registry.js";
import { CallerCache } from "../src/proxy/caller-cache.js";

let t: TestServer;
let webDir: string;
beforeAll(async () => {
  // A built UI, so its file routes exist and are walked too.
  webDir = mkdtempSync(join(tmpdir(), "strand-walk-web-"));
  mkdirSync(join(webDir, "assets"));
  writeFileSync(join(webDir, "index.html"), "<!doctype html><title>Strand UI</title>");
  writeFileSync(join(webDir, "assets", "app-1234.js"), "console.log('ui')");
  t = await startTestServer({ STRAND_WEB_DIR: webDir });
});
afterAll(async () => {
  await t?.stop();
  rmSync(webDir, { recursive: true, force: true });
});

describe(`every route needs credentials unless PUBLIC_ROUTES says otherwise (${process.env.STRAND_TEST_DB})`, () => {
  it("walks every registered route without credentials: each answers 401, public ones excepted", async () => {
    const routes = t.server.routes;
    // The walk is only worth something if it sees the whole app.
    expect(routes.length).toBeGreaterThan(40);
    for (const url of [
      "/api/v1/sessions/:id/stop",
      "/api/v1/events",
      "/api/v1/agent/connect",
      "/v1/messages",
      "/metrics",
    ]) {
      expect(
        routes.some((r) => r.url === url),
        url,
      ).toBe(true);
    }
    const open = await openRoutes(t.url, routes);
    expect(open.map(describeAnswer)).toEqual([]);
  });

  it("the public routes do answer without credentials", async () => {
    const refused = await publicRoutesThatRefuse(t.url, t.server.routes);
    expect(refused.map(describeAnswer)).toEqual([]);
  });

  it("lists no public route that does not exist", async () => {
    const stale = PUBLIC_ROUTES.flatMap((entry) =>
      entry.methods
        .filter((m) => !t.server.routes.some((r) => r.publicAs === entry && r.method === m))
        .map((m) => `${m} ${entry.url}`),
    );
    expect(stale).toEqual([]);
  });

  it("makes public as web UI files only the files of the build (and /)", async () => {
    const webUi = t.server.routes.filter((r) => r.publicAs?.webUi).map((r) => r.url);
    expect(new Set(webUi)).toEqual(new Set(["/", "/index.html", "/assets/app-1234.js"]));
  });

  it("declares the session-token and admin routes as such", async () => {
    const accessOf = (method: string, url: string) =>
      t.server.routes.find((r) => r.method === method && r.url === url)?.access;
    expect(accessOf("GET", "/api/v1/agent/connect")).toBe("agent");
    expect(accessOf("POST", "/v1/chat/completions")).toBe("llm");
    expect(accessOf("POST", "/v1beta/models/*")).toBe("llm");
    expect(accessOf("GET", "/api/v1/nodes/connect")).toBe("admin");
    expect(accessOf("POST", "/api/v1/users")).toBe("admin");
    expect(accessOf("GET", "/metrics")).toBe("metrics");
    expect(accessOf("POST", "/api/v1/auth/login")).toBe("public");
    expect(accessOf("POST", "/api/v1/auth/logout")).toBe("user");
  });
});

describe(`the walk itself (${process.env.STRAND_TEST_DB})`, () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    // Built the way app.ts builds the real one, plus a plugin that answers from an onRequest hook
    // of its own, added before the access hook and so run before it: that route is open.
    app = Fastify();
    recordRoutes(app);
    app.decorateRequest("auth", null);
    await app.register(async (rogue) => {
      rogue.addHook("onRequest", async (_req, reply) => reply.send({ everyone: "may read this" }));
      rogue.get("/api/v1/rogue", async () => ({}));
    });
    app.addHook(
      "onRequest",
      accessControl({
        db: t.server.database.db,
        proxyCallers: new CallerCache(),
        allowedOrigins: [],
        trustProxy: false,
        metricsToken: undefined,
      }),
    );
    installErrorHandling(app);
    // A plugin with no authentication code of its own, registered where features go.
    await app.register(async (feature) => {
      feature.get("/api/v1/forgot-auth/:id", async () => ({ secret: true }));
      feature.post("/api/v1/forgot-auth/:id/delete", async () => ({ deleted: true }));
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => app?.close());

  it("catches a route that answers without credentials", async () => {
    const open = await openRoutes(url, app.strandRoutes);
    expect(open.map(describeAnswer)).toEqual(["GET /api/v1/rogue → 200", "HEAD /api/v1/rogue → 200"]);
  });

  it("a route whose plugin has no auth code is authenticated anyway, by default", async () => {
    const res = await fetch(`${url}/api/v1/forgot-auth/x/delete`, { method: "POST" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "unauthenticated" });
  });
});
