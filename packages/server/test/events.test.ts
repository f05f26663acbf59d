import { sql } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../../../test/support/server.js";
import { TestSocket } from "../../../test/support/ws.js";
import { EventRetention } from "../src/events/retention.js";

let t: TestServer;
let wsUrl: string;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
beforeAll(async () => {
  t = await startTestServer();
  wsUrl = `${t.url.replace("http", "ws")}/api/v1/events`;
});
afterAll(() => t?.stop());

describe(`events WebSocket (${process.env.STRAND_TEST_DB})`, () => {
  it("pushes session changes to the owner as they happen", async () => {
    const ws = new TestSocket(wsUrl, auth);
    await ws.opened;
    const hello = await ws.next((m) => m.type === "hello");
    expect(hello.user_id).toMatch(/^usr_/);
    const { id } = (await t.admin("POST", "/api/v1/sessions", { body: { name: "watched" } })).body;
    const created = await ws.next((m) => m.type === "event" && m.event.session_id === id);
    expect(created.event).toMatchObject({ type: "session.created", session: { name: "watched", state: "pending" } });
    await t.admin("POST", `/api/v1/sessions/${id}/stop`);
    const stopped = await ws.next((m) => m.type === "event" && m.event.session.state === "stopped");
    expect(stopped.event.type).toBe("session.updated");
    expect(stopped.event.id).toBeGreaterThan(created.event.id);
    await t.admin("DELETE", `/api/v1/sessions/${id}`);
    await ws.next((m) => m.type === "event" && m.event.type === "session.deleted" && m.event.session_id === id);
    ws.close();
  });

  it("replays what a client missed with ?since=", async () => {
    const first = new TestSocket(wsUrl, auth);
    const hello = await first.next((m) => m.type === "hello");
    first.close();
    await t.admin("POST", "/api/v1/sessions", { body: { name: "while away 1" } });
    await t.admin("POST", "/api/v1/sessions", { body: { name: "while away 2" } });
    const back = new TestSocket(`${wsUrl}?since=${hello.last_event_id}`, auth);
    await back.next((m) => m.type === "event" && m.event.session.name === "while away 2");
    const names = back.messages.filter((m) => m.type === "event").map((m) => m.event.session.name);
    expect(names).toEqual(["while away 1", "while away 2"]);
    back.close();
  });

  it("prunes events past retention; a client resuming from before that is told to reload, one after is not", async () => {
    const db = t.server.database.db;
    const old = (await t.admin("POST", "/api/v1/sessions", { body: { name: "old news", start: false } })).body;
    const first = new TestSocket(wsUrl, auth);
    const hello = await first.next((m) => m.type === "hello");
    first.close();
    await t.admin("POST", "/api/v1/sessions", { body: { name: "kept", start: false } });
    // Everything up to the hello is fifteen days old; the default retention is fourteen.
    await db.execute(sql`update events set created_at = now() - interval '15 days' where id <= ${hello.last_event_id}`);
    const retention = new EventRetention(db, pino({ level: "silent" }), 14 * 86_400_000);
    expect(await retention.prune()).toBeGreaterThan(0);

    const stale = new TestSocket(`${wsUrl}?since=${hello.last_event_id - 1}`, auth);
    const resync = await stale.next((m) => m.type === "resync");
    expect(resync).toMatchObject({ reason: "pruned", message: expect.stringMatching(/reload/) });
    expect(stale.messages.filter((m) => m.type === "event")).toEqual([]);
    stale.close();

    const fresh = new TestSocket(`${wsUrl}?since=${hello.last_event_id}`, auth);
    const kept = await fresh.next((m) => m.type === "event" && m.event.session.name === "kept");
    expect(kept.event.scope).toEqual({ type: "session", id: kept.event.session_id });
    expect(fresh.messages.some((m) => m.type === "resync")).toBe(false);
    fresh.close();
    // The pruned session itself is untouched: only its history of events went.
    expect((await t.admin("GET", `/api/v1/sessions/${old.id}`)).status).toBe(200);
  });

  it("refuses an unauthenticated upgrade with 401", async () => {
    const ws = new TestSocket(wsUrl);
    await expect(ws.opened).rejects.toThrow(/HTTP 401/);
    const bad = new TestSocket(wsUrl, { authorization: "Bearer strand_not_a_real_token_000" });
    await expect(bad.opened).rejects.toThrow(/HTTP 401/);
  });

  it("answers ping, and a malformed message with an error frame without closing", async () => {
    const ws = new TestSocket(wsUrl, auth);
    await ws.opened;
    ws.send("not json at all");
    const err = await ws.next((m) => m.type === "error");
    expect(err.error).toBe("invalid_message");
    ws.send({ type: "ping", t: 42 });
    expect(await ws.next((m) => m.type === "pong")).toEqual({ type: "pong", t: 42 });
    ws.close();
  });

  it("survives a client that drops its socket abruptly", async () => {
    const ws = new TestSocket(wsUrl, auth);
    await ws.opened;
    ws.ws.terminate();
    await t.admin("POST", "/api/v1/sessions", { body: { name: "after drop" } });
    expect((await t.anon("GET", "/healthz")).status).toBe(200);
  });
});
