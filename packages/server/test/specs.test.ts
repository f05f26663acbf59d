import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { TestSocket } from "../../../test/support/ws.js";
import { events, tasks } from "../src/db/schema.js";
import { commitFiles, git, gitResult, initWorkTree, makeTempDir } from "../src/git/test-kit.js";
import { newId } from "../src/lib/ids.js";
import { takeOpenSpecComments } from "../src/specs/open-comments.js";

type Person = { call: Caller; id: string; token: string; email: string };

let t: TestServer;
let member: Person;
let viewer: Person;
let outsider: Person;
let tmp: { path: string; remove: () => Promise<void> };
let project: { id: string; slug: string };
let work: string;
let taskId: string;
const commits: string[] = [];

const BRANCH = "strand/7-login-lockout";
const DIR = "specs/7-login-lockout";
const withToken = (url: string, token: string) => url.replace("http://", `http://strand:${token}@`);

const REQUIREMENTS_V1 = [
  "# Requirements",
  "",
  "- The login form **must** lock after five failed attempts.",
  "- Locked users get an email with a link to unlock.",
  "",
].join("\n");
const DESIGN_V1 = "# Design\n\nStore failed attempts in Redis.\nExpire them after an hour.\n";
const TASKS_V2 = "# Tasks\n\n- [ ] Count failed attempts\n- [ ] Lock the account\n";

const spec = (who: Person, query = "") => who.call("GET", `/api/v1/tasks/${taskId}/spec${query}`);
const threads = (who: Person) => who.call("GET", `/api/v1/tasks/${taskId}/spec/threads`);
const comment = (who: Person, body: Record<string, unknown>) =>
  who.call("POST", `/api/v1/tasks/${taskId}/spec/threads`, { body });

/** Commits the files on the task branch and pushes them as the member; returns the commit. */
async function pushSpec(files: Record<string, string | null>, message: string): Promise<string> {
  await commitFiles(work, files, message);
  const pushed = await gitResult(work, "push", "origin", BRANCH);
  expect(pushed.ok, pushed.stderr).toBe(true);
  return (await git(work, "rev-parse", "HEAD")).trim();
}

/** What the task service does on a push that changed the spec: the next revision, at that commit. */
/** The revision the push of `commit` made: the server records one per push that changed the spec (tasks/). */
async function recordRevision(commit: string): Promise<number> {
  commits.push(commit);
  const found = await until(
    async () =>
      (await member.call("GET", `/api/v1/tasks/${taskId}/spec/revisions`)).body.items.find(
        (r: { commit: string }) => r.commit === commit,
      ),
    Boolean,
    `a spec revision for ${commit}`,
    10_000,
  );
  return (found as { number: number }).number;
}

beforeAll(async () => {
  t = await startTestServer();
  tmp = await makeTempDir("strand-specs-");
  const owner = await t.newUser("s-owner@example.com");
  member = { ...(await t.newUser("s-member@example.com")), email: "s-member@example.com" };
  viewer = { ...(await t.newUser("s-viewer@example.com")), email: "s-viewer@example.com" };
  outsider = { ...(await t.newUser("s-outsider@example.com")), email: "s-outsider@example.com" };
  const team = (await owner.call("POST", "/api/v1/teams", { body: { name: "Spec Team" } })).body;
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: member.email, role: "member" } });
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: viewer.email, role: "viewer" } });
  project = (await member.call("POST", "/api/v1/projects", { body: { name: "Specced", team_id: team.id } })).body;
  const repo = await member.call("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "app" } });
  expect(repo.status, repo.text).toBe(201);
  const cloneUrl = withToken(repo.body.clone_url, member.token);
  const seed = join(tmp.path, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# app\n" }, "first commit");
  await git(seed, "push", "--quiet", cloneUrl, "main");
  work = join(tmp.path, "work");
  await git(tmp.path, "clone", "--quiet", cloneUrl, work);
  await git(work, "switch", "--quiet", "-c", BRANCH);
  // The task row as the task service writes it; the spec review only reads it.
  taskId = newId("tsk");
  await t.server.database.db.insert(tasks).values({
    id: taskId,
    projectId: project.id,
    number: 7,
    slug: "login-lockout",
    title: "Login lockout",
    state: "spec_review",
    repo: "app",
    branch: BRANCH,
  });
});
afterAll(async () => {
  await t?.stop();
  await tmp?.remove();
});

