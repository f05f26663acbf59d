import {
  type AddAttachmentBody,
  type AgentTask,
  type AskReviewerBody,
  type BoardColumn,
  COLUMN_OF_STATE,
  type CreateTaskBody,
  DEFAULT_WIP_LIMITS,
  FINAL_PROMPT_STATUSES,
  type ListTasksQuery,
  type MoveTaskBody,
  type RequestChangesBody,
  type TaskAttachment,
  type TaskDetail,
  type TaskList,
  type TaskState,
  type TickChecklistBody,
  type UpdateTaskBody,
} from "@strand/protocol";
import { and, asc, eq, ilike, inArray, or, sql } from "drizzle-orm";
import { lockSession } from "../conversations/entries.js";
import { ConversationService, withdrawPrompts } from "../conversations/service.js";
import type { Db } from "../db/database.js";
import { uniqueViolation } from "../db/errors.js";
import {
  conversationEntries,
  projects,
  repos,
  sessions,
  taskAttachments,
  taskDependencies,
  tasks,
  taskTransitions,
  users,
} from "../db/schema.js";
import { recordTaskEvent } from "../events/record.js";
import { readFileAt } from "../git/index.js";
import { HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import type { Notifier } from "../notifications/notify.js";
import { type Actor, accessTo, assertAccess, personOf } from "../policy/policy.js";
import { ownedProject, type ProjectService } from "../projects/service.js";
import type { ProjectRow } from "../projects/to-project.js";
import type { ReviewThreadService } from "../review/service.js";
import type { SessionService } from "../sessions/service.js";
import { takeOpenSpecComments } from "../specs/open-comments.js";
import { parseChecklist, progressOf, withTicks } from "./checklist.js";
import { headOf } from "./git-work.js";
import { promptTaskOf, type TaskOrchestrator } from "./orchestrator.js";
import { syncTaskPlan } from "./plan-entry.js";
import { codeRevisionExtra, specRevisionPrompt } from "./prompts.js";
import { branchOf, specPathOf, taskSlug } from "./slug.js";
import { type TaskRow, toAttachment, toTaskOne, toTasks, transitionsOf } from "./to-task.js";
import {
  audienceOfProject,
  badTransition,
  lockTask,
  patchTask,
  recipientsOf,
  type TaskPatch,
  transitionTask,
} from "./transition.js";

const FINAL: readonly string[] = FINAL_PROMPT_STATUSES;
/** States no session works in: a task may be deleted, or given attachments, only then. */
const IDLE_STATES: readonly TaskState[] = ["backlog", "done", "cancelled", "planning_failed", "implementation_failed"];
const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export interface TaskServiceDeps {
  db: Db;
  projects: ProjectService;
  sessions: SessionService;
  reviewThreads: ReviewThreadService;
  orchestrator: TaskOrchestrator;
  notifier?: Notifier | undefined;
}

const unprocessable = (code: string, message: string, details?: unknown) => new HttpError(422, code, message, details);

/**
 * Tasks on a project's board (docs/tasks.md). A task's access is its project's: viewers read,
 * members and up change. Every write is one transaction holding the task's row lock; state
 * changes go through transitionTask, and what needs an agent is handed to the orchestrator
 * (`queued_for`), which starts it when dependencies and WIP limits allow.
 */
export class TaskService {
  constructor(private readonly d: TaskServiceDeps) {}

  private get db() {
    return this.d.db;
  }

  // ---- Reads ----

  async list(actor: Actor, projectId: string, q: ListTasksQuery): Promise<TaskList> {
    const project = await this.d.projects.row(actor, projectId, "view");
    const where = [eq(tasks.projectId, project.id)];
    if (q.state) where.push(eq(tasks.state, q.state));
    if (q.assignee_id) where.push(eq(tasks.assigneeId, q.assignee_id));
    if (q.label) where.push(sql`${tasks.labels} @> ${JSON.stringify([q.label])}::jsonb`);
    if (q.q) {
      for (const word of q.q.split(/\s+/).filter(Boolean)) {
        const like = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        where.push(or(ilike(tasks.title, like), ilike(tasks.description, like)) as ReturnType<typeof eq>);
      }
    }
    const rows = await this.db
      .select()
      .from(tasks)
      .where(and(...where))
      .orderBy(asc(tasks.number));
    return { items: await toTasks(this.db, rows), wip_limits: { ...DEFAULT_WIP_LIMITS, ...project.wipLimits } };
  }

  async get(actor: Actor, id: string): Promise<TaskDetail> {
    const { row, canControl } = await this.find(actor, id, "view");
    return this.detail(row, canControl);
  }

  /** The task and whether the actor may change it; 404 when they may not see it, 403 for a viewer's change. */
  private async find(actor: Actor, id: string, need: "view" | "control") {
    const [row] = await this.db.select().from(tasks).where(eq(tasks.id, id));
    if (!row) throw notFound("task", id);
    const [project] = await this.db.select().from(projects).where(eq(projects.id, row.projectId));
    if (!project) throw notFound("task", id);
    const access = accessTo(actor, ownedProject(project));
    assertAccess(actor, ownedProject(project), need, { kind: "task", id }, access);
    return { row, project, canControl: access === "control" };
  }

  private async detail(row: TaskRow, canControl = true, db: Db = this.db): Promise<TaskDetail> {
    return { ...(await toTaskOne(db, row)), transitions: await transitionsOf(db, row.id), can_control: canControl };
  }

  private async reload(id: string): Promise<TaskDetail> {
    const [row] = await this.db.select().from(tasks).where(eq(tasks.id, id));
    if (!row) throw notFound("task", id);
    return this.detail(row);
  }

  // ---- Create, edit, delete ----

  async create(actor: Actor, projectId: string, body: CreateTaskBody): Promise<TaskDetail> {
    const person = personOf(actor);
    const project = await this.d.projects.row(actor, projectId, "control");
    const all = await this.d.projects.repos(project);
    const repo = body.repo ? all.find((r) => r.name === body.repo) : all[0];
    if (body.repo && !repo) {
      throw unprocessable(
        "no_repo",
        `project ${project.slug} has no repo ${body.repo}; it has: ${all.map((r) => r.name).join(", ") || "none"}`,
      );
    }
    if (body.assignee_id) await this.assertPerson(body.assignee_id);
    const title = body.title.trim();
    const slug = taskSlug(title);
    const id = await this.db.transaction(async (tx) => {
      // The project row lock numbers tasks without gaps or repeats across replicas.
      const [locked] = await tx.select().from(projects).where(eq(projects.id, project.id)).for("update");
      if (!locked) throw notFound("project", projectId);
      const number = locked.nextTaskNumber;
      await tx
        .update(projects)
        .set({ nextTaskNumber: number + 1 })
        .where(eq(projects.id, project.id));
      const now = new Date();
      const id = newId("tsk");
      await tx.insert(tasks).values({
        id,
        projectId: project.id,
        number,
        slug,
        title,
        description: body.description ?? "",
        mode: body.mode ?? "spec",
        priority: body.priority ?? "medium",
        labels: dedupe(body.labels ?? []),
        assigneeId: body.assignee_id ?? null,
        createdBy: person.userId,
        repo: repo?.name ?? null,
        branch: branchOf(locked.branchPrefix, number, slug),
        stateChangedAt: now,
        createdAt: now,
        updatedAt: now,
      });
      await this.setDependencies(tx, project.id, id, number, body.depends_on ?? []);
      await tx.insert(taskTransitions).values({
        taskId: id,
        fromState: null,
        toState: "backlog",
        actorKind: "user",
        actorId: person.userId,
        reason: "created",
        createdAt: now,
      });
      const [row] = await tx.select().from(tasks).where(eq(tasks.id, id));
      const task = await toTaskOne(tx, row as TaskRow);
      await recordTaskEvent(tx, "task.created", await audienceOfProject(tx, project.id), { task, transition: null });
      return id;
    });
    return this.reload(id);
  }

  async update(actor: Actor, id: string, body: UpdateTaskBody): Promise<TaskDetail> {
    const { project } = await this.find(actor, id, "control");
    if (body.assignee_id) await this.assertPerson(body.assignee_id);
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      const patch: TaskPatch = {};
      if (body.title !== undefined) patch.title = body.title.trim();
      if (body.description !== undefined) patch.description = body.description;
      if (body.priority !== undefined) patch.priority = body.priority;
      if (body.labels !== undefined) patch.labels = dedupe(body.labels);
      if (body.assignee_id !== undefined) patch.assigneeId = body.assignee_id;
      let depsChanged = false;
      if (body.depends_on !== undefined) {
        depsChanged = await this.setDependencies(tx, project.id, id, row.number, body.depends_on);
      }
      // A change of dependencies alone still tells the boards (the card's links changed).
      if (depsChanged) patch.updatedAt = new Date();
      await patchTask(tx, row, patch);
    });
    this.d.orchestrator.kick();
    return this.reload(id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.find(actor, id, "control");
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      const state = row.state as TaskState;
      if (!IDLE_STATES.includes(state) || row.queuedFor) {
        throw new HttpError(
          409,
          "task_busy",
          `task #${row.number} is ${row.queuedFor ? `queued for ${row.queuedFor}` : state}: a session works on it. Cancel it first, then delete it.`,
          { state },
        );
      }
      const task = await toTaskOne(tx, row);
      await tx.delete(tasks).where(eq(tasks.id, id));
      await recordTaskEvent(tx, "task.deleted", await audienceOfProject(tx, row.projectId), { task, transition: null });
    });
  }

  /**
   * Replaces the task's dependencies: tasks of the same project only, and never a cycle (422
   * dependency_cycle naming it). Returns whether they changed.
   */
  private async setDependencies(
    tx: Db,
    projectId: string,
    taskId: string,
    number: number,
    wanted: readonly string[],
  ): Promise<boolean> {
    const ids = [...new Set(wanted)];
    if (ids.includes(taskId)) {
      throw unprocessable("dependency_cycle", `task #${number} cannot depend on itself`, { cycle: [number, number] });
    }
    const found = ids.length
      ? await tx
          .select({ id: tasks.id, projectId: tasks.projectId, number: tasks.number })
          .from(tasks)
          .where(inArray(tasks.id, ids))
      : [];
    const unknown = ids.filter((d) => !found.some((f) => f.id === d && f.projectId === projectId));
    if (unknown.length) {
      throw unprocessable(
        "dependency_not_found",
        `depends_on: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a task" : "are not tasks"} of this project; a task can depend only on tasks of its own project`,
        { ids: unknown },
      );
    }
    const current = await tx.select().from(taskDependencies).where(eq(taskDependencies.taskId, taskId));
    const before = new Set(current.map((c) => c.dependsOnId));
    if (before.size === ids.length && ids.every((i) => before.has(i))) return false;
    // The project's graph with this task's edges replaced; a path from a dependency back to the task is a cycle.
    const edges = await tx
      .select({ from: taskDependencies.taskId, to: taskDependencies.dependsOnId })
      .from(taskDependencies)
      .innerJoin(tasks, eq(tasks.id, taskDependencies.taskId))
      .where(eq(tasks.projectId, projectId));
    const graph = new Map<string, string[]>();
    for (const e of edges) if (e.from !== taskId) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    graph.set(taskId, ids);
    const cycle = findCycle(graph, taskId);
    if (cycle) {
      const numbers = await tx
        .select({ id: tasks.id, number: tasks.number })
        .from(tasks)
        .where(inArray(tasks.id, cycle));
      const n = (i: string) => numbers.find((x) => x.id === i)?.number ?? "?";
      const path = cycle.map((c) => `#${n(c)}`).join(" → ");
      throw unprocessable(
        "dependency_cycle",
        `these dependencies would make a cycle: ${path}; a task cannot wait, through others, for itself`,
        { cycle: cycle.map(n) },
      );
    }
    await tx.delete(taskDependencies).where(eq(taskDependencies.taskId, taskId));
    if (ids.length) await tx.insert(taskDependencies).values(ids.map((d) => ({ taskId, dependsOnId: d })));
    return true;
  }

  private async assertPerson(userId: string): Promise<void> {
    const [u] = await this.db.select({ id: users.id }).from(users).where(eq(users.id, userId));
    if (!u) throw unprocessable("no_such_user", `assignee_id: there is no user ${JSON.stringify(userId)}`);
  }

  // ---- The state machine's actions ----

  /** Queues the task for planning (spec mode) or implementing (direct); the orchestrator starts it. */
  async start(actor: Actor, id: string, opts: { direct?: boolean } = {}): Promise<TaskDetail> {
    const { row: peek, project } = await this.find(actor, id, "control");
    await this.assertRepo(project, peek);
    const person = personOf(actor);
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      if (row.state !== "backlog" || row.queuedFor) {
        if (row.queuedFor)
          throw new HttpError(409, "already_started", `task #${row.number} is already queued for ${row.queuedFor}`);
        throw badTransition(row.state as TaskState, "planning", "start: only a backlog task starts");
      }
      const mode = opts.direct ? "direct" : row.mode;
      const target: TaskState = mode === "direct" ? "implementing" : "planning";
      await this.queue(tx, row, target, person.userId, `asked to start: queued for ${target}`, { mode });
    });
    await this.d.orchestrator.advance(id).catch(() => this.d.orchestrator.kick());
    return this.reload(id);
  }

  /** Spec review → implementing (same session); code review → merging (merge, or a pull request). */
  async approve(actor: Actor, id: string): Promise<TaskDetail> {
    const { project } = await this.find(actor, id, "control");
    const person = personOf(actor);
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      if (row.state === "spec_review") {
        if (row.queuedFor === "implementing") return;
        const head = await this.branchHead(project, row);
        if (!head) throw new HttpError(409, "nothing_pushed", `task #${row.number}'s branch has no spec pushed yet`);
        await this.queue(tx, row, "implementing", person.userId, `spec approved at ${head.slice(0, 12)}`, {
          approvedSpecCommit: head,
        });
        return;
      }
      if (row.state === "code_review") {
        await transitionTask(
          tx,
          id,
          { to: "merging", by: { kind: "user", id: person.userId }, reason: "code approved", stateReason: null },
          this.d.notifier,
        );
        return;
      }
      throw notInReview(row);
    });
    await this.d.orchestrator.advance(id).catch(() => this.d.orchestrator.kick());
    return this.reload(id);
  }

  /** Sends the open review comments (and `comments`) to the agent: → spec_revision or code_revision. */
  async requestChanges(actor: Actor, id: string, body: RequestChangesBody): Promise<TaskDetail> {
    const { row: peek, canControl } = await this.find(actor, id, "control");
    const person = personOf(actor);
    const extra = body.comments?.trim() || null;
    if (peek.state === "spec_review") {
      await this.ensureRunning(actor, peek);
      await this.db.transaction(async (tx) => {
        const row = await lockTask(tx, id);
        if (row.state !== "spec_review") throw notInReview(row);
        if (!row.sessionId) throw new HttpError(409, "no_session", `task #${row.number} has no session to send to`);
        const comments = await takeOpenSpecComments(tx, id);
        if (!comments && !extra) {
          throw new HttpError(
            409,
            "nothing_to_send",
            "nothing to send: there are no open spec comments; comment on the spec or write `comments` first",
          );
        }
        const n = await transitionsTo(tx, id, "spec_revision");
        const { entry } = await new ConversationService(tx).post(actor, row.sessionId, {
          request_id: `task-${id}-spec_revision-${n + 1}`,
          content: specRevisionPrompt(await promptTaskOf(tx, row, row.branch ?? ""), comments, extra),
        });
        await transitionTask(
          tx,
          id,
          {
            to: "spec_revision",
            by: { kind: "user", id: person.userId },
            reason: "changes requested",
            stateReason: null,
            patch: { turnEntryId: entry.id },
          },
          this.d.notifier,
        );
      });
      return this.reload(id).then((d) => ({ ...d, can_control: canControl }));
    }
    if (peek.state === "code_review") {
      if (!peek.sessionId) throw new HttpError(409, "no_session", `task #${peek.number} has no session to send to`);
      await this.ensureRunning(actor, peek);
      const pt = await promptTaskOf(this.db, peek, peek.branch ?? "");
      const sent = await this.d.reviewThreads.send(
        actor,
        peek.sessionId,
        extra ? { extra: codeRevisionExtra(pt, extra) } : {},
      );
      await this.db.transaction(async (tx) => {
        const row = await lockTask(tx, id);
        if (row.state !== "code_review") throw notInReview(row);
        await transitionTask(
          tx,
          id,
          {
            to: "code_revision",
            by: { kind: "user", id: person.userId },
            reason: `changes requested (${sent.sent} review thread${sent.sent === 1 ? "" : "s"})`,
            stateReason: null,
            patch: { turnEntryId: sent.entry_id },
          },
          this.d.notifier,
        );
      });
      return this.reload(id);
    }
    throw notInReview(peek);
  }

  async cancel(actor: Actor, id: string): Promise<TaskDetail> {
    await this.find(actor, id, "control");
    const person = personOf(actor);
    const row = await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      if (row.state === "cancelled") return row;
      const w = await transitionTask(
        tx,
        id,
        { to: "cancelled", by: { kind: "user", id: person.userId }, reason: "cancelled", patch: { turnEntryId: null } },
        this.d.notifier,
      );
      // Prompts the task sent and agentd has not finished would otherwise run when the session starts again.
      const [alive] = row.sessionId ? await tx.select().from(sessions).where(eq(sessions.id, row.sessionId)) : [];
      if (alive) {
        const sent = { requestIdPrefix: `task-${id}-`, entryIds: row.turnEntryId ? [row.turnEntryId] : [] };
        await withdrawPrompts(tx, await lockSession(tx, alive.id), sent, `task #${row.number} was cancelled`);
      }
      return w.row;
    });
    if (row.sessionId) {
      await this.d.sessions.stop(actor, row.sessionId).catch(() => undefined);
    }
    return this.reload(id);
  }

  async retry(actor: Actor, id: string): Promise<TaskDetail> {
    const { project, row: peek } = await this.find(actor, id, "control");
    const person = personOf(actor);
    if (peek.state === "planning_failed" || peek.state === "implementation_failed")
      await this.assertRepo(project, peek);
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      const target: TaskState | undefined =
        row.state === "planning_failed"
          ? "planning"
          : row.state === "implementation_failed"
            ? "implementing"
            : undefined;
      if (!target) {
        throw new HttpError(409, "not_failed", `task #${row.number} is ${row.state}: only a failed task is retried`, {
          state: row.state,
        });
      }
      if (row.queuedFor) return;
      await this.queue(tx, row, target, person.userId, `retry: queued for ${target}`);
    });
    await this.d.orchestrator.advance(id).catch(() => this.d.orchestrator.kick());
    return this.reload(id);
  }

  async nudge(actor: Actor, id: string): Promise<TaskDetail> {
    await this.find(actor, id, "control");
    const person = personOf(actor);
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      if (row.state !== "planning") {
        throw new HttpError(409, "not_planning", `task #${row.number} is ${row.state}: only a planning task is nudged`);
      }
      if (row.turnEntryId) {
        const [e] = await tx.select().from(conversationEntries).where(eq(conversationEntries.id, row.turnEntryId));
        if (e && !FINAL.includes(e.status)) {
          throw new HttpError(
            409,
            "agent_working",
            `the agent of task #${row.number} is still working on its turn; nudge it once the turn has ended`,
          );
        }
      }
      await this.d.orchestrator.nudge(tx, row, person.userId);
    });
    return this.reload(id);
  }

  /** A drop on the board: the column's action, or 409 bad_transition naming the moves there are. */
  async move(actor: Actor, id: string, body: MoveTaskBody): Promise<TaskDetail> {
    const { row } = await this.find(actor, id, "control");
    const state = row.state as TaskState;
    const to = body.column;
    const moves = movesFrom(row);
    const action = moves[to];
    if (!action) {
      const allowed = Object.keys(moves) as BoardColumn[];
      throw new HttpError(
        409,
        "bad_transition",
        `a ${state} task cannot be moved to ${to}` +
          (allowed.length
            ? `; from ${COLUMN_OF_STATE[state]} it can move to: ${allowed.join(", ")}`
            : "; it cannot be moved from here"),
        { from: state, column: to, allowed },
      );
    }
    switch (action) {
      case "start":
        return this.start(actor, id);
      case "start_direct":
        return this.start(actor, id, { direct: true });
      case "approve":
        return this.approve(actor, id);
      case "retry":
        return this.retry(actor, id);
      case "backlog":
        return this.toBacklog(actor, id);
    }
  }

  private async toBacklog(actor: Actor, id: string): Promise<TaskDetail> {
    const person = personOf(actor);
    await this.db.transaction(async (tx) => {
      await transitionTask(
        tx,
        id,
        { to: "backlog", by: { kind: "user", id: person.userId }, reason: "back to the backlog", stateReason: null },
        this.d.notifier,
      );
    });
    return this.reload(id);
  }

  /** Marks the task as asked to go to `target` (recorded in its history); the orchestrator takes it there. */
  private async queue(tx: Db, row: TaskRow, target: TaskState, userId: string, reason: string, more: TaskPatch = {}) {
    await tx.insert(taskTransitions).values({
      taskId: row.id,
      fromState: row.state,
      toState: row.state,
      actorKind: "user",
      actorId: userId,
      reason,
    });
    await patchTask(tx, row, { ...more, queuedFor: target, waiting: null });
  }

  private async assertRepo(project: ProjectRow, row: TaskRow): Promise<void> {
    const all = await this.d.projects.repos(project);
    const repo = row.repo ? all.find((r) => r.name === row.repo) : undefined;
    if (repo) return;
    if (!row.repo && all.length === 0) {
      throw unprocessable(
        "no_repo",
        `project ${project.slug} has no repo, so task #${row.number} has nowhere to work: create or import one (strand repos create), then start it`,
      );
    }
    // Repos came after the task was created, or its repo was deleted: take the project's first.
    const first = all[0];
    if (!first) {
      throw unprocessable("no_repo", `repo ${row.repo} was deleted from project ${project.slug}; create or import one`);
    }
    await this.db.update(tasks).set({ repo: first.name }).where(eq(tasks.id, row.id));
    row.repo = first.name;
  }

  private async branchHead(project: ProjectRow, row: TaskRow): Promise<string | null> {
    if (!row.repo || !row.branch) return null;
    return headOf(this.d.projects.store.pathFor(project.slug, row.repo), row.branch);
  }

  /** A session someone stopped while its task waited for review gets going again to take the next prompt. */
  private async ensureRunning(actor: Actor, row: TaskRow): Promise<void> {
    if (!row.sessionId) return;
    const [s] = await this.db.select().from(sessions).where(eq(sessions.id, row.sessionId));
    if (s && s.desiredState === "stopped") await this.d.sessions.start(actor, s.id);
  }

  // ---- Attachments ----

  async addAttachment(actor: Actor, id: string, body: AddAttachmentBody): Promise<TaskAttachment> {
    await this.find(actor, id, "control");
    const person = personOf(actor);
    const content = Buffer.from(body.content_base64, "base64");
    if (content.length > MAX_ATTACHMENT_BYTES) {
      throw unprocessable(
        "attachment_too_large",
        `an attachment is at most 10 MiB; ${body.name} is ${content.length} bytes`,
      );
    }
    try {
      return await this.db.transaction(async (tx) => {
        const row = await lockTask(tx, id);
        assertIdle(row, "attach files to");
        const [a] = await tx
          .insert(taskAttachments)
          .values({
            id: newId("att"),
            taskId: id,
            name: body.name,
            contentType: body.content_type ?? "application/octet-stream",
            size: content.length,
            content: content.toString("base64"),
            createdBy: person.userId,
          })
          .returning();
        await patchTask(tx, row, { updatedAt: new Date() });
        return toAttachment(a as NonNullable<typeof a>);
      });
    } catch (err) {
      if (uniqueViolation(err)) {
        throw new HttpError(
          409,
          "conflict",
          `task already has an attachment named ${body.name}; remove it first or pick another name`,
        );
      }
      throw err;
    }
  }

  async removeAttachment(actor: Actor, id: string, attachmentId: string): Promise<void> {
    await this.find(actor, id, "control");
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      assertIdle(row, "remove attachments from");
      const gone = await tx
        .delete(taskAttachments)
        .where(and(eq(taskAttachments.id, attachmentId), eq(taskAttachments.taskId, id)))
        .returning({ id: taskAttachments.id });
      if (gone.length === 0) throw notFound("attachment", attachmentId);
      await patchTask(tx, row, { updatedAt: new Date() });
    });
  }

  // ---- The agent's own task (session token) ----

  async agentTask(actor: Actor): Promise<AgentTask> {
    const row = await this.taskOfSession(actor);
    return { task: await toTaskOne(this.db, row), checklist: await this.checklist(row) };
  }

  async tick(actor: Actor, body: TickChecklistBody): Promise<AgentTask> {
    const peek = await this.taskOfSession(actor);
    const items = await this.checklist({ ...peek, checklistTicks: [] });
    const item = items[body.index];
    if (!item) {
      throw unprocessable(
        "no_such_item",
        items.length
          ? `index ${body.index} is not in the checklist: it has items 0 to ${items.length - 1}`
          : "the checklist is empty: push tasks.md with `- [ ]` items first",
      );
    }
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, peek.id);
      const ticks = new Set(row.checklistTicks);
      if (body.done) ticks.add(item.text);
      else ticks.delete(item.text);
      const progress = progressOf(withTicks(items, [...ticks]));
      const w = await patchTask(tx, row, {
        checklistTicks: [...ticks],
        progressDone: progress.done,
        progressTotal: progress.total,
      });
      await syncTaskPlan(tx, w.row, withTicks(items, [...ticks]));
    });
    return this.agentTask(actor);
  }

  async ask(actor: Actor, body: AskReviewerBody): Promise<void> {
    const peek = await this.taskOfSession(actor);
    await this.db.transaction(async (tx) => {
      const row = await lockTask(tx, peek.id);
      const task = await toTaskOne(tx, row);
      // No state change: boards that show questions reload the card.
      await recordTaskEvent(tx, "task.updated", await audienceOfProject(tx, row.projectId), { task, transition: null });
      await this.d.notifier?.notify(tx, {
        kind: "agent.question",
        title: `#${row.number} ${row.title}: the agent asks`,
        body: body.question.trim(),
        link: `/tasks/${row.id}`,
        projectId: row.projectId,
        taskId: row.id,
        sessionId: row.sessionId,
        recipients: await recipientsOf(tx, row),
      });
    });
  }

  private async taskOfSession(actor: Actor): Promise<TaskRow> {
    if (actor.kind !== "session") throw new HttpError(403, "forbidden", "only a session's own token reads its task");
    const [row] = await this.db.select().from(tasks).where(eq(tasks.sessionId, actor.sessionId));
    if (!row) {
      throw new HttpError(404, "no_task", `session ${actor.sessionId} works on no task of a board`);
    }
    return row;
  }

  /** tasks.md at the branch head with the agent's ticks; empty before it is pushed. */
  private async checklist(row: TaskRow) {
    if (!row.repo || !row.branch) return [];
    const [project] = await this.db.select().from(projects).where(eq(projects.id, row.projectId));
    const [repo] = project
      ? await this.db
          .select()
          .from(repos)
          .where(and(eq(repos.projectId, project.id), eq(repos.name, row.repo)))
      : [];
    if (!project || !repo) return [];
    const path = this.d.projects.store.pathFor(project.slug, repo.name);
    const head = await headOf(path, row.branch);
    if (!head) return [];
    const text = await readFileAt(path, head, `${specPathOf(row.number, row.slug)}/tasks.md`);
    return withTicks(parseChecklist(text ?? ""), row.checklistTicks);
  }
}

