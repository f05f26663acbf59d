import { join } from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { ConversationService } from "../src/conversations/service.js";
import { SecretBox } from "../src/crypto/secret-box.js";
import { loadServerSecret } from "../src/crypto/server-secret.js";
import { conversationEntries, sessions, tasks, taskTransitions } from "../src/db/schema.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "../src/git/test-kit.js";
import type { NotifyInput } from "../src/notifications/notify.js";
import { ReviewService } from "../src/projects/review.js";
import { ProjectService } from "../src/projects/service.js";
import { PullRequestService } from "../src/pull-requests/service.js";
import { ReviewThreadService } from "../src/review/service.js";
import { TaskOrchestrator } from "../src/tasks/orchestrator.js";
import { transitionTask } from "../src/tasks/transition.js";
import { inState, TaskAgent, withToken } from "./tasks-kit.js";

// The server's own orchestrator ticks once an hour here: only events and restarts wake it, so the
// tests decide when a pass runs.
const SLOW = { STRAND_TASK_TICK_MS: "3600000" };

let t: TestServer;
let member: { call: Caller; id: string; token: string };
let tmp: { path: string; remove: () => Promise<void> };
const agents: TaskAgent[] = [];

async function newProject(name: string, wip?: Record<string, number>) {
  const p = (await member.call("POST", "/api/v1/projects", { body: { name, ...(wip ? { wip_limits: wip } : {}) } }))
    .body;
  const repo = (await member.call("POST", `/api/v1/projects/${p.id}/repos`, { body: { name: "app" } })).body;
  const seed = join(tmp.path, `seed-${p.slug}`);
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# app\n\nline one\n" }, "first commit");
  await git(seed, "push", "--quiet", withToken(repo.clone_url, member.token), "main");
  return { project: p as { id: string; slug: string }, cloneUrl: repo.clone_url as string, seed };
}

/** What a start committed before the process died: asked (history row) and queued, nothing else. */
async function queueBehindTheServersBack(taskId: string, target: "planning" | "implementing") {
  const db = t.server.database.db;
  await db.insert(taskTransitions).values({
    taskId,
    fromState: "backlog",
    toState: "backlog",
    actorKind: "user",
    actorId: member.id,
    reason: `asked to start: queued for ${target}`,
  });
  await db.update(tasks).set({ queuedFor: target }).where(eq(tasks.id, taskId));
}

/** Another replica: its own orchestrator and services over the same database and git data. */
function replica(server: TestServer) {
  const db = server.server.database.db;
  const log = pino({ level: "silent" });
  const box = new SecretBox(loadServerSecret({ secret: undefined, dataDir: server.dataDir, log }));
  const projects = new ProjectService(db, join(server.dataDir, "git"), box);
  const review = new ReviewService(db, projects);
  const reviewThreads = new ReviewThreadService(db, review, new ConversationService(db));
  const pullRequests = new PullRequestService(db, projects, log);
  return new TaskOrchestrator({ db, projects, review, reviewThreads, pullRequests, log }, { tickMs: 3_600_000 });
}

async function sessionsOf(taskIds: string[]) {
  const rows = await t.server.database.db
    .select({ id: tasks.id, branch: tasks.branch })
    .from(tasks)
    .where(inArray(tasks.id, taskIds));
  const branches = rows.map((r) => r.branch as string);
  return t.server.database.db.select().from(sessions).where(inArray(sessions.branch, branches));
}

beforeAll(async () => {
  t = await startTestServer(SLOW);
  tmp = await makeTempDir("strand-orchestrator-");
  member = await t.newUser("o-member@example.com");
});
afterAll(async () => {
  for (const a of agents) a.close();
  await t?.stop();
  await tmp?.remove();
});

