import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, gt } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, type ScriptedAgent, sessionToken } from "../../../test/support/agent-socket.js";
import type { Caller } from "../../../test/support/http.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { TestSocket } from "../../../test/support/ws.js";
import { SecretBox } from "../src/crypto/secret-box.js";
import { pullRequests, repos, tasks, webhookDeliveries } from "../src/db/schema.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "../src/git/test-kit.js";
import { newId } from "../src/lib/ids.js";
import type { NotifyInput } from "../src/notifications/notify.js";
import { WebhookWorker } from "../src/notifications/webhook-worker.js";
import { ProjectService } from "../src/projects/service.js";
import { PullRequestService } from "../src/pull-requests/service.js";
import { SessionService } from "../src/sessions/service.js";

/** A webhook receiver: records each request with its raw body; `answers` says what to reply, in turn. */
interface Receiver {
  url: string;
  got: { headers: Record<string, string | string[] | undefined>; raw: string; body: any }[];
  answers: number[];
  close(): Promise<void>;
}

async function receiver(answers: number[] = []): Promise<Receiver> {
  const r = { got: [] as Receiver["got"], answers };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      r.got.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.statusCode = r.answers.shift() ?? 200;
      res.end(res.statusCode === 200 ? "ok" : "receiver is down");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    ...r,
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const SECRET = "receiver shared secret";
const verify = (secret: string, raw: string, header: unknown) => {
  const want = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
  const got = Buffer.from(String(header));
  return got.length === want.length && timingSafeEqual(got, want);
};

let t: TestServer;
let adminId: string;
let project: { id: string; slug: string; name: string };
const receivers: Receiver[] = [];
const agents: ScriptedAgent[] = [];

beforeAll(async () => {
  t = await startTestServer({ STRAND_WEBHOOK_RETRY_BASE_MS: "50", STRAND_PUBLIC_URL: "https://strand.example.com" });
  adminId = (await t.admin("GET", "/api/v1/me")).body.id;
  project = (await t.admin("POST", "/api/v1/projects", { body: { name: "Shop" } })).body;
});
afterAll(async () => {
  for (const a of agents) a.ws.ws.terminate();
  for (const r of receivers) await r.close();
  await t?.stop();
});

/** What a service does: notify inside its own transaction. */
function notify(input: Partial<NotifyInput> & Pick<NotifyInput, "kind" | "recipients">) {
  const full: NotifyInput = {
    title: "Spec ready for review",
    body: "",
    link: "/projects/shop",
    projectId: project.id,
    taskId: null,
    sessionId: null,
    ...input,
  };
  return t.server.database.db.transaction((tx) => t.server.notifications.notify(tx, full));
}

const inbox = async (who: Caller = t.admin, query = "") => (await who("GET", `/api/v1/notifications${query}`)).body;

async function addHook(body: Record<string, unknown>) {
  const res = await t.admin("POST", `/api/v1/projects/${project.id}/webhooks`, { body: { secret: SECRET, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const deliveriesOf = async (hookId: string) =>
  (await t.admin("GET", `/api/v1/projects/${project.id}/webhooks/${hookId}/deliveries`)).body.items;

describe(`notifications (${process.env.STRAND_TEST_DB})`, () => {
  it("inbox: newest first, unread count, pages with before, marks read one or all", async () => {
    const fresh = await t.newUser("inbox@example.com");
    for (const n of [1, 2, 3]) {
      await notify({ kind: "agent.question", title: `Question ${n}`, projectId: null, recipients: [fresh.id] });
    }
    const all = await inbox(fresh.call);
    expect(all.items.map((i: any) => i.title)).toEqual(["Question 3", "Question 2", "Question 1"]);
    expect(all.unread).toBe(3);
    expect(all.items[0]).toMatchObject({ kind: "agent.question", link: "/projects/shop", read_at: null });

    const first = await inbox(fresh.call, "?limit=2");
    expect(first.items).toHaveLength(2);
    const second = await inbox(fresh.call, `?limit=2&before=${first.next_before}`);
    expect(second.items.map((i: any) => i.title)).toEqual(["Question 1"]);
    expect(second.next_before).toBeNull();
    const badCursor = await fresh.call("GET", "/api/v1/notifications?before=ntf_nope");
    expect(badCursor.status).toBe(422);
    expect(badCursor.body.message).toMatch(/next_before/);

    const one = await fresh.call("POST", "/api/v1/notifications/read", { body: { ids: [all.items[0].id] } });
    expect(one.body).toEqual({ unread: 2 });
    const unreadOnly = await inbox(fresh.call, "?unread=true");
    expect(unreadOnly.items.map((i: any) => i.title)).toEqual(["Question 2", "Question 1"]);
    // Someone else's id marks nothing of theirs.
    expect((await t.admin("POST", "/api/v1/notifications/read", { body: { ids: [all.items[1].id] } })).status).toBe(
      200,
    );
    expect((await inbox(fresh.call)).unread).toBe(2);
    expect((await fresh.call("POST", "/api/v1/notifications/read", { body: {} })).body).toEqual({ unread: 0 });
    expect((await inbox(fresh.call)).items.every((i: any) => i.read_at !== null)).toBe(true);
  });

  it("sends created and read events to the person's own event socket only", async () => {
    const other = await t.newUser("bystander@example.com");
    const mine = new TestSocket(`${t.url.replace("http", "ws")}/api/v1/events`, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    const theirs = new TestSocket(`${t.url.replace("http", "ws")}/api/v1/events`, {
      authorization: `Bearer ${other.token}`,
    });
    await mine.next((m) => m.type === "hello");
    await theirs.next((m) => m.type === "hello");
    await notify({ kind: "task.code_ready", title: "Code ready for review", recipients: [adminId] });
    const created = await mine.next((m) => m.type === "event" && m.event.type === "notification.created");
    expect(created.event).toMatchObject({
      scope: { type: "user", id: adminId },
      notification: { kind: "task.code_ready", title: "Code ready for review" },
      unread: expect.any(Number),
      browser: true,
    });
    await t.admin("POST", "/api/v1/notifications/read", { body: {} });
    const read = await mine.next((m) => m.type === "event" && m.event.type === "notification.read");
    expect(read.event).toMatchObject({ notification: null, unread: 0 });
    // The bystander's socket heard nothing of it: a marker for them arrives, and nothing before it.
    await notify({ kind: "agent.question", title: "marker for bystander", projectId: null, recipients: [other.id] });
    await theirs.next((m) => m.type === "event" && m.event.notification?.title === "marker for bystander");
    const heard = theirs.messages.filter((m) => m.type === "event" && m.event.type.startsWith("notification."));
    expect(heard.map((m) => m.event.notification?.title)).toEqual(["marker for bystander"]);
    mine.close();
    theirs.close();
  });

  it("reaches only people who can see the project, once each, and unknown ids are dropped", async () => {
    const outsider = await t.newUser("outsider@example.com");
    await notify({
      kind: "task.spec_ready",
      title: "secret project news",
      recipients: [adminId, adminId, outsider.id, "usr_does_not_exist"],
    });
    await notify({ kind: "task.spec_ready", title: "marker", projectId: null, recipients: [outsider.id] });
    expect((await inbox(outsider.call)).items.map((i: any) => i.title)).toEqual(["marker"]);
    const mine = (await inbox()).items.filter((i: any) => i.title === "secret project news");
    expect(mine).toHaveLength(1);
  });

  it("preferences: one row per kind, defaults on; a kind turned off stays out of the inbox", async () => {
    const p = await t.newUser("prefs@example.com");
    const defaults = (await p.call("GET", "/api/v1/notifications/preferences")).body.items;
    expect(defaults).toHaveLength(8);
    expect(defaults.every((d: any) => d.inbox && d.browser)).toBe(true);
    const put = await p.call("PUT", "/api/v1/notifications/preferences", {
      body: {
        items: [
          { kind: "session.failed", inbox: false },
          { kind: "task.done", browser: false },
        ],
      },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.items.find((i: any) => i.kind === "session.failed")).toEqual({
      kind: "session.failed",
      inbox: false,
      browser: true,
    });
    const bad = await p.call("PUT", "/api/v1/notifications/preferences", {
      body: { items: [{ kind: "task.exploded", inbox: false }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/kind must be one of/);

    await notify({ kind: "session.failed", title: "muted kind", projectId: null, recipients: [p.id] });
    await notify({ kind: "task.done", title: "marker done", projectId: null, recipients: [p.id] });
    const got = (await inbox(p.call)).items;
    expect(got.map((i: any) => i.title)).toEqual(["marker done"]);
  });

  it("webhooks: signed deliveries with a Slack-compatible text; the secret is never shown; members only look", async () => {
    const r = await receiver();
    receivers.push(r);
    const hook = await addHook({ url: r.url });
    expect(hook).toMatchObject({ url: r.url, kinds: [], active: true, secret_set: true });
    expect(JSON.stringify(hook)).not.toContain(SECRET);
    const listed = (await t.admin("GET", `/api/v1/projects/${project.id}/webhooks`)).body.items;
    expect(JSON.stringify(listed)).not.toContain(SECRET);

    // A task row as the task service makes it.
    await t.server.database.db
      .insert(tasks)
      .values({ id: "tsk_hook1", projectId: project.id, number: 3, slug: "fix-cart-totals", title: "Fix cart totals" });
    await notify({
      kind: "task.spec_ready",
      title: "Spec ready for review",
      body: "The agent wrote requirements, design and tasks.",
      link: "/tasks/tsk_hook1",
      taskId: "tsk_hook1",
      recipients: [adminId],
    });
    const [delivered] = await until(
      () => deliveriesOf(hook.id),
      (items) => items[0]?.state === "delivered",
      "the delivery",
      20_000,
    );
    expect(delivered).toMatchObject({ kind: "task.spec_ready", attempts: 1, last_status: 200, last_error: null });
    expect(r.got).toHaveLength(1);
    const got = r.got[0] as Receiver["got"][number];
    expect(verify(SECRET, got.raw, got.headers["x-strand-signature"])).toBe(true);
    expect(verify("another secret", got.raw, got.headers["x-strand-signature"])).toBe(false);
    expect(got.headers["x-strand-event"]).toBe("task.spec_ready");
    expect(got.headers["x-strand-delivery"]).toBe(delivered.id);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.body).toMatchObject({
      id: delivered.id,
      kind: "task.spec_ready",
      text: "Spec ready for review: #3 Fix cart totals — https://strand.example.com/tasks/tsk_hook1",
      url: "https://strand.example.com/tasks/tsk_hook1",
      project: { id: project.id, slug: project.slug, name: "Shop" },
      task: { id: "tsk_hook1", number: 3, title: "Fix cart totals", state: "backlog" },
    });

    // A team's project: members see the webhooks and their log, only owners and admins change them.
    const team = (await t.admin("POST", "/api/v1/teams", { body: { name: "Hooks team" } })).body;
    const member = await t.newUser("hook-member@example.com");
    expect(
      (
        await t.admin("POST", `/api/v1/teams/${team.id}/members`, {
          body: { email: "hook-member@example.com", role: "member" },
        })
      ).status,
    ).toBeLessThan(300);
    const teamProject = (await t.admin("POST", "/api/v1/projects", { body: { name: "Team shop", team_id: team.id } }))
      .body;
    const teamHook = (
      await t.admin("POST", `/api/v1/projects/${teamProject.id}/webhooks`, { body: { url: r.url, secret: SECRET } })
    ).body;
    expect((await member.call("GET", `/api/v1/projects/${teamProject.id}/webhooks`)).body.items).toHaveLength(1);
    expect(
      (await member.call("GET", `/api/v1/projects/${teamProject.id}/webhooks/${teamHook.id}/deliveries`)).status,
    ).toBe(200);
    const refused = await member.call("POST", `/api/v1/projects/${teamProject.id}/webhooks`, {
      body: { url: r.url, secret: SECRET },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/owners and admins/);
    expect((await member.call("DELETE", `/api/v1/projects/${teamProject.id}/webhooks/${teamHook.id}`)).status).toBe(
      403,
    );
    // A viewer sees the project but not its webhooks: their URLs may be credentials.
    const viewer = await t.newUser("hook-viewer2@example.com");
    await t.admin("POST", `/api/v1/teams/${team.id}/members`, {
      body: { email: "hook-viewer2@example.com", role: "viewer" },
    });
    expect((await viewer.call("GET", `/api/v1/projects/${teamProject.id}`)).status).toBe(200);
    const hidden = await viewer.call("GET", `/api/v1/projects/${teamProject.id}/webhooks`);
    expect(hidden.status).toBe(403);
    expect(hidden.body.message).toMatch(/viewers .* cannot see its webhooks/);
    expect(hidden.text).not.toContain(r.url);
    // Someone outside the project does not learn it exists.
    const outsider = await t.newUser("hook-outsider@example.com");
    expect((await outsider.call("GET", `/api/v1/projects/${project.id}/webhooks`)).status).toBe(404);
  });

  it("webhooks: a receiver answering 500 is retried with backoff until it answers 200; the log shows it", async () => {
    const r = await receiver([500, 500]);
    receivers.push(r);
    const hook = await addHook({ url: r.url, kinds: ["task.failed"] });
    await notify({
      kind: "task.failed",
      title: "Task failed",
      body: "planning ended without design.md",
      recipients: [],
    });
    const [d] = await until(
      () => deliveriesOf(hook.id),
      (items) => items[0]?.state === "delivered",
      "the retried delivery",
      20_000,
    );
    expect(d).toMatchObject({ attempts: 3, last_status: 200, last_error: null, next_attempt_at: null });
    expect(d.delivered_at).not.toBeNull();
    expect(r.got).toHaveLength(3);
    // Every attempt is the same delivery, signed the same way.
    expect(new Set(r.got.map((g) => g.headers["x-strand-delivery"]))).toEqual(new Set([d.id]));
    expect(r.got[0]?.body.text).toBe(
      "Task failed: planning ended without design.md — https://strand.example.com/projects/shop",
    );
  });

  it("webhooks: gives up after six failed attempts and says why", async () => {
    const r = await receiver([503, 503, 503, 503, 503, 503, 503]);
    receivers.push(r);
    const hook = await addHook({ url: r.url, kinds: ["agent.question"] });
    // Grow the waits no further than needed: 50 ms × (1, 6, 24, 120, 720) is 43 s; shrink the later
    // ones by moving the due time back whenever a retry is scheduled.
    await notify({ kind: "agent.question", title: "Agent asked", recipients: [] });
    const db = t.server.database.db;
    const [d] = await until(
      async () => {
        await db
          .update(webhookDeliveries)
          .set({ nextAttemptAt: new Date() })
          // Only once the receiver has had the last attempt, so no attempt overlaps another.
          .where(
            and(
              eq(webhookDeliveries.webhookId, hook.id),
              eq(webhookDeliveries.state, "pending"),
              eq(webhookDeliveries.attempts, r.got.length),
              gt(webhookDeliveries.attempts, 0),
            ),
          );
        return deliveriesOf(hook.id);
      },
      (items) => items[0]?.state === "failed",
      "the delivery to give up",
      30_000,
    );
    expect(d).toMatchObject({ attempts: 6, last_status: 503, next_attempt_at: null, delivered_at: null });
    expect(d.last_error).toMatch(/HTTP 503: receiver is down/);
    expect(r.got).toHaveLength(6);
  });

  it("webhooks: workers of several replicas racing over one queue send each delivery once", async () => {
    const r = await receiver();
    receivers.push(r);
    const hook = await addHook({ url: r.url, kinds: ["task.code_ready"] });
    const db = t.server.database.db;
    // Two more workers on the same database, as two more replicas would run them (beside the server's own).
    const replicas = [1, 2].map(
      () =>
        new WebhookWorker({
          db,
          log: pino({ level: "silent" }),
          secretOf: (h) => t.server.notifications.secretOf(h),
          retryBaseMs: 60_000,
        }),
    );
    for (let i = 0; i < 8; i++) await notify({ kind: "task.code_ready", title: `race ${i}`, recipients: [] });
    const items = await until(
      async () => {
        await Promise.all(replicas.map((w) => w.round()));
        return deliveriesOf(hook.id);
      },
      (ds: any[]) => ds.length === 8 && ds.every((d) => d.state === "delivered"),
      "all eight deliveries",
      20_000,
    );
    for (const w of replicas) await w.stop();
    expect(items.every((d: any) => d.attempts === 1)).toBe(true);
    const ids = r.got.map((g) => g.headers["x-strand-delivery"]);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });

  it("webhooks: the kinds filter, turning one off, and deleting it with its log", async () => {
    const r = await receiver();
    receivers.push(r);
    const hook = await addHook({ url: r.url, kinds: ["task.done"] });
    await notify({ kind: "task.code_ready", title: "not for this hook", recipients: [] });
    await notify({ kind: "task.done", title: "Task done", recipients: [] });
    await until(
      () => deliveriesOf(hook.id),
      (items) => items[0]?.state === "delivered",
      "the done delivery",
      20_000,
    );
    expect(r.got.map((g) => g.body.kind)).toEqual(["task.done"]);

    const off = await t.admin("PATCH", `/api/v1/projects/${project.id}/webhooks/${hook.id}`, {
      body: { active: false },
    });
    expect(off.body).toMatchObject({ active: false, kinds: ["task.done"] });
    await notify({ kind: "task.done", title: "while off", recipients: [] });
    expect((await deliveriesOf(hook.id)).map((d: any) => d.payload.title)).toEqual(["Task done"]);

    const gone = await t.admin("DELETE", `/api/v1/projects/${project.id}/webhooks/${hook.id}`);
    expect(gone.status).toBe(204);
    expect((await t.admin("GET", `/api/v1/projects/${project.id}/webhooks/${hook.id}/deliveries`)).status).toBe(404);
  });

  it("webhooks: refuses link-local and unspecified addresses, and bad input says what is wrong", async () => {
    for (const url of ["http://169.254.169.254/latest", "http://0.0.0.0:9/x"]) {
      const res = await t.admin("POST", `/api/v1/projects/${project.id}/webhooks`, { body: { url, secret: SECRET } });
      expect(res.status, url).toBe(422);
      expect(res.body).toMatchObject({ error: "webhook_refused", message: expect.stringMatching(/never connects/) });
    }
    const ftp = await t.admin("POST", `/api/v1/projects/${project.id}/webhooks`, {
      body: { url: "ftp://example.com/x", secret: SECRET },
    });
    expect(ftp.status).toBe(400);
    expect(ftp.text).toMatch(/http/);
    const short = await t.admin("POST", `/api/v1/projects/${project.id}/webhooks`, {
      body: { url: "http://127.0.0.1:9/x", secret: "short" },
    });
    expect(short.status).toBe(400);
    expect(short.text).toMatch(/at least 8/);
    const missing = await t.admin("PATCH", `/api/v1/projects/${project.id}/webhooks/whk_nope`, {
      body: { active: false },
    });
    expect(missing.status).toBe(404);
  });

  it("hooks: a permission request tells the session's owner and the prompt's author", async () => {
    const team = (await t.admin("POST", "/api/v1/teams", { body: { name: "Perm team" } })).body;
    const author = await t.newUser("perm-author@example.com");
    await t.admin("POST", `/api/v1/teams/${team.id}/members`, {
      body: { email: "perm-author@example.com", role: "member" },
    });
    const s = (
      await t.admin("POST", "/api/v1/sessions", { body: { name: "asks", team_id: team.id, permission_mode: "ask" } })
    ).body;
    const token = await sessionToken(t.server.database.db, s.owner_id, s.id);
    const a = await connectAgent(t.url, s.id, token, "proc-n");
    agents.push(a);
    const p = (
      await author.call("POST", `/api/v1/sessions/${s.id}/messages`, {
        body: { request_id: "n1", content: "clean up" },
      })
    ).body;
    await a.prompt(1);
    await a.call({ type: "turn.started", turn_id: p.turn_id });
    const res = await a.call({
      type: "permission.request",
      id: "ent_perm_notify",
      turn_id: p.turn_id,
      tool_call: { tool_call_id: "c1", title: "rm -rf logs", kind: "execute" },
      options: [{ option_id: "allow", name: "Allow", kind: "allow_once" }],
    });
    expect(res.error).toBeUndefined();
    for (const who of [t.admin, author.call]) {
      const item = (await inbox(who)).items.find((i: any) => i.kind === "agent.permission" && i.session_id === s.id);
      expect(item).toMatchObject({ link: `/sessions/${s.id}`, body: expect.stringContaining("rm -rf logs") });
    }
  });

  it("hooks: a session that fails and a pull request that merges tell the session's owner", async () => {
    const db = t.server.database.db;
    const owner = await t.newUser("hooks-owner@example.com");
    const s = (await owner.call("POST", "/api/v1/sessions", { body: { name: "doomed" } })).body;
    const sessions = new SessionService(db, undefined, t.server.notifications);
    await sessions.transition(s.id, "failed", "The desktop stopped.");
    const failed = (await inbox(owner.call)).items.find((i: any) => i.kind === "session.failed");
    expect(failed).toMatchObject({ session_id: s.id, link: `/sessions/${s.id}`, body: "doomed: The desktop stopped." });

    const ownProject = (await owner.call("POST", "/api/v1/projects", { body: { name: "Merges" } })).body;
    const repoRes = await owner.call("POST", `/api/v1/projects/${ownProject.id}/repos`, { body: { name: "app" } });
    expect(repoRes.status, repoRes.text).toBe(201);
    const seed = await makeTempDir();
    await initWorkTree(seed.path);
    await commitFiles(seed.path, { "README.md": "# app\n" }, "first commit");
    await git(
      seed.path,
      "push",
      "--quiet",
      repoRes.body.clone_url.replace("http://", `http://strand:${owner.token}@`),
      "main",
    );
    await seed.remove();
    const created = await owner.call("POST", "/api/v1/sessions", {
      body: { name: "feature", project_id: ownProject.id, repo: "app", start: false },
    });
    expect(created.status, created.text).toBe(201);
    const work = created.body;
    const [repo] = await db.select().from(repos).where(eq(repos.projectId, ownProject.id));
    const prId = newId("pr");
    await db.insert(pullRequests).values({
      id: prId,
      sessionId: work.id,
      repoId: repo?.id as string,
      hostKind: "github",
      number: 42,
      url: "https://github.example/acme/app/pull/42",
      state: "open",
      head: work.branch,
      base: "main",
    });
    const projectsSvc = new ProjectService(db, `${t.dataDir}/git`, new SecretBox("unused in this test 0123"));
    const prs = new PullRequestService(db, projectsSvc, pino({ level: "silent" }), {
      notifier: t.server.notifications,
    });
    // The state change a host webhook or the poller makes.
    await (prs as unknown as { setState(id: string, state: string): Promise<boolean> }).setState(prId, "merged");
    const merged = (await inbox(owner.call)).items.find((i: any) => i.kind === "pull_request.merged");
    expect(merged).toMatchObject({
      session_id: work.id,
      project_id: ownProject.id,
      link: `/sessions/${work.id}`,
      body: expect.stringContaining("#42"),
    });
  });
});