type MoveAction = "start" | "start_direct" | "approve" | "retry" | "backlog";

/** What dropping the card on each column does, from where it is (the route's description says the same). */
function movesFrom(row: TaskRow): Partial<Record<BoardColumn, MoveAction>> {
  const state = row.state as TaskState;
  if (row.queuedFor) return {};
  switch (state) {
    case "backlog":
      return row.mode === "direct" ? { in_progress: "start" } : { planning: "start", in_progress: "start_direct" };
    case "planning_failed":
      return { planning: "retry" };
    case "spec_review":
      return { in_progress: "approve" };
    case "implementation_failed":
      return { in_progress: "retry" };
    case "code_review":
      return { done: "approve" };
    case "cancelled":
      return { backlog: "backlog" };
    default:
      return {};
  }
}

function notInReview(row: TaskRow): HttpError {
  return new HttpError(
    409,
    "not_in_review",
    `task #${row.number} is ${row.state}, not in spec_review or code_review: there is nothing to ${"approve or send"} yet`,
    { state: row.state },
  );
}

function assertIdle(row: TaskRow, what: string): void {
  if (row.state === "backlog" || row.state === "planning_failed" || row.state === "implementation_failed") return;
  throw new HttpError(
    409,
    "task_busy",
    `cannot ${what} task #${row.number} while it is ${row.state}: attachments are committed to the branch when it starts`,
    { state: row.state },
  );
}

const dedupe = (labels: readonly string[]) => [...new Set(labels.map((l) => l.trim()))];

async function transitionsTo(tx: Db, taskId: string, to: TaskState): Promise<number> {
  const rows = await tx
    .select({ id: taskTransitions.id })
    .from(taskTransitions)
    .where(and(eq(taskTransitions.taskId, taskId), eq(taskTransitions.toState, to)));
  return rows.length;
}

/** A path start → … → start in the dependency graph, as task ids, or null. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>, start: string): string[] | null {
  const seen = new Set<string>();
  const path: string[] = [start];
  const visit = (node: string): boolean => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        path.push(start);
        return true;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      if (visit(next)) return true;
      path.pop();
    }
    return false;
  };
  return visit(start) ? path : null;
}
