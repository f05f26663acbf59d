import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caller } from "../support/http.js";
import { createPgCluster, type PgCluster } from "../support/pg-cluster.js";
import { type ServerProcess, spawnServer } from "../support/process.js";
import { until } from "../support/wait.js";
import { TestSocket } from "../support/ws.js";

const TOKEN = "strand_outage_test_token_0123456789";
let cluster: PgCluster;
let server: ServerProcess;

beforeAll(async () => {
  cluster = await createPgCluster();
  server = await spawnServer({
    env: { DATABASE_URL: cluster.url, STRAND_ADMIN_PASSWORD: "outage password 1", STRAND_ADMIN_TOKEN: TOKEN },
    dataDir: mkdtempSync(join(tmpdir(), "strand-outage-")),
  });
});

afterAll(async () => {
  server?.proc.kill("SIGTERM");
  await server?.exited;
  cluster?.destroy();
});

describe("the database goes away and comes back", () => {
  it("answers 503 while it is gone, recovers by itself, and events flow again", async () => {
    const api = caller(server.url, { token: TOKEN });
    const before = await api("POST", "/api/v1/sessions", { body: { name: "before outage" } });
    expect(before.status).toBe(201);

    cluster.stop();
    const list = await api("GET", "/api/v1/sessions");
    expect(list.status).toBe(503);
    expect(list.body.error).toBe("database_unavailable");
    expect(list.body.message).toMatch(/try again/);
    expect(list.text).not.toMatch(/ECONNREFUSED|\n\s+at /);
    const create = await api("POST", "/api/v1/sessions", { body: { name: "during outage" } });
    expect(create.status).toBe(503);
    const health = await caller(server.url)("GET", "/healthz");
    expect(health.status).toBe(503);
    expect(health.body.database.reachable).toBe(false);
    expect(server.proc.exitCode).toBeNull();

    cluster.start();
    const healed = await until(
      () => caller(server.url)("GET", "/healthz"),
      (r) => r.status === 200,
      "health to recover",
      20_000,
    );
    expect(healed.status).toBe(200);
    const after = await until(
      () => api("GET", "/api/v1/sessions"),
      (r) => r.status === 200,
      "the API to recover",
      20_000,
    );
    expect(after.body.items.map((s: { name: string }) => s.name)).toEqual(["before outage"]);

    // The LISTEN connection reconnects too: a new change still reaches a live socket.
    const ws = new TestSocket(`${server.url.replace("http", "ws")}/api/v1/events`, {
      authorization: `Bearer ${TOKEN}`,
    });
    await ws.next((m) => m.type === "hello");
    const made = await until(
      () => api("POST", "/api/v1/sessions", { body: { name: "after outage" } }),
      (r) => r.status === 201,
      "a session to be created",
      20_000,
    );
    const event = await ws.next((m) => m.type === "event" && m.event.session_id === made.body.id, 10_000);
    expect(event.event.session.name).toBe("after outage");
    ws.close();
  });
});
