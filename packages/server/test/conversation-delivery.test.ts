import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, type ScriptedAgent, sessionToken } from "../../../test/support/agent-socket.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { TestSocket } from "../../../test/support/ws.js";
import { sessions } from "../src/db/schema.js";

let t: TestServer;
const open: ScriptedAgent[] = [];
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const a of open) a.ws.ws.terminate();
  await t?.stop();
});

interface Chat {
  id: string;
  token: string;
  post(requestId: string, content: string): Promise<any>;
  entries(): Promise<any[]>;
  prompt(requestId: string): Promise<any>;
  agent(instance: string): Promise<ScriptedAgent>;
}

async function chat(body: Record<string, unknown> = {}): Promise<Chat> {
  const s = (await t.admin("POST", "/api/v1/sessions", { body: { name: "chat", ...body } })).body;
  const token = await sessionToken(t.server.database.db, s.owner_id, s.id);
  const entries = async (): Promise<any[]> =>
    (await t.admin("GET", `/api/v1/sessions/${s.id}/messages?limit=500`)).body.items;
  return {
    id: s.id,
    token,
    post: async (request_id, content) =>
      (await t.admin("POST", `/api/v1/sessions/${s.id}/messages`, { body: { request_id, content } })).body,
    entries,
    prompt: async (requestId) => (await entries()).find((e: any) => e.request_id === requestId),
    agent: async (instance) => {
      const a = await connectAgent(t.url, s.id, token, instance);
      open.push(a);
      return a;
    },
  };
}

const statusOf = (c: Chat, requestId: string, want: string) =>
  until(
    () => c.prompt(requestId),
    (e) => e?.status === want,
    `${requestId} ${want}`,
    5_000,
  );
const quiet = (ms = 300) => new Promise((r) => setTimeout(r, ms));

