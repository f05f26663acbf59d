import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiToken } from "../../packages/server/src/auth/api-tokens.js";
import { caller } from "../support/http.js";
import {
  docker,
  dockerObjectExists,
  ensureDesktopImage,
  exec,
  reaches,
  startSandboxServer,
} from "../support/sandbox.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  ws = await s.watch();
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
});

const stateOf = (id: string, state: string, timeoutMs = 120_000) => reaches(ws, id, state, timeoutMs);

describe("session lifecycle on real Docker", () => {
  it("create → ready → stop → start (workspace kept) → delete (everything gone)", async () => {
    const created = await s.admin("POST", "/api/v1/sessions", {
      body: { name: "real desktop", resources: { memory_mb: 2048 } },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const name = `strand-${id}`;

    const ready = await stateOf(id, "ready");
    expect(ready.event.session.node_id).toMatch(/^nod_/);
    expect(ready.event.session.started_at).not.toBeNull();

    // The desktop is really up: X answers and the workspace is writable by the agent user.
    expect((await exec(name, ["xdpyinfo", "-display", ":1"])).code).toBe(0);
    const who = await exec(name, ["sh", "-c", "id -u; echo hello > /home/agent/work/keep.txt"]);
    expect(who.output.trim()).toBe("1000");
    const inspect = await docker.getContainer(name).inspect();
    expect(inspect.HostConfig.Memory).toBe(2048 * 1024 * 1024);
    expect(inspect.HostConfig.PidsLimit).toBe(4096);
    expect(inspect.HostConfig.Binds ?? []).toEqual([]);
    expect(inspect.Config.Labels["strand.session"]).toBe(id);

    await s.admin("POST", `/api/v1/sessions/${id}/stop`);
    await stateOf(id, "stopped", 60_000);
    expect((await docker.getContainer(name).inspect()).State.Running).toBe(false);

    const stoppedAt = ws.messages.length;
    await s.admin("POST", `/api/v1/sessions/${id}/start`);
    const sinceRestart = (state: string) => (m: any) =>
      ws.messages.indexOf(m) >= stoppedAt &&
      m.type === "event" &&
      m.event.session_id === id &&
      m.event.session.state === state;
    await ws.next(sinceRestart("starting"), 60_000);
    await ws.next(sinceRestart("ready"), 120_000);
    expect((await exec(name, ["cat", "/home/agent/work/keep.txt"])).output.trim()).toBe("hello");

    const del = await s.admin("DELETE", `/api/v1/sessions/${id}`);
    expect([200, 202]).toContain(del.status);
    await ws.next((m) => m.type === "event" && m.event.type === "session.deleted" && m.event.session_id === id, 60_000);
    expect(await dockerObjectExists("container", name)).toBe(false);
    expect(await dockerObjectExists("network", name)).toBe(false);
    expect(await dockerObjectExists("volume", `${name}-work`)).toBe(false);
    expect(await dockerObjectExists("volume", `${name}-docker`)).toBe(false);
    expect((await s.admin("GET", `/api/v1/sessions/${id}`)).status).toBe(404);
  }, 400_000);

  it("a desktop that dies fails its session with the reason, and start brings it back", async () => {
    const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "fragile" } })).body;
    await stateOf(id, "ready");
    await docker.getContainer(`strand-${id}`).kill();
    const failed = await stateOf(id, "failed", 30_000);
    expect(failed.event.session.state_reason).toMatch(/stopped unexpectedly \(exit code 137\)/);
    const mark = ws.messages.length;
    await s.admin("POST", `/api/v1/sessions/${id}/start`);
    await ws.next(
      (m) =>
        ws.messages.indexOf(m) >= mark &&
        m.type === "event" &&
        m.event.session_id === id &&
        m.event.session.state === "ready",
      120_000,
    );
    await s.admin("DELETE", `/api/v1/sessions/${id}`);
  }, 300_000);

  it("the node pauses and resumes a desktop, and runs commands in it as the agent user", async () => {
    const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "freezer" } })).body;
    await stateOf(id, "ready");
    const driver = s.driver;
    expect(await driver.exec(id, ["sh", "-c", "id -un; pwd"])).toEqual({
      code: 0,
      output: "agent\n/home/agent/work\n",
    });
    await driver.pause(id);
    expect((await docker.getContainer(`strand-${id}`).inspect()).State.Paused).toBe(true);
    await driver.resume(id);
    expect((await driver.exec(id, ["echo", "thawed"])).output).toBe("thawed\n");
    await s.admin("DELETE", `/api/v1/sessions/${id}`);
  }, 300_000);

  it("a session token works only for its agent, never on the user API", async () => {
    const { db } = s.server.database;
    const me = await s.admin("GET", "/api/v1/me");
    const tok = await issueApiToken(db, { userId: me.body.id, name: "t", sessionId: "ses_x" });
    const res = await caller(s.url, { token: tok.token })("GET", "/api/v1/sessions");
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/session token/);
  });
});