describe(`task orchestrator faults (${process.env.STRAND_TEST_DB})`, () => {
  it("resumes after a restart: a task left queued with no session is started, exactly once", async () => {
    const { project } = await newProject("Resumed");
    const task = (await member.call("POST", `/api/v1/projects/${project.id}/tasks`, { body: { title: "Left behind" } }))
      .body;
    await queueBehindTheServersBack(task.id, "planning");
    // The branch may already exist from the attempt that died: it is reused as it is.
    t = await t.restart({ STRAND_TASK_TICK_MS: "100" });
    member = { ...member, call: t.as({ token: member.token }) };
    const planning = await inState(member.call, task.id, "planning");
    expect(planning.session_id).toMatch(/^ses_/);
    // A second task started through the API after it is a marker that later passes have run.
    const marker = (await member.call("POST", `/api/v1/projects/${project.id}/tasks`, { body: { title: "Marker" } }))
      .body;
    await member.call("POST", `/api/v1/tasks/${marker.id}/start`);
    await inState(member.call, marker.id, "planning");
    const made = await sessionsOf([task.id]);
    expect(made.map((s) => s.id)).toEqual([planning.session_id]);
    const prompts = await t.server.database.db
      .select()
      .from(conversationEntries)
      .where(and(eq(conversationEntries.sessionId, planning.session_id), eq(conversationEntries.kind, "user")));
    expect(prompts).toHaveLength(1);
    t = await t.restart(SLOW);
    member = { ...member, call: t.as({ token: member.token }) };
  });

  it("two replicas ticking at once start each queued task exactly once", async () => {
    const { project } = await newProject("Raced", { planning: 20 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const task = (
        await member.call("POST", `/api/v1/projects/${project.id}/tasks`, { body: { title: `Raced ${i}` } })
      ).body;
      await queueBehindTheServersBack(task.id, "planning");
      ids.push(task.id);
    }
    const a = replica(t);
    const b = replica(t);
    await Promise.all(Array.from({ length: 6 }, () => [a.tick(), b.tick(), a.advance(ids[0] as string)]).flat());
    await Promise.all([a.idle(), b.idle()]);
    const rows = await t.server.database.db.select().from(tasks).where(inArray(tasks.id, ids));
    expect(rows.map((r) => r.state)).toEqual(ids.map(() => "planning"));
    const made = await sessionsOf(ids);
    expect(made).toHaveLength(ids.length);
    expect(new Set(made.map((s) => s.branch)).size).toBe(ids.length);
    const starts = await t.server.database.db
      .select()
      .from(taskTransitions)
      .where(and(inArray(taskTransitions.taskId, ids), eq(taskTransitions.toState, "planning")));
    expect(starts).toHaveLength(ids.length);
    const prompts = await t.server.database.db
      .select()
      .from(conversationEntries)
      .where(
        and(
          inArray(
            conversationEntries.sessionId,
            made.map((s) => s.id),
          ),
          eq(conversationEntries.kind, "user"),
        ),
      );
    expect(prompts).toHaveLength(ids.length);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a merge conflict on approve goes back to the agent with the conflicting files", async () => {
    const { project, cloneUrl, seed } = await newProject("Conflicted");
    const task = (
      await member.call("POST", `/api/v1/projects/${project.id}/tasks`, {
        body: { title: "Edit line", mode: "direct" },
      })
    ).body;
    await member.call("POST", `/api/v1/tasks/${task.id}/start`);
    const implementing = await inState(member.call, task.id, "implementing");
    const agent = await TaskAgent.connect(t, tmp.path, implementing, cloneUrl);
    agents.push(agent);
    await agent.turn(1, { "README.md": "# app\n\nline one, by the agent\n" });
    await inState(member.call, task.id, "code_review");
    // Meanwhile someone changes the same line on main.
    await commitFiles(seed, { "README.md": "# app\n\nline one, by a person\n" }, "person edits");
    await git(seed, "push", "--quiet", withToken(cloneUrl, member.token), "main");
    const approved = await member.call("POST", `/api/v1/tasks/${task.id}/approve`);
    expect(approved.status, approved.text).toBe(200);
    const back = await inState(member.call, task.id, "code_revision");
    expect(back.state_reason).toBe("merge conflict in README.md: the agent is resolving it");
    const prompt = await agent.agent.prompt(2, 10_000);
    expect(prompt.content).toContain("`README.md`");
    expect(prompt.content).toMatch(/git merge origin\/main/);
  });

  it("a transition tells the assignee and the creator once each, inside its transaction", async () => {
    const { project } = await newProject("Told");
    const other = await t.newUser("o-assignee@example.com");
    const task = (
      await member.call("POST", `/api/v1/projects/${project.id}/tasks`, {
        body: { title: "Tell people", assignee_id: other.id },
      })
    ).body;
    const told: NotifyInput[] = [];
    const notifier = { notify: async (_tx: unknown, input: NotifyInput) => void told.push(input) };
    await t.server.database.db.transaction(async (tx) => {
      await transitionTask(
        tx,
        task.id,
        {
          to: "cancelled",
          by: { kind: "system" },
          reason: "test",
          notify: { kind: "task.failed", title: "T", body: "B" },
        },
        notifier,
      );
    });
    expect(told).toEqual([
      {
        kind: "task.failed",
        title: "T",
        body: "B",
        link: `/tasks/${task.id}`,
        projectId: project.id,
        taskId: task.id,
        sessionId: null,
        recipients: [other.id, member.id],
      },
    ]);
    // A transition the state machine refuses tells nobody and changes nothing.
    await expect(
      t.server.database.db.transaction((tx) =>
        transitionTask(
          tx,
          task.id,
          { to: "done", by: { kind: "system" }, notify: { kind: "task.done", title: "", body: "" } },
          notifier,
        ),
      ),
    ).rejects.toMatchObject({ statusCode: 409, code: "bad_transition" });
    expect(told).toHaveLength(1);
    expect((await member.call("GET", `/api/v1/tasks/${task.id}`)).body.state).toBe("cancelled");
  });
});
