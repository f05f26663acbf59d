import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, takeDatabaseDown } from "../../../test/support/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
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
    const res = await t.anon("GET", "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /strand_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/sessions",status="200"\} [1-9]/,
    );
    expect(res.text).toMatch(/strand_sessions\{state="pending"\} 1/);
    expect(res.text).toMatch(/strand_process_cpu_user_seconds_total/);
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
