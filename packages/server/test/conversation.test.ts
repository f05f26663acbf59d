import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../../../test/support/server.js";
import { TestSocket } from "../../../test/support/ws.js";

let t: TestServer;
let alice: { call: Caller; id: string; token: string };
let bob: { call: Caller; id: string; token: string };

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.newUser("alice-chat@example.com");
  bob = await t.newUser("bob-chat@example.com");
});
afterAll(() => t?.stop());

const newSession = async (call: Caller = t.admin, body: Record<string, unknown> = {}) =>
  (await call("POST", "/api/v1/sessions", { body: { name: "chat", ...body } })).body.id as string;
const post = (id: string, body: unknown, call: Caller = t.admin) =>
  call("POST", `/api/v1/sessions/${id}/messages`, { body });

describe(`conversation API (${process.env.STRAND_TEST_DB})`, () => {
  it("stores a prompt as queued, and a repeat of its request_id returns it with 200 and stores nothing", async () => {
    const id = await newSession();
    const first = await post(id, { request_id: "r-1", content: "write a test" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      session_id: id,
      seq: 1,
      kind: "user",
      role: "user",
      status: "queued",
      request_id: "r-1",
      content: { text: "write a test" },
    });
    expect(first.body.turn_id).toMatch(/^trn_/);
    const again = await post(id, { request_id: "r-1", content: "write a test" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const list = await t.admin("GET", `/api/v1/sessions/${id}/messages`);
    expect(list.body.items).toHaveLength(1);
  });

  it("refuses a request_id reused for different content with 409, naming the stored message", async () => {
    const id = await newSession();
    const first = await post(id, { request_id: "same", content: "one" });
    const clash = await post(id, { request_id: "same", content: "two" });
    expect(clash.status).toBe(409);
    expect(clash.body.message).toMatch(/already used for a different message/);
    expect(clash.body.details).toEqual({ request_id: "same", entry_id: first.body.id });
    // The same request_id in another session is a different request.
    expect((await post(await newSession(), { request_id: "same", content: "two" })).status).toBe(201);
  });

  it("answers concurrent repeats of one request with one stored message", async () => {
    const id = await newSession();
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => post(id, { request_id: "burst", content: "only once" })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect((await t.admin("GET", `/api/v1/sessions/${id}/messages`)).body.items).toHaveLength(1);
  });

  it("pages the conversation in seq order with after and limit", async () => {
    const id = await newSession();
    for (let i = 1; i <= 5; i++) await post(id, { request_id: `p${i}`, content: `prompt ${i}` });
    const page1 = await t.admin("GET", `/api/v1/sessions/${id}/messages?limit=2`);
    expect(page1.body.items.map((e: any) => e.content.text)).toEqual(["prompt 1", "prompt 2"]);
    expect(page1.body.next_after).toBe(2);
    const page2 = await t.admin("GET", `/api/v1/sessions/${id}/messages?after=2&limit=2`);
    expect(page2.body.items.map((e: any) => e.seq)).toEqual([3, 4]);
    const last = await t.admin("GET", `/api/v1/sessions/${id}/messages?after=${page2.body.next_after}&limit=2`);
    expect(last.body.items.map((e: any) => e.seq)).toEqual([5]);
    expect(last.body.next_after).toBeNull();
  });

  it.each([
    [{ content: "hi" }, "body.request_id"],
    [{ request_id: "", content: "hi" }, "body.request_id"],
    [{ request_id: "x".repeat(129), content: "hi" }, "body.request_id"],
    [{ request_id: "ok" }, "body.content"],
    [{ request_id: "ok", content: "   " }, "body.content"],
    [{ request_id: "ok", content: 42 }, "body.content"],
    [{ request_id: "ok", content: "hi", extra: true }, "body.extra"],
  ])("rejects %j with a field error at %s", async (body, path) => {
    const id = await newSession();
    const res = await post(id, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("validation_failed");
    expect(res.body.details.map((d: any) => d.path)).toContain(path);
  });

  it("rejects bad paging parameters per field", async () => {
    const id = await newSession();
    for (const q of ["limit=0", "limit=501", "after=-1", "after=abc"]) {
      const res = await t.admin("GET", `/api/v1/sessions/${id}/messages?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.details[0].path).toBe(`querystring.${q.split("=")[0]}`);
    }
  });

  it("answers a foreign or missing session with the same 404 on every conversation route", async () => {
    const aliceSession = await newSession(alice.call);
    await post(aliceSession, { request_id: "a", content: "mine" }, alice.call);
    const routes: [string, string, unknown?][] = [
      ["POST", "/messages", { request_id: "b", content: "yours?" }],
      ["GET", "/messages"],
      ["POST", "/cancel"],
      ["POST", "/permissions/ent_x", { option_id: "allow" }],
    ];
    for (const [method, suffix, body] of routes) {
      const foreign = await bob.call(method, `/api/v1/sessions/${aliceSession}${suffix}`, body ? { body } : {});
      const missing = await bob.call(method, `/api/v1/sessions/ses_missing00000000${suffix}`, body ? { body } : {});
      expect(foreign.status, `${method} ${suffix}`).toBe(404);
      expect(missing.status).toBe(404);
      expect(foreign.body.message.replace(aliceSession, "X")).toBe(
        missing.body.message.replace("ses_missing00000000", "X"),
      );
    }
    const mine = await alice.call("GET", `/api/v1/sessions/${aliceSession}/messages`);
    expect(mine.body.items.map((e: any) => e.content.text)).toEqual(["mine"]);
  });

  it("cancel with nothing in flight returns entry null and leaves queued prompts alone", async () => {
    const id = await newSession();
    await post(id, { request_id: "q", content: "later" });
    const res = await t.admin("POST", `/api/v1/sessions/${id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ entry: null });
    const list = await t.admin("GET", `/api/v1/sessions/${id}/messages`);
    expect(list.body.items[0].status).toBe("queued");
  });

  it("pushes message.created to the owner's event socket, replayable with ?since=", async () => {
    const wsUrl = `${t.url.replace("http", "ws")}/api/v1/events`;
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const ws = new TestSocket(wsUrl, auth);
    const hello = await ws.next((m) => m.type === "hello");
    const id = await newSession();
    const { body: entry } = await post(id, { request_id: "ev", content: "watch me" });
    const ev = await ws.next((m) => m.type === "event" && m.event.type === "message.created");
    expect(ev.event).toMatchObject({ session_id: id, entry });
    ws.close();
    const replay = new TestSocket(`${wsUrl}?since=${hello.last_event_id}`, auth);
    const again = await replay.next((m) => m.type === "event" && m.event.type === "message.created");
    expect(again.event.entry).toEqual(entry);
    replay.close();
    // Another user sees nothing of it.
    const bobWs = new TestSocket(`${wsUrl}?since=0`, { authorization: `Bearer ${bob.token}` });
    await bobWs.next((m) => m.type === "hello");
    await post(id, { request_id: "ev2", content: "still private" });
    await new Promise((r) => setTimeout(r, 300));
    expect(bobWs.messages.filter((m) => m.type === "event" && m.event.session_id === id)).toEqual([]);
    bobWs.close();
  });

  it("keeps permission_mode on the session: autonomous by default, ask on request, and patchable", async () => {
    const created = await t.admin("POST", "/api/v1/sessions", { body: { name: "modes" } });
    expect(created.body.permission_mode).toBe("autonomous");
    const ask = await t.admin("POST", "/api/v1/sessions", { body: { name: "modes", permission_mode: "ask" } });
    expect(ask.body.permission_mode).toBe("ask");
    const patched = await t.admin("PATCH", `/api/v1/sessions/${ask.body.id}`, {
      body: { permission_mode: "autonomous" },
    });
    expect(patched.body.permission_mode).toBe("autonomous");
    const bad = await t.admin("PATCH", `/api/v1/sessions/${ask.body.id}`, { body: { permission_mode: "yolo" } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe("body.permission_mode");
  });

  it("a deleted session takes its conversation with it", async () => {
    const id = await newSession(t.admin, { start: false });
    await post(id, { request_id: "gone", content: "bye" });
    expect((await t.admin("DELETE", `/api/v1/sessions/${id}`)).status).toBe(200);
    expect((await t.admin("GET", `/api/v1/sessions/${id}/messages`)).status).toBe(404);
  });
});
