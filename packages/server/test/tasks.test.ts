import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { sessions, specRevisions } from "../src/db/schema.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "../src/git/test-kit.js";
import { inState, SPEC, TaskAgent, taskUntil, withToken } from "./tasks-kit.js";

type Person = { call: Caller; id: string; token: string; email: string };

let t: TestServer;
let member: Person;
let viewer: Person;
let outsider: Person;
let tmp: { path: string; remove: () => Promise<void> };
let team: { id: string };
let project: { id: string; slug: string };
let cloneUrl: string;
const agents: TaskAgent[] = [];

async function newProject(name: string, body: Record<string, unknown> = {}) {
  const p = await member.call("POST", "/api/v1/projects", { body: { name, team_id: team.id, ...body } });
  expect(p.status, p.text).toBe(201);
  const repo = await member.call("POST", `/api/v1/projects/${p.body.id}/repos`, { body: { name: "app" } });
  expect(repo.status, repo.text).toBe(201);
  const seed = join(tmp.path, `seed-${p.body.slug}`);
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# app\n", "src/index.js": "export {};\n" }, "first commit");
  await git(seed, "push", "--quiet", withToken(repo.body.clone_url, member.token), "main");
  return { project: p.body as { id: string; slug: string }, cloneUrl: repo.body.clone_url as string };
}

const create = (body: Record<string, unknown>, p = project) =>
  member.call("POST", `/api/v1/projects/${p.id}/tasks`, { body });
const act = (id: string, action: string, body?: Record<string, unknown>, who = member) =>
  who.call("POST", `/api/v1/tasks/${id}/${action}`, body ? { body } : {});
const connect = async (task: any, url = cloneUrl, instance = "agentd-1") => {
  const a = await TaskAgent.connect(t, tmp.path, task, url, instance);
  agents.push(a);
  return a;
};
const bare = (p: { slug: string }) => join(t.dataDir, "git", p.slug, "app.git");
/** The session's plan entries as the chat shows them: each one's item statuses. */
const plans = async (sessionId: string) => {
  const list = await member.call("GET", `/api/v1/sessions/${sessionId}/messages?limit=500`);
  expect(list.status, list.text).toBe(200);
  return (list.body.items as any[])
    .filter((e) => e.kind === "plan")
    .map((e) => e.content.entries.map((i: any) => `${i.status} ${i.content}`));
};

beforeAll(async () => {
  t = await startTestServer({ STRAND_TASK_TICK_MS: "200" });
  tmp = await makeTempDir("strand-tasks-");
  const owner = await t.newUser("t-owner@example.com");
  member = { ...(await t.newUser("t-member@example.com")), email: "t-member@example.com" };
  viewer = { ...(await t.newUser("t-viewer@example.com")), email: "t-viewer@example.com" };
  outsider = { ...(await t.newUser("t-outsider@example.com")), email: "t-outsider@example.com" };
  team = (await owner.call("POST", "/api/v1/teams", { body: { name: "Board Team" } })).body;
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: member.email, role: "member" } });
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: viewer.email, role: "viewer" } });
  ({ project, cloneUrl } = await newProject("Board"));
});
afterAll(async () => {
  for (const a of agents) a.close();
  await t?.stop();
  await tmp?.remove();
});

