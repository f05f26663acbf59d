import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../packages/server/src/db/database.js";
import { connectAgent, sessionToken } from "../support/agent-socket.js";
import { caller } from "../support/http.js";
import { createTestDatabase } from "../support/postgres.js";
import { type ServerProcess, spawnServer } from "../support/process.js";
import { TestSocket } from "../support/ws.js";

const TOKEN = "strand_replica_test_token_0123456789";
const env = (url: string) => ({
  DATABASE_URL: url,
  STRAND_ADMIN_EMAIL: "ops@example.com",
  STRAND_ADMIN_PASSWORD: "replica password 1",
  STRAND_ADMIN_TOKEN: TOKEN,
});

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  // Started together on an empty database: migrations and the admin bootstrap must not race.
  [a, b] = await Promise.all([
    spawnServer({ env: env(db.url), dataDir: mkdtempSync(join(tmpdir(), "strand-a-")) }),
    spawnServer({ env: env(db.url), dataDir: mkdtempSync(join(tmpdir(), "strand-b-")) }),
  ]);
});

afterAll(async () => {
  for (const p of [a, b]) p?.proc.kill("SIGTERM");
  await Promise.all([a?.exited, b?.exited]);
  await db?.drop();
});

describe("two replicas on one PostgreSQL", () => {
  it("both start on an empty database and bootstrap exactly one admin", async () => {
    for (const p of [a, b]) expect((await caller(p.url)("GET", "/healthz")).status).toBe(200);
    const users = await caller(a.url, { token: TOKEN })("GET", "/api/v1/users");
    expect(users.body.items.map((u: { email: string }) => u.email)).toEqual(["ops@example.com"]);
    const banners = [a, b].filter((p) => p.output().includes("First start: created the admin account"));
    expect(banners).toHaveLength(1);
  });

  it("an event made on one replica arrives through the other", async () => {
    const wsOnB = new TestSocket(`${b.url.replace("http", "ws")}/api/v1/events`, { authorization: `Bearer ${TOKEN}` });
    await wsOnB.next((m) => m.type === "hello");
    const created = await caller(a.url, { token: TOKEN })("POST", "/api/v1/sessions", {
      body: { name: "cross-replica" },
    });
    expect(created.status).toBe(201);
    const event = await wsOnB.next((m) => m.type === "event" && m.event.session_id === created.body.id);
    expect(event.event).toMatchObject({ type: "session.created", session: { name: "cross-replica" } });

    const wsOnA = new TestSocket(`${a.url.replace("http", "ws")}/api/v1/events`, { authorization: `Bearer ${TOKEN}` });
    await wsOnA.next((m) => m.type === "hello");
    await caller(b.url, { token: TOKEN })("POST", `/api/v1/sessions/${created.body.id}/stop`);
    const stopped = await wsOnA.next((m) => m.type === "event" && m.event.session.state === "stopped");
    expect(stopped.event.session_id).toBe(created.body.id);
    wsOnA.close();
    wsOnB.close();
  });

  it("a prompt, a cancel and a permission answer made on one replica reach the agentd on the other", async () => {
    const onA = caller(a.url, { token: TOKEN });
    const onB = caller(b.url, { token: TOKEN });
    const s = (await onA("POST", "/api/v1/sessions", { body: { name: "chat across", permission_mode: "ask" } })).body;
    const pool = new pg.Pool({ connectionString: db.url });
    const token = await sessionToken(drizzle({ client: pool }) as unknown as Db, s.owner_id, s.id);
    await pool.end();
    const agent = await connectAgent(a.url, s.id, token, "agentd-on-a");

    const p1 = (await onB("POST", `/api/v1/sessions/${s.id}/messages`, { body: { request_id: "x1", content: "hi" } }))
      .body;
    expect((await agent.prompt(1)).entry_id).toBe(p1.id);
    await agent.call({ type: "turn.started", turn_id: p1.turn_id });
    await agent.call({
      type: "permission.request",
      id: "ent_cross_perm",
      turn_id: p1.turn_id,
      tool_call: { tool_call_id: "c1", title: "push", kind: "execute" },
      options: [{ option_id: "ok", name: "Allow", kind: "allow_once" }],
    });
    await onB("POST", `/api/v1/sessions/${s.id}/permissions/ent_cross_perm`, { body: { option_id: "ok" } });
    expect(await agent.ws.next((m) => m.type === "permission.answer")).toMatchObject({ option_id: "ok" });
    await onB("POST", `/api/v1/sessions/${s.id}/cancel`);
    expect(await agent.ws.next((m) => m.type === "cancel")).toEqual({ type: "cancel", turn_id: p1.turn_id });
    await agent.close();
  });

  it("one replica killed with SIGKILL leaves the other serving", async () => {
    a.proc.kill("SIGKILL");
    await a.exited;
    const list = await caller(b.url, { token: TOKEN })("GET", "/api/v1/sessions");
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: { name: string }) => s.name)).toContain("cross-replica");
  });
});
