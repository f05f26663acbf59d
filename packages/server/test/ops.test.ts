import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  loginCookie,
  startTestServer,
  type TestServer,
  takeDatabaseDown,
} from "../../../test/support/server.js";
import { sessionToken } from "../../../test/support/stream.js";

const METRICS_TOKEN = "strand_test_metrics_token_0123456789";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ STRAND_METRICS_TOKEN: METRICS_TOKEN });
});
afterAll(() => t?.stop());

describe(`operations endpoints (${process.env.STRAND_TEST_DB})`, () => {
  it("/healthz is 200 and names the backend", async () => {
    const res = await t.anon("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok", database: { kind: t.backend, reachable: true } });
  });

  it("/metrics exposes Prometheus metrics including request timings and sessions by state", async () => {
    await t.admin("POST", "/api/v1/sessions", { body: { name: "counted" } });
    await t.admin("GET", "/api/v1/sessions");
    const res = await t.admin("GET", "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /strand_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/sessions",status="200"\} [1-9]/,
    );
    expect(res.text).toMatch(/strand_sessions\{state="pending"\} 1/);
    expect(res.text).toMatch(/strand_process_cpu_user_seconds_total/);
  });

  it("/metrics takes STRAND_METRICS_TOKEN or an admin's API token, as Prometheus sends them", async () => {
    const byMetricsToken = await t.as({ token: METRICS_TOKEN })("GET", "/metrics");
    expect(byMetricsToken.status).toBe(200);
    expect(byMetricsToken.text).toMatch(/strand_process_cpu_user_seconds_total/);
    expect((await t.admin("GET", "/metrics")).status).toBe(200);
  });

  it("/metrics refuses no token, a wrong one, a user's, a session's and a login cookie", async () => {
    const expectRefused = (res: { status: number; body: any; text: string }, status: number, error: string) => {
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(error);
      expect(res.body.message).toMatch(/STRAND_METRICS_TOKEN/);
      expect(res.text).not.toMatch(/strand_http_request_duration_seconds/);
    };
    expectRefused(await t.anon("GET", "/metrics"), 401, "unauthenticated");
    const wrong = await t.as({ token: `${METRICS_TOKEN}x` })("GET", "/metrics");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_token");
    const user = await t.newUser("not-an-admin@example.com");
    expectRefused(await user.call("GET", "/metrics"), 403, "forbidden");
    const session = await user.call("POST", "/api/v1/sessions", { body: { name: "metered", start: false } });
    const token = await sessionToken(t.server.database.db, user.id, session.body.id);
    expectRefused(await t.as({ token })("GET", "/metrics"), 401, "invalid_token");
    const cookie = await loginCookie(t.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    expectRefused(await t.as({ cookie })("GET", "/metrics"), 401, "unauthenticated");
  });

  it("serves the OpenAPI document and browsable docs", async () => {
    const doc = await t.anon("GET", "/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of [
      "/api/v1/sessions",
      "/api/v1/sessions/{id}",
      "/api/v1/sessions/{id}/stop",
      "/api/v1/tokens",
      "/api/v1/auth/login",
      "/api/v1/me",
      "/api/v1/nodes",
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.paths["/api/v1/sessions"].post.requestBody).toBeDefined();
    const ui = await fetch(`${t.url}/api/v1/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
  });

  it("lists nodes (none yet on a fresh server)", async () => {
    const res = await t.admin("GET", "/api/v1/nodes");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
  });
});

describe(`/healthz while the database is down (${process.env.STRAND_TEST_DB})`, () => {
  let down: TestServer;
  beforeAll(async () => {
    down = await startTestServer({}, { captureLogs: true });
  });
  afterAll(() => down?.stop());

  it("says unavailable and nothing else; the reason goes to the log", async () => {
    expect((await down.anon("GET", "/healthz")).status).toBe(200);
    await takeDatabaseDown(down);
    const res = await down.anon("GET", "/healthz");
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: "unavailable", database: { kind: down.backend, reachable: false } });
    const logged = down.logs.find((l) => l.msg === "health check: the database does not answer");
    expect(logged?.level).toBe(40);
    expect(logged?.err?.message.length).toBeGreaterThan(5);
    expect(res.text).not.toContain(logged?.err?.message);
  });
});
