import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { TestSocket } from "../../../test/support/ws.js";

let t: TestServer;
let alice: { call: Caller; id: string; token: string };
let bob: { call: Caller; id: string; token: string };
let aliceSession: string;

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.newUser("alice@example.com");
  bob = await t.newUser("bob@example.com");
  aliceSession = (await alice.call("POST", "/api/v1/sessions", { body: { name: "alice's" } })).body.id;
});
afterAll(() => t?.stop());

describe(`owner scoping (${process.env.STRAND_TEST_DB})`, () => {
  it("another user's session answers exactly like one that does not exist", async () => {
    const requests: [string, string, unknown?][] = [
      ["GET", ""],
      ["PATCH", "", { name: "mine now" }],
      ["POST", "/stop"],
      ["POST", "/start"],
      ["DELETE", ""],
    ];
    for (const [method, suffix, body] of requests) {
      const foreign = await bob.call(method, `/api/v1/sessions/${aliceSession}${suffix}`, body ? { body } : {});
      const missing = await bob.call(method, `/api/v1/sessions/ses_doesnotexist0000${suffix}`, body ? { body } : {});
      expect(foreign.status, `${method} ${suffix}`).toBe(404);
      expect(missing.status).toBe(404);
      expect(foreign.body.error).toBe(missing.body.error);
      expect(foreign.body.message.replace(aliceSession, "X")).toBe(
        missing.body.message.replace("ses_doesnotexist0000", "X"),
      );
    }
    const still = await alice.call("GET", `/api/v1/sessions/${aliceSession}`);
    expect(still.status).toBe(200);
    expect(still.body.name).toBe("alice's");
  });

  it("lists only the caller's sessions", async () => {
    await bob.call("POST", "/api/v1/sessions", { body: { name: "bob's" } });
    const a = await alice.call("GET", "/api/v1/sessions");
    const b = await bob.call("GET", "/api/v1/sessions");
    expect(a.body.items.map((s: { name: string }) => s.name)).toEqual(["alice's"]);
    expect(b.body.items.map((s: { name: string }) => s.name)).toEqual(["bob's"]);
    // Admins are users too: the admin's own list does not include other people's sessions.
    expect((await t.admin("GET", "/api/v1/sessions")).body.items).toEqual([]);
  });

  it("tokens are scoped: bob cannot see or revoke alice's", async () => {
    const aliceTokens = (await alice.call("GET", "/api/v1/tokens")).body.items;
    const res = await bob.call("DELETE", `/api/v1/tokens/${aliceTokens[0].id}`);
    expect(res.status).toBe(404);
    expect((await alice.call("GET", "/api/v1/me")).status).toBe(200);
    const bobTokens = (await bob.call("GET", "/api/v1/tokens")).body.items;
    expect(bobTokens.map((x: { id: string }) => x.id)).not.toContain(aliceTokens[0].id);
  });

  it("events go only to the owner", async () => {
    const wsUrl = `${t.url.replace("http", "ws")}/api/v1/events`;
    const bobWs = new TestSocket(wsUrl, { authorization: `Bearer ${bob.token}` });
    const aliceWs = new TestSocket(wsUrl, { authorization: `Bearer ${alice.token}` });
    await Promise.all([bobWs.opened, aliceWs.opened]);
    await Promise.all([bobWs.next((m) => m.type === "hello"), aliceWs.next((m) => m.type === "hello")]);
    await alice.call("PATCH", `/api/v1/sessions/${aliceSession}`, { body: { name: "renamed" } });
    await aliceWs.next((m) => m.type === "event" && m.event.session.name === "renamed");
    // A marker event of bob's own proves his socket is live and would have shown alice's by now.
    await bob.call("POST", "/api/v1/sessions", { body: { name: "marker" } });
    await bobWs.next((m) => m.type === "event" && m.event.session.name === "marker");
    expect(bobWs.messages.filter((m) => m.type === "event" && m.event.session_id === aliceSession)).toEqual([]);
    bobWs.close();
    aliceWs.close();
  });
});