describe(`conversation delivery to agentd (${process.env.STRAND_TEST_DB})`, () => {
  it("holds prompts sent before the agent is up, then delivers them once each, in order, one at a time", async () => {
    const c = await chat();
    await t.server.database.db.update(sessions).set({ state: "starting" }).where(eq(sessions.id, c.id));
    const p = [await c.post("a", "first"), await c.post("b", "second"), await c.post("c", "third")];
    await quiet();
    expect((await c.entries()).map((e) => e.status)).toEqual(["queued", "queued", "queued"]);

    const agent = await c.agent("proc-1");
    expect((await t.admin("GET", `/api/v1/sessions/${c.id}`)).body.state).toBe("ready");
    const first = await agent.prompt(1);
    expect(first).toEqual({ type: "prompt", entry_id: p[0].id, turn_id: p[0].turn_id, content: "first" });
    await statusOf(c, "a", "delivered");
    await quiet();
    expect(agent.prompts()).toHaveLength(1);

    for (const [i, entry] of p.entries()) {
      expect((await agent.call({ type: "turn.started", turn_id: entry.turn_id })).error).toBeUndefined();
      await statusOf(c, entry.request_id, "running");
      await agent.call({ type: "turn.finished", turn_id: entry.turn_id, stop_reason: "end_turn" });
      await statusOf(c, entry.request_id, "done");
      if (i < 2) expect((await agent.prompt(i + 2)).entry_id).toBe(p[i + 1].id);
    }
    await quiet();
    expect(agent.prompts().map((m) => m.content)).toEqual(["first", "second", "third"]);
    expect((await c.prompt("a")).content).toEqual({
      text: "first",
      author: { id: expect.any(String), email: "admin@example.com" },
      stop_reason: "end_turn",
    });
  });

  it("delivers a prompt posted while the agent is idle at once", async () => {
    const c = await chat();
    const agent = await c.agent("idle-proc");
    expect(await agent.ws.next((m) => m.type === "session.settings")).toMatchObject({
      runtime: "strand-agent",
      model: null,
      permission_mode: "autonomous",
    });
    const entry = await c.post("now", "go");
    expect((await agent.prompt(1)).turn_id).toBe(entry.turn_id);
  });

  it("stores agent entries by id: resends and older revisions change nothing, order is first arrival", async () => {
    const c = await chat();
    const agent = await c.agent("proc-e");
    const p = await c.post("e", "explain");
    await agent.prompt(1);
    await agent.call({ type: "turn.started", turn_id: p.turn_id });
    const text = (rev: number, s: string, status = "in_progress") => ({
      type: "entry.upsert",
      id: "ent_text_1",
      turn_id: p.turn_id,
      rev,
      kind: "text",
      status,
      content: { text: s },
    });
    await agent.call(text(1, "Hel"));
    await agent.call({
      type: "entry.upsert",
      id: "ent_tool_1",
      turn_id: p.turn_id,
      rev: 1,
      kind: "tool_call",
      status: "in_progress",
      content: {
        tool_call_id: "call-1",
        title: "Read README.md",
        kind: "read",
        input: { path: "README.md" },
        content: [],
        locations: [{ path: "/home/agent/work/README.md" }],
        diffs: [],
      },
    });
    await agent.call(text(3, "Hello, world", "completed"));
    await agent.call(text(2, "Hello")); // late copy of an older revision
    await agent.call(text(3, "Hello, world", "completed")); // resend after a reconnect
    const entries = await c.entries();
    expect(entries.map((e) => [e.seq, e.kind, e.status])).toEqual([
      [1, "user", "running"],
      [2, "text", "completed"],
      [3, "tool_call", "in_progress"],
    ]);
    expect(entries[1]).toMatchObject({
      id: "ent_text_1",
      role: "agent",
      turn_id: p.turn_id,
      content: { text: "Hello, world" },
    });
  });

  it("acks what it will never accept with a reason, so agentd can drop it", async () => {
    const c = await chat();
    const other = await chat();
    const agent = await c.agent("proc-r");
    const p = await c.post("r", "x");
    const otherPrompt = await other.post("o", "y");
    const upsert = {
      type: "entry.upsert",
      id: "ent_r1",
      rev: 1,
      kind: "text",
      status: "in_progress",
      content: { text: "a" },
    };
    expect((await agent.call({ ...upsert, turn_id: otherPrompt.turn_id })).error).toMatch(/not a turn of this session/);
    expect((await agent.call({ ...upsert, turn_id: null })).error).toMatch(/needs a turn_id/);
    expect((await agent.call({ ...upsert, turn_id: p.turn_id, content: { nope: 1 } })).error).toMatch(
      /invalid message/,
    );
    expect((await agent.call({ ...upsert, turn_id: p.turn_id, status: "running" })).error).toMatch(/invalid message/);
    await agent.call({ ...upsert, turn_id: p.turn_id });
    expect((await agent.call({ ...upsert, rev: 2, turn_id: p.turn_id, kind: "thinking" })).error).toMatch(/exists/);
    // Another session's agent cannot touch this entry through its own link.
    const otherAgent = await other.agent("proc-o");
    const hijack = await otherAgent.call({
      ...upsert,
      rev: 9,
      turn_id: otherPrompt.turn_id,
      content: { text: "pwned" },
    });
    expect(hijack.error).toMatch(/exists/);
    expect((await c.entries()).find((e) => e.id === "ent_r1").content.text).toBe("a");
    // A notice may stand outside any turn.
    const notice = { type: "entry.upsert", id: "ent_n1", turn_id: null, rev: 1, kind: "notice", status: "completed" };
    expect(
      (await agent.call({ ...notice, content: { text: "runtime restarted", level: "warning" } })).error,
    ).toBeUndefined();
  });

  it("pushes every entry change to the owner's events socket", async () => {
    const ws = new TestSocket(`${t.url.replace("http", "ws")}/api/v1/events`, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    await ws.next((m) => m.type === "hello");
    const c = await chat();
    const agent = await c.agent("proc-ev");
    const p = await c.post("ev", "stream");
    await agent.prompt(1);
    await agent.call({ type: "turn.started", turn_id: p.turn_id });
    // Revision 3 twice: a resend after a reconnect must not show up as another change.
    for (const rev of [1, 2, 3, 3]) {
      await agent.call({
        type: "entry.upsert",
        id: "ent_ev",
        turn_id: p.turn_id,
        rev,
        kind: "text",
        status: "in_progress",
        content: { text: "ab".repeat(rev) },
      });
    }
    await agent.call({ type: "turn.finished", turn_id: p.turn_id, stop_reason: "end_turn" });
    await ws.next((m) => m.type === "event" && m.event.entry?.id === p.id && m.event.entry.status === "done");
    const mine = ws.messages.filter((m) => m.type === "event" && m.event.session_id === c.id && m.event.entry);
    expect(mine.map((m) => `${m.event.type} ${m.event.entry.kind} ${m.event.entry.status}`)).toEqual([
      "message.created user queued",
      "message.updated user delivered",
      "message.updated user running",
      "message.created text in_progress",
      "message.updated text in_progress",
      "message.updated text in_progress",
      "message.updated user done",
    ]);
    expect(mine[5].event.entry.content.text).toBe("ababab");
    ws.close();
  });

  it("interrupts a running turn when a new agentd process says hello, says so, and goes on with the next prompt", async () => {
    const c = await chat();
    const a = await c.agent("proc-a");
    const p1 = await c.post("1", "rm -rf build && make");
    const p2 = await c.post("2", "next");
    await a.prompt(1);
    await a.call({ type: "turn.started", turn_id: p1.turn_id });
    const streaming = { turn_id: p1.turn_id, type: "entry.upsert", rev: 1, status: "in_progress" };
    await a.call({ ...streaming, id: "ent_half", kind: "text", content: { text: "Removing bu" } });
    await a.call({
      ...streaming,
      id: "ent_make",
      kind: "tool_call",
      content: { tool_call_id: "c", title: "make", kind: "execute", content: [], locations: [], diffs: [] },
    });
    a.ws.ws.terminate(); // agentd killed mid-turn

    const b = await c.agent("proc-b");
    expect((await b.prompt(1)).entry_id).toBe(p2.id);
    const entries = await c.entries();
    expect(entries.map((e) => [e.kind, e.status])).toEqual([
      ["user", "interrupted"],
      ["user", "delivered"],
      ["text", "completed"],
      ["tool_call", "failed"],
      ["notice", "completed"],
    ]);
    expect(entries[4]).toMatchObject({ turn_id: p1.turn_id, role: "system", content: { level: "warning" } });
    expect(entries[4].content.text).toMatch(/not run again/);
    await quiet();
    expect(b.prompts().map((m) => m.entry_id)).toEqual([p2.id]);
  });

  it("keeps a running turn when the same agentd process reconnects (server restart), and takes its resends", async () => {
    const c = await chat();
    const a = await c.agent("proc-same");
    const p = await c.post("s", "long job");
    await a.prompt(1);
    await a.call({ type: "turn.started", turn_id: p.turn_id });
    a.ws.ws.terminate();
    const again = await c.agent("proc-same");
    await quiet();
    expect(again.prompts()).toEqual([]);
    expect((await c.prompt("s")).status).toBe("running");
    await again.call({ type: "turn.started", turn_id: p.turn_id }); // resent from its outbox
    await again.call({ type: "turn.finished", turn_id: p.turn_id, stop_reason: "end_turn" });
    await statusOf(c, "s", "done");
    expect((await c.entries()).filter((e) => e.kind === "notice")).toEqual([]);
  });

  it("hands a delivered-but-never-started prompt to a new process exactly once more, then gives up", async () => {
    const c = await chat();
    const a = await c.agent("proc-1st");
    const p = await c.post("d", "fragile");
    await a.prompt(1);
    a.ws.ws.terminate(); // died before starting it

    const b = await c.agent("proc-2nd");
    expect((await b.prompt(1)).entry_id).toBe(p.id);
    b.ws.ws.terminate(); // and again

    const c3 = await c.agent("proc-3rd");
    await statusOf(c, "d", "failed");
    await quiet();
    expect(c3.prompts()).toEqual([]);
    const notice = (await c.entries()).find((e) => e.kind === "notice");
    expect(notice.content.text).toMatch(/was not run/);
  });

  it("a stopped session interrupts its running prompt and puts an unstarted one back in the queue", async () => {
    const c = await chat();
    const a = await c.agent("proc-stop");
    const p1 = await c.post("s1", "running when stopped");
    await a.prompt(1);
    await a.call({ type: "turn.started", turn_id: p1.turn_id });
    a.ws.ws.terminate();
    await t.admin("POST", `/api/v1/sessions/${c.id}/stop`);
    await statusOf(c, "s1", "interrupted");
    const notice = (await c.entries()).find((e) => e.kind === "notice");
    expect(notice).toMatchObject({ turn_id: p1.turn_id, content: { level: "warning" } });
    expect(notice.content.text).toMatch(/session stopped/);

    const d = await chat();
    const b = await d.agent("proc-stop-2");
    const p2 = await d.post("s2", "delivered when stopped");
    await b.prompt(1);
    b.ws.ws.terminate();
    await t.admin("POST", `/api/v1/sessions/${d.id}/stop`);
    await statusOf(d, "s2", "queued");
    await t.admin("POST", `/api/v1/sessions/${d.id}/start`);
    const again = await d.agent("proc-stop-3");
    expect((await again.prompt(1)).entry_id).toBe(p2.id);
  });

  it("sends a delivered prompt again to the same process after a reconnect (agentd drops the duplicate)", async () => {
    const c = await chat();
    const a = await c.agent("proc-dup");
    const p = await c.post("x", "hello");
    await a.prompt(1);
    a.ws.ws.terminate();
    const again = await c.agent("proc-dup");
    expect((await again.prompt(1)).entry_id).toBe(p.id);
    expect((await c.prompt("x")).status).toBe("delivered");
  });

  it("cancels the running turn: the agent is told, late output is kept, the next prompt follows", async () => {
    const c = await chat();
    const a = await c.agent("proc-c");
    const p1 = await c.post("c1", "slow");
    const p2 = await c.post("c2", "after");
    await a.prompt(1);
    await a.call({ type: "turn.started", turn_id: p1.turn_id });
    const res = await t.admin("POST", `/api/v1/sessions/${c.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.entry).toMatchObject({ id: p1.id, status: "cancelled" });
    expect(await a.ws.next((m) => m.type === "cancel")).toEqual({ type: "cancel", turn_id: p1.turn_id });
    expect((await a.prompt(2)).entry_id).toBe(p2.id);
    const late = {
      type: "entry.upsert",
      id: "ent_late",
      turn_id: p1.turn_id,
      rev: 1,
      kind: "text",
      status: "completed",
      content: { text: "stopping" },
    };
    expect((await a.call(late)).error).toBeUndefined();
    await a.call({ type: "turn.finished", turn_id: p1.turn_id, stop_reason: "cancelled" });
    expect((await c.prompt("c1")).status).toBe("cancelled");
    // A prompt cancelled before agentd started it is stopped if agentd starts it anyway.
    await t.admin("POST", `/api/v1/sessions/${c.id}/cancel`);
    await statusOf(c, "c2", "cancelled");
    await a.call({ type: "turn.started", turn_id: p2.turn_id });
    await a.ws.next((m) => m.type === "cancel" && m.turn_id === p2.turn_id);
    expect((await c.prompt("c2")).status).toBe("cancelled");
  });

  it("ask mode: stores the permission request, relays the user's answer, and refuses a second one", async () => {
    const c = await chat({ permission_mode: "ask" });
    const a = await c.agent("proc-p");
    expect((await a.ws.next((m) => m.type === "session.settings")).permission_mode).toBe("ask");
    const p = await c.post("p", "delete the logs");
    await a.prompt(1);
    await a.call({ type: "turn.started", turn_id: p.turn_id });
    const request = {
      type: "permission.request",
      id: "ent_perm_1",
      turn_id: p.turn_id,
      tool_call: { tool_call_id: "call-9", title: "rm -rf logs", kind: "execute", input: { command: "rm -rf logs" } },
      options: [
        { option_id: "allow", name: "Allow", kind: "allow_once" },
        { option_id: "deny", name: "Deny", kind: "reject_once" },
      ],
    };
    expect((await a.call(request)).error).toBeUndefined();
    const stored = (await c.entries()).find((e) => e.id === "ent_perm_1");
    expect(stored).toMatchObject({ kind: "permission", status: "pending", content: { selected_option_id: null } });

    const url = `/api/v1/sessions/${c.id}/permissions/ent_perm_1`;
    const bad = await t.admin("POST", url, { body: { option_id: "maybe" } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/"allow", "deny"/);
    const ok = await t.admin("POST", url, { body: { option_id: "deny" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "answered", content: { selected_option_id: "deny" } });
    expect(await a.ws.next((m) => m.type === "permission.answer")).toEqual({
      type: "permission.answer",
      id: "ent_perm_1",
      option_id: "deny",
    });
    expect((await t.admin("POST", url, { body: { option_id: "deny" } })).status).toBe(200);
    expect((await t.admin("POST", url, { body: { option_id: "allow" } })).status).toBe(409);
    expect(
      (await t.admin("POST", `/api/v1/sessions/${c.id}/permissions/${p.id}`, { body: { option_id: "x" } })).status,
    ).toBe(404);

    // agentd restarted its link (server restart): the answer comes again; the resent request is answered too.
    a.ws.ws.terminate();
    const again = await c.agent("proc-p");
    expect(await again.ws.next((m) => m.type === "permission.answer")).toMatchObject({ option_id: "deny" });
    await again.call(request);
    expect(again.ws.messages.filter((m) => m.type === "permission.answer")).toHaveLength(2);

    // A request left open when the turn ends is cancelled.
    await again.call({ ...request, id: "ent_perm_2" });
    await again.call({ type: "turn.finished", turn_id: p.turn_id, stop_reason: "end_turn" });
    expect((await c.entries()).find((e) => e.id === "ent_perm_2").status).toBe("cancelled");
    const late = await t.admin("POST", `/api/v1/sessions/${c.id}/permissions/ent_perm_2`, {
      body: { option_id: "allow" },
    });
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/turn ended/);
  });

  it("tells agentd when the permission mode changes", async () => {
    const c = await chat();
    const a = await c.agent("proc-m");
    await a.ws.next((m) => m.type === "session.settings");
    await t.admin("PATCH", `/api/v1/sessions/${c.id}`, { body: { permission_mode: "ask" } });
    const settings = await a.ws.next((m) => m.type === "session.settings" && m.permission_mode === "ask");
    expect(settings).toMatchObject({ runtime: "strand-agent", model: null });
    await t.admin("PATCH", `/api/v1/sessions/${c.id}`, { body: { name: "renamed" } });
    await quiet();
    expect(a.ws.messages.filter((m) => m.type === "session.settings")).toHaveLength(2);
  });
});