describe(`spec review (${process.env.STRAND_TEST_DB})`, () => {
  it("shows no documents before a push, then a revision per push that changed the spec", async () => {
    const before = await spec(member);
    expect(before.status, before.text).toBe(200);
    expect(before.body).toEqual({
      revision: null,
      commit: null,
      latest_revision: null,
      documents: [
        { name: "requirements", path: `${DIR}/requirements.md`, content: null },
        { name: "design", path: `${DIR}/design.md`, content: null },
        { name: "tasks", path: `${DIR}/tasks.md`, content: null },
      ],
      missing: ["requirements", "design", "tasks"],
    });

    const first = await pushSpec(
      { [`${DIR}/requirements.md`]: REQUIREMENTS_V1, [`${DIR}/design.md`]: DESIGN_V1 },
      "spec: first draft",
    );
    expect(await recordRevision(first)).toBe(1);
    const firstSpec = (await spec(member)).body;
    expect(firstSpec).toMatchObject({ revision: 1, commit: first, latest_revision: 1, missing: ["tasks"] });
    expect(firstSpec.documents[0].content).toBe(REQUIREMENTS_V1);
    const requirementsV2 = REQUIREMENTS_V1.replace("five failed attempts", "three failed attempts");
    const second = await pushSpec(
      { [`${DIR}/requirements.md`]: requirementsV2, [`${DIR}/tasks.md`]: TASKS_V2 },
      "spec: address review",
    );
    expect(await recordRevision(second)).toBe(2);

    const latest = (await spec(member)).body;
    expect(latest).toMatchObject({ revision: 2, commit: second, latest_revision: 2, missing: [] });
    expect(latest.documents.map((d: { content: string }) => d.content)).toEqual([requirementsV2, DESIGN_V1, TASKS_V2]);
    const one = (await spec(member, "?revision=1")).body;
    expect(one).toMatchObject({ revision: 1, commit: first, latest_revision: 2, missing: ["tasks"] });
    expect(one.documents[0].content).toBe(REQUIREMENTS_V1);

    const listed = (await member.call("GET", `/api/v1/tasks/${taskId}/spec/revisions`)).body;
    expect(listed.items.map((r: { number: number; commit: string }) => [r.number, r.commit])).toEqual([
      [1, first],
      [2, second],
    ]);
    const none = await spec(member, "?revision=9");
    expect(none.status).toBe(404);
    expect(none.body.message).toBe("task 7 has no spec revision 9; its revisions are 1 to 2");
    expect((await spec(member, "?revision=zero")).status).toBe(400);
  });

  it("shows what changed in each document between two revisions", async () => {
    const diff = await member.call("GET", `/api/v1/tasks/${taskId}/spec/diff?from=1&to=2`);
    expect(diff.status, diff.text).toBe(200);
    expect(diff.body.from).toBe(1);
    expect(diff.body.to).toBe(2);
    const [requirements, design, taskList] = diff.body.files;
    expect(requirements).toMatchObject({
      document: "requirements",
      path: `${DIR}/requirements.md`,
      additions: 1,
      deletions: 1,
    });
    expect(requirements.patch).toContain("-- The login form **must** lock after five failed attempts.");
    expect(requirements.patch).toContain("+- The login form **must** lock after three failed attempts.");
    expect(design).toEqual({ document: "design", path: `${DIR}/design.md`, additions: 0, deletions: 0, patch: "" });
    expect(taskList).toMatchObject({ document: "tasks", additions: 4, deletions: 0 });
    expect(taskList.patch).toContain("new file mode");
    // `to` defaults to the latest revision.
    const toLatest = (await member.call("GET", `/api/v1/tasks/${taskId}/spec/diff?from=1`)).body;
    expect(toLatest.to).toBe(2);
    const bad = await member.call("GET", `/api/v1/tasks/${taskId}/spec/diff?from=1&to=5`);
    expect(bad.status).toBe(404);
    expect(bad.body.message).toMatch(/no spec revision 5; its revisions are 1 to 2/);
  });

  it("a member comments on a selection of the rendered text, replies, resolves and reopens", async () => {
    const created = await comment(member, {
      document: "requirements",
      // As the browser gives it: no Markdown, the list item's text.
      quote: "The login form must lock after three failed attempts.",
      prefix: "",
      suffix: "Locked users get",
      body: "Three is strict; say what the user sees.",
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      task_id: taskId,
      document: "requirements",
      quote: "The login form must lock after three failed attempts.",
      suffix: "Locked users get",
      revision: 2,
      outdated: false,
      resolved: false,
      sent_at: null,
      unsent: true,
      comments: [
        { author_id: member.id, author_email: member.email, body: "Three is strict; say what the user sees." },
      ],
    });
    const id = created.body.id;
    const replied = await member.call("POST", `/api/v1/tasks/${taskId}/spec/threads/${id}/comments`, {
      body: { body: "And for how long." },
    });
    expect(replied.status, replied.text).toBe(201);
    expect(replied.body.comments.map((c: { body: string }) => c.body)).toEqual([
      "Three is strict; say what the user sees.",
      "And for how long.",
    ]);
    const resolved = await member.call("PATCH", `/api/v1/tasks/${taskId}/spec/threads/${id}`, {
      body: { resolved: true },
    });
    expect(resolved.body).toMatchObject({ resolved: true, resolved_by: member.id });
    expect(resolved.body.resolved_at).not.toBeNull();
    const reopened = await member.call("PATCH", `/api/v1/tasks/${taskId}/spec/threads/${id}`, {
      body: { resolved: false },
    });
    expect(reopened.body).toMatchObject({ resolved: false, resolved_by: null, resolved_at: null });
    const list = (await threads(member)).body;
    expect(list.can_control).toBe(true);
    expect(list.items.map((th: { id: string }) => th.id)).toEqual([id]);

    const missingThread = await member.call("POST", `/api/v1/tasks/${taskId}/spec/threads/spt_nope/comments`, {
      body: { body: "x" },
    });
    expect(missingThread.status).toBe(404);
  });

  it("refuses a quote that is not in the latest revision, saying where to select from", async () => {
    const stale = await comment(member, {
      document: "requirements",
      quote: "lock after five failed attempts",
      body: "Five?",
    });
    expect(stale.status).toBe(422);
    expect(stale.body).toMatchObject({
      error: "quote_not_found",
      message:
        'the text "lock after five failed attempts" is not in requirements.md at revision 2; select text from the latest revision',
    });
    const wrongDocument = await comment(member, { document: "tasks", quote: "Store failed attempts", body: "x" });
    expect(wrongDocument.status).toBe(422);
    expect(wrongDocument.body.message).toMatch(/not in tasks\.md at revision 2/);
    const empty = await comment(member, { document: "design", quote: "  ", body: "x" });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/quote must not be empty/);
    const noBody = await comment(member, { document: "design", quote: "Redis", body: "" });
    expect(noBody.status).toBe(400);
    expect(noBody.body.message).toMatch(/body must not be empty/);
  });

  it("marks a thread outdated when a new revision no longer has its quote", async () => {
    const redis = await comment(member, {
      document: "design",
      quote: "Store failed attempts in Redis.",
      body: "Why Redis?",
    });
    const hour = await comment(member, { document: "design", quote: "Expire them after an hour.", body: "OK." });
    expect(redis.status, redis.text).toBe(201);
    expect(hour.status, hour.text).toBe(201);
    const third = await pushSpec(
      { [`${DIR}/design.md`]: "# Design\n\nStore failed attempts in the database.\nExpire them after an hour.\n" },
      "spec: use the database",
    );
    expect(await recordRevision(third)).toBe(3);
    const byId = new Map((await threads(member)).body.items.map((th: { id: string }) => [th.id, th]));
    expect(byId.get(redis.body.id)).toMatchObject({ outdated: true, revision: 2 });
    expect(byId.get(hour.body.id)).toMatchObject({ outdated: false, revision: 2 });
  });

  it("a viewer reads the spec and threads but may not comment; a stranger finds no such task", async () => {
    const url = `${t.url.replace("http", "ws")}/api/v1/events`;
    const viewerWs = new TestSocket(url, { authorization: `Bearer ${viewer.token}` });
    const outsiderWs = new TestSocket(url, { authorization: `Bearer ${outsider.token}` });
    await viewerWs.next((m) => m.type === "hello");
    await outsiderWs.next((m) => m.type === "hello");

    expect((await spec(viewer)).status).toBe(200);
    const seen = await threads(viewer);
    expect(seen.status).toBe(200);
    expect(seen.body.can_control).toBe(false);
    const [first] = seen.body.items;
    const refused = await comment(viewer, { document: "design", quote: "Expire them", body: "x" });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/your role in its team is viewer/);
    expect(
      (await viewer.call("POST", `/api/v1/tasks/${taskId}/spec/threads/${first.id}/comments`, { body: { body: "x" } }))
        .status,
    ).toBe(403);
    expect(
      (await viewer.call("PATCH", `/api/v1/tasks/${taskId}/spec/threads/${first.id}`, { body: { resolved: true } }))
        .status,
    ).toBe(403);

    for (const path of ["/spec", "/spec/revisions", "/spec/threads", "/spec/diff?from=1"]) {
      const r = await outsider.call("GET", `/api/v1/tasks/${taskId}${path}`);
      expect(r.status, path).toBe(404);
      expect(r.body.message, path).toBe(`task "${taskId}" does not exist`);
    }
    expect((await comment(outsider, { document: "design", quote: "Expire them", body: "x" })).status).toBe(404);

    // A member's reply reaches the viewer's task page live; the stranger's socket never hears of it.
    await member.call("POST", `/api/v1/tasks/${taskId}/spec/threads/${first.id}/comments`, { body: { body: "Live" } });
    const live = await viewerWs.next((m) => m.type === "event" && m.event.type === "spec.updated");
    expect(live.event).toMatchObject({ task_id: taskId, what: "thread", thread_id: first.id });
    expect(live.event.scope).toEqual({ type: "project", id: project.id });
    const marker = (await outsider.call("POST", "/api/v1/sessions", { body: { name: "marker", start: false } })).body;
    await outsiderWs.next((m) => m.type === "event" && m.event.session_id === marker.id);
    expect(outsiderWs.messages.some((m) => m.type === "event" && m.event.type === "spec.updated")).toBe(false);
    viewerWs.close();
    outsiderWs.close();
  });

  it("takeOpenSpecComments hands the open unsent threads to the agent once, outdated ones labelled", async () => {
    const before = (await threads(member)).body.items as { id: string; quote: string; resolved: boolean }[];
    const hour = before.find((th) => th.quote === "Expire them after an hour.") as { id: string };
    // A resolved thread does not go to the agent.
    await member.call("PATCH", `/api/v1/tasks/${taskId}/spec/threads/${hour.id}`, { body: { resolved: true } });

    const db = t.server.database.db;
    const prompt = await db.transaction((tx) => takeOpenSpecComments(tx, taskId));
    expect(prompt).not.toBeNull();
    const text = prompt as string;
    expect(text).toMatch(
      /^Review comments on your spec in `specs\/7-login-lockout\/` on `strand\/7-login-lockout`: 2 review threads\./,
    );
    expect(text).toContain(
      [
        "## 1. requirements.md",
        "> The login form must lock after three failed attempts.",
        `- ${member.email}: Three is strict; say what the user sees.`,
        `- ${member.email}: And for how long.`,
        `- ${member.email}: Live`,
      ].join("\n"),
    );
    expect(text).toContain(
      [
        "## 2. design.md (outdated: the text has changed since)",
        "> Store failed attempts in Redis.",
        `- ${member.email}: Why Redis?`,
      ].join("\n"),
    );
    expect(text).not.toContain("Expire them after an hour.");

    const after = (await threads(member)).body.items as { id: string; unsent: boolean; sent_at: string | null }[];
    const sent = after.filter((th) => th.id !== hour.id);
    expect(sent.every((th) => !th.unsent && th.sent_at !== null)).toBe(true);
    const recorded = await db
      .select({ payload: events.payload, teamId: events.teamId, ownerId: events.ownerId })
      .from(events)
      .where(eq(events.type, "spec.updated"));
    expect(recorded.map((e) => e.payload)).toContainEqual({ task_id: taskId, what: "sent", thread_id: null });
    expect(await db.transaction((tx) => takeOpenSpecComments(tx, taskId))).toBeNull();

    // A new reply is new to the agent: that thread goes again, with the whole discussion.
    const [first] = sent;
    await member.call("POST", `/api/v1/tasks/${taskId}/spec/threads/${first?.id}/comments`, {
      body: { body: "One more thing." },
    });
    const again = await db.transaction((tx) => takeOpenSpecComments(tx, taskId));
    expect(again).toContain("1 review thread.");
    expect(again).toContain(
      `- ${member.email}: And for how long.\n- ${member.email}: Live\n- ${member.email}: One more thing.`,
    );
  });
});