describe(`tasks (${process.env.STRAND_TEST_DB})`, () => {
  it("creates numbered tasks with a slug, branch and spec path; viewers read, outsiders see nothing", async () => {
    const a = await create({ title: "Add a Greeting, please!", description: "Say hello.", labels: ["ui", "ui"] });
    expect(a.status, a.text).toBe(201);
    expect(a.body).toMatchObject({
      number: 1,
      slug: "add-a-greeting-please",
      state: "backlog",
      column: "backlog",
      mode: "spec",
      priority: "medium",
      labels: ["ui"],
      branch: "strand/1-add-a-greeting-please",
      spec_path: "specs/1-add-a-greeting-please",
      repo: "app",
      session_id: null,
      waiting: null,
      progress: { done: 0, total: 0 },
      can_control: true,
      transitions: [{ from: null, to: "backlog", by: { kind: "user", id: member.id, email: member.email } }],
    });
    const b = await create({ title: "Second", mode: "direct", priority: "high", assignee_id: viewer.id });
    expect(b.body).toMatchObject({ number: 2, mode: "direct", assignee_id: viewer.id, assignee_email: viewer.email });

    const list = await viewer.call("GET", `/api/v1/projects/${project.id}/tasks`);
    expect(list.status).toBe(200);
    expect(list.body.wip_limits).toEqual({ planning: 3, spec_review: 5, in_progress: 5 });
    expect(list.body.items.map((x: any) => x.number)).toEqual([1, 2]);
    expect((await viewer.call("GET", `/api/v1/projects/${project.id}/tasks?label=ui`)).body.items).toHaveLength(1);
    expect((await viewer.call("GET", `/api/v1/projects/${project.id}/tasks?q=hello`)).body.items).toHaveLength(1);
    expect((await viewer.call("GET", `/api/v1/tasks/${a.body.id}`)).body.can_control).toBe(false);

    const refused = await Promise.all([
      viewer.call("POST", `/api/v1/projects/${project.id}/tasks`, { body: { title: "x" } }),
      viewer.call("PATCH", `/api/v1/tasks/${a.body.id}`, { body: { title: "x" } }),
      act(a.body.id, "start", undefined, viewer),
      outsider.call("GET", `/api/v1/tasks/${a.body.id}`),
      outsider.call("GET", `/api/v1/projects/${project.id}/tasks`),
    ]);
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 404, 404]);

    const edited = await member.call("PATCH", `/api/v1/tasks/${a.body.id}`, {
      body: { title: "Add a greeting", priority: "urgent" },
    });
    expect(edited.body).toMatchObject({ title: "Add a greeting", priority: "urgent", slug: "add-a-greeting-please" });
    const empty = await create({ title: "  " });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/title must not be empty/);
  });

  it("refuses a dependency cycle, naming it, and dependencies on other projects' tasks", async () => {
    const one = (await create({ title: "Cycle one" })).body;
    const two = (await create({ title: "Cycle two", depends_on: [one.id] })).body;
    expect(two.depends_on).toEqual([one.id]);
    const three = (await create({ title: "Cycle three", depends_on: [two.id] })).body;
    const cycle = await member.call("PATCH", `/api/v1/tasks/${one.id}`, { body: { depends_on: [three.id] } });
    expect(cycle.status).toBe(422);
    expect(cycle.body.error).toBe("dependency_cycle");
    expect(cycle.body.message).toContain(`#${one.number} → #${three.number} → #${two.number} → #${one.number}`);
    const self = await member.call("PATCH", `/api/v1/tasks/${one.id}`, { body: { depends_on: [one.id] } });
    expect(self.body.error).toBe("dependency_cycle");
    const other = await newProject("Elsewhere");
    const foreign = (await create({ title: "Foreign" }, other.project)).body;
    const cross = await member.call("PATCH", `/api/v1/tasks/${one.id}`, { body: { depends_on: [foreign.id] } });
    expect(cross.status).toBe(422);
    expect(cross.body.error).toBe("dependency_not_found");
    expect((await member.call("GET", `/api/v1/tasks/${one.id}`)).body.depends_on).toEqual([]);
  });

  it("refuses to start a task whose project has no repo, and actions that do not fit the state", async () => {
    const p = (await member.call("POST", "/api/v1/projects", { body: { name: "No repo", team_id: team.id } })).body;
    const task = (await create({ title: "Nowhere to work" }, p)).body;
    expect(task.repo).toBeNull();
    const start = await act(task.id, "start");
    expect(start.status).toBe(422);
    expect(start.body.error).toBe("no_repo");
    expect(start.body.message).toMatch(/has no repo.*create or import one/);
    expect((await member.call("GET", `/api/v1/tasks/${task.id}`)).body).toMatchObject({
      state: "backlog",
      queued_for: null,
    });

    const approve = await act(task.id, "approve");
    expect(approve.status).toBe(409);
    expect(approve.body.error).toBe("not_in_review");
    expect((await act(task.id, "request-changes", { comments: "x" })).body.error).toBe("not_in_review");
    expect((await act(task.id, "retry")).body.error).toBe("not_failed");
    expect((await act(task.id, "nudge")).status).toBe(409);
    const drag = await act(task.id, "move", { column: "done" });
    expect(drag.status).toBe(409);
    expect(drag.body.error).toBe("bad_transition");
    expect(drag.body.details.allowed).toEqual(["planning", "in_progress"]);
    expect(drag.body.message).toMatch(/can move to: planning, in_progress/);
  });

  it("spec mode end to end: plan, nudge, review, revise, approve, implement, review, merge", async () => {
    const created = await create({ title: "Greet people", description: "A greet() function that says hello." });
    const id = created.body.id;
    const att = await member.call("POST", `/api/v1/tasks/${id}/attachments`, {
      body: {
        name: "mockup.txt",
        content_type: "text/plain",
        content_base64: Buffer.from("HELLO\n").toString("base64"),
      },
    });
    expect(att.status, att.text).toBe(201);
    const started = await act(id, "start");
    expect(started.status, started.text).toBe(200);
    const planning = await inState(member.call, id, "planning");
    expect(planning.session_id).toMatch(/^ses_/);
    const spec = planning.spec_path as string;
    const session = (await member.call("GET", `/api/v1/sessions/${planning.session_id}`)).body;
    expect(session).toMatchObject({
      name: `#${planning.number} Greet people`,
      branch: planning.branch,
      owner_id: member.id,
    });

    const a = await connect(planning);
    // The attachment was committed on the branch before the session started.
    expect(await git(a.work, "show", `HEAD:${spec}/attachments/mockup.txt`)).toBe("HELLO");
    const p1 = await a.turn(1, { [`${spec}/requirements.md`]: SPEC.requirements });
    expect(p1.content).toContain(`${spec}/requirements.md`);
    expect(p1.content).toContain(`${spec}/attachments/mockup.txt`);
    expect(p1.content).toContain("/api/v1/agent/task");
    expect(p1.content).toMatch(/Do not implement it yet/);
    // Missing files: the task says which, and stays in planning for a Nudge.
    const missing = await taskUntil(member.call, id, (x) => /missing/.test(x.state_reason ?? ""), "missing files");
    expect(missing).toMatchObject({ state: "planning", state_reason: "the spec is missing design.md, tasks.md" });

    const nudged = await act(id, "nudge");
    expect(nudged.status, nudged.text).toBe(200);
    const p2 = await a.turn(2, { [`${spec}/design.md`]: SPEC.design, [`${spec}/tasks.md`]: SPEC.tasks });
    expect(p2.content).toContain(`${spec}/design.md`);
    expect(p2.content).toContain(`${spec}/tasks.md`);
    const review = await inState(member.call, id, "spec_review");
    expect(review.progress).toEqual({ done: 0, total: 3 });
    // The checklist is the session's plan, as an ACP runtime's own plan would be.
    expect(await plans(planning.session_id)).toEqual([
      ["pending Write greet()", "pending Test it", "pending Document it"],
    ]);
    expect(review.transitions.at(-1)).toMatchObject({
      from: "planning",
      to: "spec_review",
      by: { kind: "agent", id: planning.session_id },
    });
    const db = t.server.database.db;
    const revisions = async () =>
      (await db.select().from(specRevisions).where(eq(specRevisions.taskId, id))).map((r) => r.number).sort();
    expect(await revisions()).toEqual([1, 2]);

    // The agent reads its own task with its session token, and nobody else's.
    const agentApi = t.as({ token: a.token });
    const mine = await agentApi("GET", "/api/v1/agent/task");
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.task.id).toBe(id);
    expect(mine.body.checklist.map((c: any) => c.text)).toEqual(["Write greet()", "Test it", "Document it"]);
    expect((await agentApi("GET", `/api/v1/tasks/${id}`)).status).toBe(401);

    const nothing = await act(id, "request-changes", {});
    expect(nothing.status).toBe(409);
    expect(nothing.body.error).toBe("nothing_to_send");
    const changes = await act(id, "request-changes", { comments: "Also greet by name." });
    expect(changes.status, changes.text).toBe(200);
    expect(changes.body.state).toBe("spec_revision");
    const p3 = await a.turn(3, { [`${spec}/design.md`]: `${SPEC.design}\n`.replace("greet()", "greet(name)") });
    expect(p3.content).toContain("Also greet by name.");
    await inState(member.call, id, "spec_review");
    expect(await revisions()).toEqual([1, 2, 3]);

    const approved = await act(id, "approve");
    expect(approved.status, approved.text).toBe(200);
    const implementing = await inState(member.call, id, "implementing");
    expect(implementing.session_id).toBe(planning.session_id);
    const p4 = await a.agent.prompt(4, 10_000);
    const specHead = (await git(a.work, "rev-parse", "HEAD")).trim();
    expect(p4.content).toContain(specHead.slice(0, 12));
    expect(p4.content).toMatch(/Implement it now/);
    await a.agent.call({ type: "turn.started", turn_id: p4.turn_id });
    await a.push(
      {
        "src/greet.js": "export const greet = (name) => 'hello ' + name;\n",
        [`${spec}/tasks.md`]: SPEC.tasks.replace("- [ ] Write greet()", "- [x] Write greet()"),
      },
      "implement greet",
    );
    // The agent ticks another item through the API.
    const ticked = await agentApi("POST", "/api/v1/agent/task/checklist", { body: { index: 1, done: true } });
    expect(ticked.status, ticked.text).toBe(200);
    expect(ticked.body.task.progress).toEqual({ done: 2, total: 3 });
    // The implement turn has its own plan entry, which the push and the tick both updated.
    expect(await plans(planning.session_id)).toEqual([
      ["pending Write greet()", "pending Test it", "pending Document it"],
      ["completed Write greet()", "completed Test it", "in_progress Document it"],
    ]);
    expect((await agentApi("POST", "/api/v1/agent/task/checklist", { body: { index: 9, done: true } })).status).toBe(
      422,
    );
    const asked = await agentApi("POST", "/api/v1/agent/task/questions", { body: { question: "Which locale?" } });
    expect(asked.status, asked.text).toBe(201);
    await a.agent.call({ type: "turn.finished", turn_id: p4.turn_id, stop_reason: "end_turn" });
    const code = await inState(member.call, id, "code_review");
    expect(code.progress).toEqual({ done: 2, total: 3 });
    expect((await plans(planning.session_id)).at(-1)).toEqual([
      "completed Write greet()",
      "completed Test it",
      "pending Document it",
    ]);
    expect(code.column).toBe("code_review");

    const done = await act(id, "approve");
    expect(done.status, done.text).toBe(200);
    expect(done.body.state).toBe("done");
    expect(done.body.transitions.slice(-2).map((x: any) => [x.from, x.to])).toEqual([
      ["code_review", "merging"],
      ["merging", "done"],
    ]);
    // Merged on the default branch.
    expect(await git(tmp.path, "--git-dir", bare(project), "show", "main:src/greet.js")).toContain("hello");
    expect(await git(tmp.path, "--git-dir", bare(project), "show", `main:${spec}/requirements.md`)).toBe(
      SPEC.requirements.trim(),
    );
  });

  it("direct mode: implements at once; code review comments go back to the agent; approve merges", async () => {
    const task = (await create({ title: "Fix the readme", mode: "direct" })).body;
    await act(task.id, "start");
    const implementing = await inState(member.call, task.id, "implementing");
    const a = await connect(implementing);
    const p1 = await a.turn(1, { "README.md": "# app\n\nFixed.\n" });
    expect(p1.content).toMatch(/Implement this task/);
    expect(p1.content).toContain("Fix the readme");
    await inState(member.call, task.id, "code_review");
    const changes = await act(task.id, "request-changes", { comments: "Say what was fixed." });
    expect(changes.status, changes.text).toBe(200);
    expect(changes.body.state).toBe("code_revision");
    const p2 = await a.turn(2, { "README.md": "# app\n\nFixed the title.\n" });
    expect(p2.content).toContain("Say what was fixed.");
    await inState(member.call, task.id, "code_review");
    const done = await act(task.id, "approve");
    expect(done.body.state, done.text).toBe("done");
    expect(await git(tmp.path, "--git-dir", bare(project), "show", "main:README.md")).toContain("Fixed the title.");
    // Its desktop has nothing left to do: stopped, its workspace kept.
    const s = (await member.call("GET", `/api/v1/sessions/${done.body.session_id}`)).body;
    expect(s.desired_state).toBe("stopped");
  });

  it("cancelling withdraws the prompts the task sent, so starting it again does not replay them", async () => {
    const task = (await create({ title: "Change of plan", mode: "direct" })).body;
    await act(task.id, "start");
    const working = await inState(member.call, task.id, "implementing");
    // No agentd yet: the implement prompt waits in the session's queue.
    const queued = async () =>
      ((await member.call("GET", `/api/v1/sessions/${working.session_id}/messages`)).body.items as any[]).filter(
        (e) => e.kind === "user",
      );
    const [stale] = await queued();
    expect(stale).toMatchObject({ status: "queued" });
    const cancelled = await act(task.id, "cancel");
    expect(cancelled.body.state, cancelled.text).toBe("cancelled");
    expect((await queued())[0]).toMatchObject({
      id: stale.id,
      status: "cancelled",
      content: { error: `task #${task.number} was cancelled` },
    });
    expect((await member.call("GET", `/api/v1/sessions/${working.session_id}`)).body.desired_state).toBe("stopped");

    expect((await act(task.id, "move", { column: "backlog" })).body.state).toBe("backlog");
    expect((await act(task.id, "start")).status).toBe(200);
    const again = await inState(member.call, task.id, "implementing");
    const a = await connect(again);
    const p = await a.turn(1, { "src/plan-b.js": "// plan b\n" });
    // The first prompt agentd gets is the new one; the withdrawn one never arrives.
    expect(p.entry_id).not.toBe(stale.id);
    await inState(member.call, task.id, "code_review");
    expect(a.agent.prompts().map((x) => x.entry_id)).toEqual([p.entry_id]);
  });

  it("an implementation turn that ends without commits fails with the reason, and Retry runs it again", async () => {
    const task = (await create({ title: "Do nothing", mode: "direct" })).body;
    await act(task.id, "start");
    const a = await connect(await inState(member.call, task.id, "implementing"));
    await a.turn(1, null);
    const failed = await inState(member.call, task.id, "implementation_failed");
    expect(failed.state_reason).toMatch(/without a commit on strand\/\d+-do-nothing beyond main/);
    expect(failed.column).toBe("in_progress");
    const retried = await act(task.id, "retry");
    expect(retried.status, retried.text).toBe(200);
    await inState(member.call, task.id, "implementing");
    const p2 = await a.turn(2, { "src/nothing.js": "// something after all\n" });
    expect(p2.content).toMatch(/last attempt .* ended without finishing/);
    await inState(member.call, task.id, "code_review");
  });

  it("a session killed mid-implementation fails the task with the session's reason; Retry restarts it", async () => {
    const task = (await create({ title: "Crash me", mode: "direct" })).body;
    await act(task.id, "start");
    const a = await connect(await inState(member.call, task.id, "implementing"));
    await a.turn(1, { "src/crash.js": "// half\n" }, { finish: false });
    const db = t.server.database.db;
    const { SessionService } = await import("../src/sessions/service.js");
    // As the node reports a container that died.
    await new SessionService(db).transition(a.sessionId, "failed", "the desktop exited with code 137");
    a.close();
    const failed = await inState(member.call, task.id, "implementation_failed");
    expect(failed.state_reason).toMatch(/interrupted|the desktop exited with code 137/);
    const retried = await act(task.id, "retry");
    expect(retried.status, retried.text).toBe(200);
    await inState(member.call, task.id, "implementing");
    const [s] = await db.select().from(sessions).where(eq(sessions.id, a.sessionId));
    expect(s?.desiredState).toBe("running");
    const again = await connect({ ...failed, session_id: a.sessionId }, cloneUrl, "agentd-2");
    const p = await again.turn(1, { "src/crash.js": "// whole\n" });
    expect(p.content).toMatch(/last attempt/);
    await inState(member.call, task.id, "code_review");
  });

  it("a WIP limit of 1 holds a second task with its reason and starts it when the first leaves planning", async () => {
    const { project: p, cloneUrl: url } = await newProject("Limited", { wip_limits: { planning: 1 } });
    const first = (await create({ title: "First in line" }, p)).body;
    const second = (await create({ title: "Second in line" }, p)).body;
    await act(first.id, "start");
    await inState(member.call, first.id, "planning");
    const held = await act(second.id, "start");
    expect(held.body).toMatchObject({
      state: "backlog",
      queued_for: "planning",
      waiting: "waiting: 1 of 1 in planning",
    });
    const dragged = await act(second.id, "move", { column: "planning" });
    expect(dragged.status).toBe(409);
    const a = await connect(await inState(member.call, first.id, "planning"), url);
    const spec = first.spec_path;
    await a.turn(1, {
      [`${spec}/requirements.md`]: SPEC.requirements,
      [`${spec}/design.md`]: SPEC.design,
      [`${spec}/tasks.md`]: SPEC.tasks,
    });
    await inState(member.call, first.id, "spec_review");
    const started = await inState(member.call, second.id, "planning");
    expect(started).toMatchObject({ waiting: null, queued_for: null });
  });

  it("a planning turn that ends while Spec review is full keeps its place in Planning with the reason", async () => {
    const { project: p, cloneUrl: url } = await newProject("Review jam", { wip_limits: { spec_review: 1 } });
    const plan = async (title: string, instance: string) => {
      const task = (await create({ title }, p)).body;
      await act(task.id, "start");
      const a = await connect(await inState(member.call, task.id, "planning"), url, instance);
      await a.turn(1, {
        [`${task.spec_path}/requirements.md`]: SPEC.requirements,
        [`${task.spec_path}/design.md`]: SPEC.design,
        [`${task.spec_path}/tasks.md`]: SPEC.tasks,
      });
      return task;
    };
    const first = await plan("Reviewed first", "agentd-jam-1");
    await inState(member.call, first.id, "spec_review");
    const second = await plan("Reviewed second", "agentd-jam-2");
    const held = await taskUntil(member.call, second.id, (x) => x.waiting !== null, "the spec review limit");
    expect(held).toMatchObject({ state: "planning", waiting: "waiting: 1 of 1 in spec review" });
    // The first leaves Spec review: the second's written spec moves in by itself.
    expect((await act(first.id, "approve")).body.state).toBe("implementing");
    expect(await inState(member.call, second.id, "spec_review")).toMatchObject({ waiting: null });
  });

  it("a session deleted under a working task fails it with the reason; Retry starts a new session", async () => {
    const task = (await create({ title: "Lose the desktop", mode: "direct" })).body;
    await act(task.id, "start");
    const working = await inState(member.call, task.id, "implementing");
    const deleted = await member.call("DELETE", `/api/v1/sessions/${working.session_id}`);
    expect(deleted.status, deleted.text).toBeLessThan(300);
    const failed = await inState(member.call, task.id, "implementation_failed");
    expect(failed.state_reason).toBe("its session was deleted");
    expect((await act(task.id, "retry")).status).toBe(200);
    const again = await inState(member.call, task.id, "implementing");
    expect(again.session_id).toMatch(/^ses_/);
    expect(again.session_id).not.toBe(working.session_id);
    const a = await connect(again);
    const p = await a.turn(1, { "src/desktop.js": "// found again\n" });
    expect(p.content).toMatch(/last attempt/);
    await inState(member.call, task.id, "code_review");
  });

  it("a dependency holds a started task until it is done", async () => {
    const dep = (await create({ title: "Comes first" })).body;
    const later = (await create({ title: "Comes later", depends_on: [dep.id], mode: "direct" })).body;
    const held = await act(later.id, "start");
    expect(held.body).toMatchObject({ state: "backlog", waiting: `waiting for #${dep.number} to be done` });
    const cancelled = await act(later.id, "cancel");
    expect(cancelled.body).toMatchObject({ state: "cancelled", queued_for: null });
    const back = await act(later.id, "move", { column: "backlog" });
    expect(back.body.state).toBe("backlog");
    expect((await member.call("DELETE", `/api/v1/tasks/${later.id}`)).status).toBe(204);
    expect((await member.call("GET", `/api/v1/tasks/${later.id}`)).status).toBe(404);
  });

  it("a session that works on no task gets 404 no_task from the agent task API", async () => {
    const s = (await member.call("POST", "/api/v1/sessions", { body: { name: "Loose", start: false } })).body;
    const { sessionToken } = await import("../../../test/support/agent-socket.js");
    const agentApi = t.as({ token: await sessionToken(t.server.database.db, member.id, s.id) });
    const none = await agentApi("GET", "/api/v1/agent/task");
    expect(none.status).toBe(404);
    expect(none.body.error).toBe("no_task");
    expect((await agentApi("POST", "/api/v1/agent/task/questions", { body: { question: "?" } })).status).toBe(404);
    // A person's token is not a session's.
    expect((await member.call("GET", "/api/v1/agent/task")).status).toBeGreaterThanOrEqual(401);
  });
});
