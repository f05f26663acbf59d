import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reply } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { SessionService } from "../src/sessions/service.js";

let t: TestServer;
let svc: SessionService;
beforeAll(async () => {
  t = await startTestServer();
  svc = new SessionService(t.server.database.db);
});
afterAll(() => t?.stop());

const create = (body: unknown) => t.admin("POST", "/api/v1/sessions", { body });

describe(`sessions API (${process.env.STRAND_TEST_DB})`, () => {
  it("creates a session with defaults, pending until a node takes it", async () => {
    const res = await create({ name: "  first  " });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "first",
      desktop: "xfce",
      resolution: "720p",
      runtime: "strand-agent",
      model: null,
      egress: "allow",
      resources: { cpus: 2, memory_mb: 4096, pids: 4096, disk_mb: 20480 },
      desired_state: "running",
      state: "pending",
      node_id: null,
    });
    expect(res.body.id).toMatch(/^ses_/);
    expect(res.body.state_reason).toMatch(/sandbox node/);
    const got = await t.admin("GET", `/api/v1/sessions/${res.body.id}`);
    expect(got.body).toEqual(res.body);
  });

  it("takes desktop, runtime, model, egress, resources and start=false", async () => {
    const res = await create({
      name: "custom",
      desktop: "sway",
      resolution: "1080p",
      runtime: "claude-code",
      model: "work-anthropic/claude-sonnet-4-5",
      egress: "deny",
      resources: { cpus: 1.5, memory_mb: 2048 },
      start: false,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      desktop: "sway",
      resolution: "1080p",
      runtime: "claude-code",
      model: "work-anthropic/claude-sonnet-4-5",
      egress: "deny",
      resources: { cpus: 1.5, memory_mb: 2048, pids: 4096, disk_mb: 20480 },
      desired_state: "stopped",
      state: "stopped",
    });
  });

  it.each([
    [{ name: "" }, "body.name", "name must not be empty"],
    [{ name: "   " }, "body.name", "name must not be empty"],
    [{ name: "x".repeat(101) }, "body.name", "name must be at most 100 characters"],
    [{ name: "a", desktop: "kde" }, "body.desktop", "Invalid option"],
    [{ name: "a", resolution: "4k" }, "body.resolution", "Invalid option"],
    [{ name: "a", resources: { memory_mb: 64 } }, "body.resources.memory_mb", "memory_mb must be at least 512 MiB"],
    [{ name: "a", resources: { cpus: 1000 } }, "body.resources.cpus", "cpus must be at most 64 CPUs"],
    [{ name: "a", resources: { gpus: 1 } }, "body.resources.gpus", "Unrecognized key"],
    [{ name: "a", resources: { disk_mb: 512 } }, "body.resources.disk_mb", "disk_mb must be at least 1024 MiB"],
    [{ name: "a", resources: { disk_mb: 2_000_000 } }, "body.resources.disk_mb", "at most 1048576 MiB"],
    [{ name: "a", model: "claude" }, "body.model", "model must be provider/model"],
    [{ name: "a", owner_id: "usr_x" }, "body.owner_id", "Unrecognized key"],
    [{ name: 42 }, "body.name", "expected string"],
  ])("rejects %j with a message on %s", async (body, path, message) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("validation_failed");
    const issue = res.body.details.find((d: { path: string }) => d.path === path);
    expect(issue, JSON.stringify(res.body)).toBeDefined();
    expect(issue.message).toContain(message);
    expect(res.body.message).toContain(path);
  });

  it("pages through sessions newest first with a cursor", async () => {
    const user = await t.newUser("pager@example.com");
    for (let i = 0; i < 7; i++) await user.call("POST", "/api/v1/sessions", { body: { name: `s${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply = await user.call("GET", `/api/v1/sessions?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((s: { name: string }) => s.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["s6", "s5", "s4", "s3", "s2", "s1", "s0"]);
    const bad = await user.call("GET", "/api/v1/sessions?cursor=garbage");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/cursor/);
    const badLimit = await user.call("GET", "/api/v1/sessions?limit=100000");
    expect(badLimit.status).toBe(400);
    const filtered = await user.call("GET", "/api/v1/sessions?state=stopped");
    expect(filtered.body.items).toEqual([]);
  });

  it("PATCH renames and changes settings; an empty patch is refused", async () => {
    const { id } = (await create({ name: "before" })).body;
    const res = await t.admin("PATCH", `/api/v1/sessions/${id}`, {
      body: { name: "after", resources: { pids: 512 }, model: "p/m" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "after", model: "p/m", resources: { cpus: 2, memory_mb: 4096, pids: 512 } });
    const empty = await t.admin("PATCH", `/api/v1/sessions/${id}`, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/at least one of/);
    const stateless = await t.admin("PATCH", `/api/v1/sessions/${id}`, { body: { state: "ready" } });
    expect(stateless.status).toBe(400);
  });

  it("stop and start move a session that never reached a node; both are idempotent", async () => {
    const { id } = (await create({ name: "lifecycle" })).body;
    const stopped = await t.admin("POST", `/api/v1/sessions/${id}/stop`);
    expect(stopped.body).toMatchObject({ state: "stopped", desired_state: "stopped" });
    expect(stopped.body.stopped_at).not.toBeNull();
    const again = await t.admin("POST", `/api/v1/sessions/${id}/stop`);
    expect(again.status).toBe(200);
    expect(again.body.updated_at).toBe(stopped.body.updated_at);
    const started = await t.admin("POST", `/api/v1/sessions/${id}/start`);
    expect(started.body).toMatchObject({ state: "pending", desired_state: "running" });
    expect((await t.admin("POST", `/api/v1/sessions/${id}/start`)).body.state).toBe("pending");
  });

  it("DELETE removes a session; afterwards it is a 404", async () => {
    const { id } = (await create({ name: "doomed" })).body;
    const del = await t.admin("DELETE", `/api/v1/sessions/${id}`);
    expect(del.status).toBe(200);
    expect(del.body.desired_state).toBe("deleted");
    expect((await t.admin("GET", `/api/v1/sessions/${id}`)).status).toBe(404);
    expect((await t.admin("DELETE", `/api/v1/sessions/${id}`)).status).toBe(404);
  });
});

describe(`session state machine (${process.env.STRAND_TEST_DB})`, () => {
  it("follows pending → starting → ready → stopping → stopped, with timestamps", async () => {
    const { id } = (await create({ name: "machine" })).body;
    expect((await svc.transition(id, "starting", "creating the container", null)).state).toBe("starting");
    const ready = await svc.transition(id, "ready", null);
    expect(ready.state).toBe("ready");
    expect(ready.started_at).not.toBeNull();
    expect((await svc.transition(id, "stopping", null)).state).toBe("stopping");
    const stopped = await svc.transition(id, "stopped", null);
    expect(stopped.stopped_at).not.toBeNull();
    const viaApi = await t.admin("GET", `/api/v1/sessions/${id}`);
    expect(viaApi.body.state).toBe("stopped");
  });

  it("refuses moves the lifecycle does not allow, with 409 and both states named", async () => {
    const { id } = (await create({ name: "strict" })).body;
    await expect(svc.transition(id, "ready", null)).rejects.toMatchObject({
      statusCode: 409,
      code: "invalid_state_transition",
      message: "a session cannot go from pending to ready",
    });
    await svc.transition(id, "starting", null);
    await svc.transition(id, "ready", null);
    await expect(svc.transition(id, "pending", null)).rejects.toMatchObject({ statusCode: 409 });
    await expect(svc.transition(id, "stopped", null)).rejects.toMatchObject({ statusCode: 409 });
  });

  it("a failure keeps its human reason, and start retries it", async () => {
    const { id } = (await create({ name: "fragile" })).body;
    await svc.transition(id, "starting", null);
    await svc.transition(id, "failed", "the desktop image strand-xfce is missing; run `strand images build`");
    const failed = await t.admin("GET", `/api/v1/sessions/${id}`);
    expect(failed.body).toMatchObject({
      state: "failed",
      state_reason: expect.stringContaining("strand images build"),
    });
    const retried = await t.admin("POST", `/api/v1/sessions/${id}/start`);
    expect(retried.body.state).toBe("pending");
  });

  it("a session on a node is deleted only after the node tears it down", async () => {
    const { id } = (await create({ name: "on-node" })).body;
    const { nodes } = await import("../src/db/schema.js");
    await t.server.database.db
      .insert(nodes)
      .values({ id: "nod_test", name: "test-node", status: "online", maxSessions: 4 });
    await svc.transition(id, "starting", null, "nod_test");
    const del = await t.admin("DELETE", `/api/v1/sessions/${id}`);
    expect(del.status).toBe(202);
    expect(del.body.desired_state).toBe("deleted");
    expect((await t.admin("GET", `/api/v1/sessions/${id}`)).body.desired_state).toBe("deleted");
    const start = await t.admin("POST", `/api/v1/sessions/${id}/start`);
    expect(start.status).toBe(409);
    expect(start.body.message).toMatch(/being deleted/);
  });
});

describe(`trusted sessions are an admin's decision (${process.env.STRAND_TEST_DB})`, () => {
  it("a user may not create a trusted session, nor turn trusted mode on; an admin may", async () => {
    const user = await t.newUser("untrusted@example.com");
    const refused = await user.call("POST", "/api/v1/sessions", { body: { name: "root please", trusted: true } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("forbidden");
    expect(refused.body.message).toMatch(/only an admin can create a trusted session/i);
    // Nothing was created by the refused request.
    expect((await user.call("GET", "/api/v1/sessions")).body.items).toEqual([]);

    const plain = await user.call("POST", "/api/v1/sessions", { body: { name: "plain", start: false } });
    expect(plain.status).toBe(201);
    const turnOn = await user.call("PATCH", `/api/v1/sessions/${plain.body.id}`, { body: { trusted: true } });
    expect(turnOn.status).toBe(403);
    expect(turnOn.body.message).toMatch(/admin/);
    expect((await user.call("GET", `/api/v1/sessions/${plain.body.id}`)).body.trusted).toBe(false);
    // Leaving it off (a no-op) is anybody's right.
    expect((await user.call("PATCH", `/api/v1/sessions/${plain.body.id}`, { body: { trusted: false } })).status).toBe(
      200,
    );

    const admin = await create({ name: "trusted by admin", trusted: true, start: false });
    expect(admin.status).toBe(201);
    expect(admin.body.trusted).toBe(true);
    const off = await t.admin("PATCH", `/api/v1/sessions/${admin.body.id}`, { body: { trusted: false } });
    expect(off.body.trusted).toBe(false);
    const on = await t.admin("PATCH", `/api/v1/sessions/${admin.body.id}`, { body: { trusted: true } });
    expect(on.body.trusted).toBe(true);
  });
});

describe(`disk_mb (${process.env.STRAND_TEST_DB})`, () => {
  it("can shrink before the first start, and only grow after it", async () => {
    const { id } = (await create({ name: "disk", resources: { disk_mb: 4096 }, start: false })).body;
    const shrunk = await t.admin("PATCH", `/api/v1/sessions/${id}`, { body: { resources: { disk_mb: 2048 } } });
    expect(shrunk.body.resources.disk_mb).toBe(2048);
    expect((await t.admin("POST", `/api/v1/sessions/${id}/start`)).body.state).toBe("pending");
    await svc.transition(id, "starting", null);
    await svc.transition(id, "ready", null);
    const refused = await t.admin("PATCH", `/api/v1/sessions/${id}`, { body: { resources: { disk_mb: 1024 } } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/disk_mb can only grow.*2048 MiB/);
    const grown = await t.admin("PATCH", `/api/v1/sessions/${id}`, { body: { resources: { disk_mb: 8192 } } });
    expect(grown.body.resources).toMatchObject({ disk_mb: 8192, memory_mb: 4096 });
  });
});
