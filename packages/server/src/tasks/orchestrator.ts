import {
  BOARD_COLUMN_TITLES,
  type ChecklistItem,
  COLUMN_OF_STATE,
  canTaskTransition,
  DEFAULT_WIP_LIMITS,
  FINAL_PROMPT_STATUSES,
  type PromptStatus,
  type SpecDocumentName,
  TASK_WORKING_STATES,
  type TaskState,
  WIP_STATES,
  type WipColumn,
} from "@strand/protocol";
import { and, asc, count, desc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { teamRoles } from "../auth/authenticate.js";
import { ConversationService } from "../conversations/service.js";
import type { Db } from "../db/database.js";
import {
  conversationEntries,
  projects,
  pullRequests,
  repos,
  sessions,
  taskAttachments,
  taskDependencies,
  tasks,
  taskTransitions,
  users,
} from "../db/schema.js";
import type { EventBus } from "../events/bus.js";
import { findConflicts } from "../git/index.js";
import { HttpError } from "../lib/http-error.js";
import type { Notifier } from "../notifications/notify.js";
import { type UserActor, userActor } from "../policy/policy.js";
import type { ReviewService } from "../projects/review.js";
import type { ProjectService } from "../projects/service.js";
import { repoHost } from "../pull-requests/repo-host.js";
import type { PullRequestService } from "../pull-requests/service.js";
import { buildResolveConflictsPrompt } from "../review/prompt.js";
import type { ReviewThreadService } from "../review/service.js";
import { SessionService } from "../sessions/service.js";
import { parseChecklist, progressOf, withTicks } from "./checklist.js";
import {
  headOf,
  implementationCommits,
  mergedInto,
  missingDocuments,
  prepareTaskBranch,
  specDocumentsAt,
} from "./git-work.js";
import { syncTaskPlan } from "./plan-entry.js";
import {
  directPrompt,
  implementPrompt,
  nudgePrompt,
  type PromptTask,
  planningPrompt,
  retryPreamble,
} from "./prompts.js";
import { specPathOf } from "./slug.js";
import { recordSpecRevision } from "./spec-revisions.js";
import type { TaskRow } from "./to-task.js";
import { lockTask, patchTask, SYSTEM, type TaskPatch, transitionTask } from "./transition.js";

export interface TaskEngineDeps {
  db: Db;
  projects: ProjectService;
  review: ReviewService;
  reviewThreads: ReviewThreadService;
  pullRequests: PullRequestService;
  notifier?: Notifier | undefined;
  log: Logger;
  /** The server's address for links in pull request bodies. */
  origin?: () => string;
}

const FINAL: readonly string[] = FINAL_PROMPT_STATUSES;
const PLANNING_STATES: readonly TaskState[] = ["planning", "spec_revision"];
const PRIORITY_ORDER = sql`case ${tasks.priority} when 'urgent' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

/**
 * Moves tasks along on its own: starts queued ones when their dependencies and the WIP limits
 * allow, reads the branch when an agent's turn ends, notices dead sessions, merges approved code
 * and follows pull requests. Everything it knows is in PostgreSQL, so it resumes after a restart,
 * and every step takes the task's row lock with SKIP LOCKED, so replicas ticking at once never
 * handle one task twice. Steps whose side effects live outside the database (a branch, a merge,
 * a pull request) are idempotent: a retry after a crash finds what the first attempt made.
 */
export class TaskOrchestrator {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly inflight = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: TaskEngineDeps,
    private readonly opts: { tickMs: number; bus?: EventBus } = { tickMs: 2000 },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.tickMs);
    this.timer.unref();
    this.unsubscribe = this.opts.bus?.subscribe(({ event }) => {
      // What can move a task: a prompt reaching its end, a session changing, a task changing (WIP room).
      if (event.type === "message.updated") {
        if (event.entry.kind === "user" && FINAL.includes(event.entry.status)) this.kick();
      } else if (event.type.startsWith("session.") || event.type.startsWith("task.")) {
        this.kick();
      }
    });
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  /** Asks for a tick soon; ticks never overlap, and a kick during one runs one more after it. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick()
      .catch((err: unknown) => this.deps.log.warn({ err }, "task orchestrator: the tick failed"))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits for the tick in flight, if any (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** One pass over every task that may need a step. */
  async tick(): Promise<void> {
    const due = await this.deps.db
      .select({ id: tasks.id })
      .from(tasks)
      .leftJoin(conversationEntries, eq(conversationEntries.id, tasks.turnEntryId))
      .leftJoin(sessions, eq(sessions.id, tasks.sessionId))
      .where(
        sql`(${tasks.queuedFor} is not null and ${tasks.state} not in ('done', 'cancelled'))
          or ${tasks.state} = 'merging'
          or (${inArray(tasks.state, [...TASK_WORKING_STATES])} and (
            ${inArray(conversationEntries.status, [...FINAL])}
            or ${tasks.sessionId} is null
            or ${sessions.desiredState} = 'deleted'
            or ${sessions.state} = 'failed'
            or (${sessions.state} = 'stopped' and ${sessions.desiredState} = 'stopped')))`,
      )
      .orderBy(PRIORITY_ORDER, asc(tasks.createdAt), asc(tasks.id))
      .limit(500);
    for (const { id } of due) {
      if (this.stopped) return;
      try {
        await this.advance(id);
      } catch (err) {
        this.deps.log.warn({ err, task: id }, "task orchestrator: could not move the task on; will try again");
      }
    }
  }

  /**
   * Takes the next step for one task, if it needs one and no other replica holds it. Steps of one
   * task in this process run one after another (a request's and a tick's), so a merge is never
   * raced by its own replica.
   */
  advance(id: string): Promise<void> {
    const before = this.inflight.get(id) ?? Promise.resolve();
    const step = before.catch(() => undefined).then(() => this.step(id));
    this.inflight.set(id, step);
    void step
      .finally(() => {
        if (this.inflight.get(id) === step) this.inflight.delete(id);
      })
      .catch(() => undefined);
    return step;
  }

  private async step(id: string): Promise<void> {
    const [peek] = await this.deps.db.select().from(tasks).where(eq(tasks.id, id));
    if (!peek) return;
    if (peek.state === "merging") return this.merge(peek);
    try {
      await this.deps.db.transaction(async (tx) => {
        const [row] = await tx.select().from(tasks).where(eq(tasks.id, id)).for("update", { skipLocked: true });
        if (!row) return;
        if (row.queuedFor) await this.startQueued(tx, row);
        else if (TASK_WORKING_STATES.includes(row.state as TaskState)) await this.checkWork(tx, row);
      });
    } catch (err) {
      // A start refused for good (the repo went, the branch is protected, the person lost access): say
      // so on the task instead of trying again forever.
      if (!(err instanceof HttpError) || err.statusCode >= 500) throw err;
      await this.deps.db.transaction(async (tx) => {
        const row = await lockTask(tx, id);
        if (row.queuedFor !== peek.queuedFor || !row.queuedFor) return;
        await patchTask(tx, row, { queuedFor: null, waiting: null, stateReason: `could not start: ${err.message}` });
      });
    }
  }

  // ---- Starting ----

  private async startQueued(tx: Db, row: TaskRow): Promise<void> {
    const target = row.queuedFor as TaskState;
    const from = row.state as TaskState;
    if (!canTaskTransition(from, target) || (target !== "planning" && target !== "implementing")) {
      await patchTask(tx, row, { queuedFor: null, waiting: null });
      return;
    }
    // Serializes the WIP count across replicas: two tasks of a project never take the last slot together.
    const [project] = await tx.select().from(projects).where(eq(projects.id, row.projectId)).for("update");
    if (!project) return;
    const open = await tx
      .select({ number: tasks.number })
      .from(taskDependencies)
      .innerJoin(tasks, eq(tasks.id, taskDependencies.dependsOnId))
      .where(and(eq(taskDependencies.taskId, row.id), ne(tasks.state, "done")))
      .orderBy(asc(tasks.number));
    if (open.length > 0) {
      const list = open.map((d) => `#${d.number}`).join(", ");
      await patchTask(tx, row, { waiting: `waiting for ${list} to be done` });
      return;
    }
    const column = COLUMN_OF_STATE[target] as WipColumn;
    const full = await wipFull(tx, project, column, row.id);
    if (full) {
      await patchTask(tx, row, { waiting: full });
      return;
    }
    const [repo] = row.repo
      ? await tx
          .select()
          .from(repos)
          .where(and(eq(repos.projectId, project.id), eq(repos.name, row.repo)))
      : [];
    if (!repo) {
      throw new HttpError(
        422,
        "no_repo",
        row.repo
          ? `repo ${row.repo} is no longer in project ${project.slug}`
          : `project ${project.slug} has no repo to work in; create or import one first`,
      );
    }
    const requester = await requesterOf(tx, row);
    const actor = await actorFor(tx, requester);
    const path = this.deps.projects.store.pathFor(project.slug, repo.name);
    const specPath = specPathOf(row.number, row.slug);
    const branch = row.branch ?? `${project.branchPrefix}${row.number}-${row.slug}`;
    const sessionSvc = new SessionService(tx, this.deps.projects.withDb(tx));
    const [existing] = row.sessionId ? await tx.select().from(sessions).where(eq(sessions.id, row.sessionId)) : [];
    let sessionId: string;
    if (from !== "spec_review") {
      // Before the session exists, so its clone already has them.
      const author = await personOf(tx, requester);
      await prepareTaskBranch(path, {
        branch,
        base: existing?.base ?? repo.defaultBranch,
        specPath,
        attachments: await attachmentsOf(tx, row.id),
        author,
      });
    }
    if (!existing || existing.desiredState === "deleted") {
      const s = await sessionSvc.create(actor, {
        name: `#${row.number} ${row.title}`.slice(0, 100),
        project_id: project.id,
        repo: repo.name,
        branch,
        start: true,
      });
      sessionId = s.id;
    } else {
      sessionId = existing.id;
      if (existing.desiredState !== "running" || existing.state === "stopped" || existing.state === "failed") {
        await sessionSvc.start(actor, existing.id);
      }
    }
    const pt = await promptTaskOf(tx, row, branch);
    const retry = from === "planning_failed" || from === "implementation_failed";
    let text: string;
    if (target === "planning") text = planningPrompt(pt);
    else if (row.approvedSpecCommit && row.mode === "spec") text = implementPrompt(pt, row.approvedSpecCommit);
    else text = directPrompt(pt);
    if (retry) text = retryPreamble(row.stateReason) + text;
    const [{ n } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(taskTransitions)
      .where(and(eq(taskTransitions.taskId, row.id), eq(taskTransitions.toState, target)));
    const { entry } = await new ConversationService(tx).post(actor, sessionId, {
      request_id: `task-${row.id}-${target}-${n + 1}`,
      content: text,
    });
    const why = retry ? "retried" : from === "spec_review" ? "spec approved: implementing it" : "started";
    await transitionTask(
      tx,
      row.id,
      {
        to: target,
        by: { kind: "user", id: requester },
        reason: why,
        stateReason: null,
        patch: { sessionId, branch, turnEntryId: entry.id },
      },
      this.deps.notifier,
    );
  }

  // ---- A working task: its turn ended, or its session went away ----

  private async checkWork(tx: Db, row: TaskRow): Promise<void> {
    const [entry] = row.turnEntryId
      ? await tx.select().from(conversationEntries).where(eq(conversationEntries.id, row.turnEntryId))
      : [];
    if (entry && FINAL.includes(entry.status)) return this.turnEnded(tx, row, entry.status as PromptStatus, entry);
    const [s] = row.sessionId ? await tx.select().from(sessions).where(eq(sessions.id, row.sessionId)) : [];
    if (!s || s.desiredState === "deleted") return this.fail(tx, row, "its session was deleted");
    if (s.state === "failed") return this.fail(tx, row, `its session failed: ${s.stateReason ?? "no reason given"}`);
    if (s.state === "stopped" && s.desiredState === "stopped") return this.fail(tx, row, "its session was stopped");
  }

  private async turnEnded(
    tx: Db,
    row: TaskRow,
    status: PromptStatus,
    entry: typeof conversationEntries.$inferSelect,
  ): Promise<void> {
    if (status !== "done") {
      const error = (entry.content as { error?: string }).error;
      const what =
        status === "cancelled"
          ? "its turn was cancelled"
          : `its turn ${status === "failed" ? "failed" : "was interrupted"}`;
      return this.fail(tx, row, error ? `${what}: ${error}` : what);
    }
    const work = await this.workOf(tx, row);
    if (!work) return this.fail(tx, row, "its repo or session is gone");
    const head = await headOf(work.path, work.branch);
    const docs = head ? await specDocumentsAt(work.path, head, specPathOf(row.number, row.slug)) : null;
    await this.judgeTurn(tx, row, entry, work, head, docs);
    // The plan follows whatever the judgement did to the task (its state says which item is current).
    if (docs && docs.tasks !== null) await syncTaskPlan(tx, await lockTask(tx, row.id), checklistOf(row, docs.tasks));
  }

  /** A finished turn's outcome, read from the branch it pushed. */
  private async judgeTurn(
    tx: Db,
    row: TaskRow,
    entry: typeof conversationEntries.$inferSelect,
    work: Work,
    head: string | null,
    docs: Record<SpecDocumentName, string | null> | null,
  ): Promise<void> {
    const specPath = specPathOf(row.number, row.slug);
    const progress = docs ? progressPatch(row, docs.tasks) : {};
    if (PLANNING_STATES.includes(row.state as TaskState)) {
      if (head && docs) await recordSpecRevision(tx, work.path, row, head, docs);
      const missing = docs ? missingDocuments(docs) : ["requirements.md", "design.md", "tasks.md"];
      if (missing.length > 0) {
        const reason = `the spec is missing ${missing.join(", ")}`;
        if (row.state === "planning") {
          // Stays in planning (Nudge asks the agent again); the turn is settled so it is not read twice.
          await patchTask(tx, row, { ...progress, stateReason: reason, turnEntryId: null });
          return;
        }
        return this.fail(tx, row, reason, progress);
      }
      if (row.state === "planning") {
        const [project] = await tx.select().from(projects).where(eq(projects.id, row.projectId));
        const full = project ? await wipFull(tx, project, "spec_review", row.id) : null;
        if (full) {
          await patchTask(tx, row, { ...progress, waiting: full });
          return;
        }
      }
      await transitionTask(
        tx,
        row.id,
        {
          to: "spec_review",
          by: { kind: "agent", id: entry.sessionId },
          reason: row.state === "planning" ? "the spec is written" : "the spec is revised",
          stateReason: null,
          patch: { ...progress, turnEntryId: null },
          notify: {
            kind: "task.spec_ready",
            title: `#${row.number} ${row.title}: the spec is ready for review`,
            body: `The agent pushed ${specPath}/requirements.md, design.md and tasks.md on ${work.branch}.`,
          },
        },
        this.deps.notifier,
      );
      return;
    }
    const commits = await implementationCommits(work.path, work.branch, work.base, specPath);
    if (commits === 0) {
      return this.fail(
        tx,
        row,
        `the turn ended without a commit on ${work.branch} beyond ${work.base} (besides the spec)`,
        progress,
      );
    }
    await transitionTask(
      tx,
      row.id,
      {
        to: "code_review",
        by: { kind: "agent", id: entry.sessionId },
        reason: row.state === "implementing" ? "implemented" : "revised",
        stateReason: null,
        patch: { ...progress, turnEntryId: null },
        notify: {
          kind: "task.code_ready",
          title: `#${row.number} ${row.title}: the code is ready for review`,
          body: `${commits} commit${commits === 1 ? "" : "s"} on ${work.branch}.`,
        },
      },
      this.deps.notifier,
    );
  }

  private async fail(tx: Db, row: TaskRow, reason: string, patch: TaskPatch = {}): Promise<void> {
    const to: TaskState = PLANNING_STATES.includes(row.state as TaskState)
      ? "planning_failed"
      : "implementation_failed";
    await transitionTask(
      tx,
      row.id,
      {
        to,
        by: SYSTEM,
        reason,
        patch: { ...patch, turnEntryId: null },
        notify: {
          kind: "task.failed",
          title: `#${row.number} ${row.title} failed`,
          body: `It stopped because ${reason}.`,
        },
      },
      this.deps.notifier,
    );
  }

  // ---- Merging ----

  /** Code approved: merge it (internal repo), or open and follow a pull request (upstream host). */
  private async merge(peek: TaskRow): Promise<void> {
    const work = await this.workOf(this.deps.db, peek);
    if (!work) return this.backToReview(peek, "its repo or session is gone, so there is nothing to merge");
    const [pr] = await this.deps.db.select().from(pullRequests).where(eq(pullRequests.sessionId, work.sessionId));
    if (pr) {
      if (pr.state === "merged") return this.done(peek, `pull request #${pr.number} merged`);
      if (pr.state === "closed") {
        // Closed before this approval: the reviewer approved the code again, so it goes back to the host.
        if (pr.updatedAt.getTime() < (await this.mergingSince(peek)).getTime()) return this.reopen(peek, work, pr);
        return this.backToReview(peek, `pull request #${pr.number} was closed without merging (${pr.url})`);
      }
      return;
    }
    const actor = await actorFor(this.deps.db, await requesterOf(this.deps.db, peek));
    if (repoHost(work.repo).ok) {
      try {
        await this.deps.pullRequests.open(
          actor,
          work.sessionId,
          { title: `#${peek.number} ${peek.title}`.slice(0, 256) },
          this.deps.origin?.() ?? "",
        );
      } catch (err) {
        if (err instanceof HttpError && err.statusCode < 500) {
          return this.backToReview(peek, `could not open a pull request: ${err.message}`);
        }
        throw err;
      }
      // Announce the pull request on the card: the next pass sees its state.
      await this.deps.db.transaction(async (tx) => {
        const row = await lockTask(tx, peek.id);
        if (row.state === "merging") await patchTask(tx, row, { stateReason: "waiting for the pull request to merge" });
      });
      return;
    }
    if (await mergedInto(work.path, work.branch, work.base)) return this.done(peek, `merged into ${work.base}`);
    try {
      const merged = await this.deps.review.merge(actor, work.sessionId);
      await this.deps.reviewThreads
        .merged(work.sessionId)
        .catch((err) => this.deps.log.warn({ err }, "merge not announced"));
      return this.done(peek, `merged into ${merged.base_branch} as ${merged.commit.slice(0, 12)}`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (code === "nothing_to_merge") return this.done(peek, `${work.base} already has everything of ${work.branch}`);
      if (code === "merge_conflict") return this.conflicted(peek, work);
      if (code === "base_moved" || status >= 500) throw err;
      return this.backToReview(peek, `could not merge: ${(err as Error).message}`);
    }
  }

  /** When the task last entered `merging`: the approval that asked for this merge. */
  private async mergingSince(row: TaskRow): Promise<Date> {
    const [t] = await this.deps.db
      .select({ at: taskTransitions.createdAt })
      .from(taskTransitions)
      .where(and(eq(taskTransitions.taskId, row.id), eq(taskTransitions.toState, "merging")))
      .orderBy(desc(taskTransitions.id))
      .limit(1);
    return t?.at ?? row.updatedAt;
  }

  private async reopen(peek: TaskRow, work: Work, pr: typeof pullRequests.$inferSelect): Promise<void> {
    const actor = await actorFor(this.deps.db, await requesterOf(this.deps.db, peek));
    try {
      await this.deps.pullRequests.reopen(actor, work.sessionId);
    } catch (err) {
      if (err instanceof HttpError && err.statusCode < 500) {
        return this.backToReview(peek, `could not reopen pull request #${pr.number}: ${err.message}`);
      }
      throw err;
    }
    await this.deps.db.transaction(async (tx) => {
      const row = await lockTask(tx, peek.id);
      if (row.state === "merging") {
        await patchTask(tx, row, { stateReason: `pull request #${pr.number} reopened: waiting for it to merge` });
      }
    });
  }

  private async conflicted(peek: TaskRow, work: Work): Promise<void> {
    const files = await findConflicts(work.path, work.base, work.branch).catch(() => [] as string[]);
    await this.deps.db.transaction(async (tx) => {
      const row = await lockTask(tx, peek.id);
      if (row.state !== "merging") return;
      const requester = await requesterOf(tx, row);
      const actor = await actorFor(tx, requester);
      const [{ n } = { n: 0 }] = await tx
        .select({ n: count() })
        .from(taskTransitions)
        .where(and(eq(taskTransitions.taskId, row.id), eq(taskTransitions.toState, "code_revision")));
      const { entry } = await new ConversationService(tx).post(actor, work.sessionId, {
        request_id: `task-${row.id}-conflicts-${n + 1}`,
        content: buildResolveConflictsPrompt({ branch: work.branch, base_branch: work.base }, files),
      });
      const reason = files.length
        ? `merge conflict in ${files.join(", ")}: the agent is resolving it`
        : `${work.base} moved on: the agent is merging it in`;
      await transitionTask(
        tx,
        row.id,
        { to: "code_revision", by: SYSTEM, reason, patch: { turnEntryId: entry.id } },
        this.deps.notifier,
      );
    });
  }

  private async done(peek: TaskRow, reason: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const row = await lockTask(tx, peek.id);
      if (row.state !== "merging") return;
      await transitionTask(
        tx,
        row.id,
        {
          to: "done",
          by: SYSTEM,
          reason,
          stateReason: null,
          notify: { kind: "task.done", title: `#${row.number} ${row.title} is done`, body: `It was ${reason}.` },
        },
        this.deps.notifier,
      );
      // The desktop has nothing left to do; it stops with its workspace kept, and starts again on request.
      const [s] = row.sessionId ? await tx.select().from(sessions).where(eq(sessions.id, row.sessionId)) : [];
      if (s && s.desiredState === "running") {
        const actor = await actorFor(tx, await requesterOf(tx, row));
        await new SessionService(tx, this.deps.projects.withDb(tx)).stop(actor, s.id);
      }
    });
  }

  private async backToReview(peek: TaskRow, reason: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const row = await lockTask(tx, peek.id);
      if (row.state !== "merging") return;
      await transitionTask(tx, row.id, { to: "code_review", by: SYSTEM, reason }, this.deps.notifier);
    });
  }

  // ---- Reminders and pushes ----

  /** Nudge: asks the planning agent for the spec files it has not pushed. */
  async nudge(tx: Db, row: TaskRow, requester: string): Promise<void> {
    const work = await this.workOf(tx, row);
    if (!work) throw new HttpError(409, "no_session", `task #${row.number} has no session to remind`);
    const head = await headOf(work.path, work.branch);
    const docs = head ? await specDocumentsAt(work.path, head, specPathOf(row.number, row.slug)) : null;
    const missing = docs ? missingDocuments(docs) : ["requirements.md", "design.md", "tasks.md"];
    if (missing.length === 0) {
      // Pushed meanwhile: nothing to remind of, the next pass moves it to review.
      throw new HttpError(
        409,
        "nothing_missing",
        `task #${row.number} already has all three spec files on ${work.branch}`,
      );
    }
    const actor = await actorFor(tx, requester);
    const [{ n } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(taskTransitions)
      .where(eq(taskTransitions.taskId, row.id));
    const { entry } = await new ConversationService(tx).post(actor, work.sessionId, {
      request_id: `task-${row.id}-nudge-${n}-${row.updatedAt.getTime()}`,
      content: nudgePrompt(await promptTaskOf(tx, row, work.branch), missing),
    });
    await patchTask(tx, row, { turnEntryId: entry.id, stateReason: `reminded to write ${missing.join(", ")}` });
  }

  /**
   * A push moved branches of a repo: each task on one of them gets a spec revision when its
   * documents changed, and its progress from tasks.md. A planning task whose turn already ended
   * without the files moves to review once they arrive.
   */
  async pushed(projectSlug: string, repoName: string, branches: readonly string[]): Promise<void> {
    if (branches.length === 0) return;
    const rows = await this.deps.db
      .select({ task: tasks })
      .from(tasks)
      .innerJoin(projects, eq(projects.id, tasks.projectId))
      .where(and(eq(projects.slug, projectSlug), eq(tasks.repo, repoName), inArray(tasks.branch, [...branches])));
    for (const { task } of rows) {
      try {
        await this.syncBranch(task.id);
      } catch (err) {
        this.deps.log.warn({ err, task: task.id }, "could not read a task's branch after a push");
      }
    }
  }

  private async syncBranch(id: string): Promise<void> {
    const [peek] = await this.deps.db.select().from(tasks).where(eq(tasks.id, id));
    if (!peek?.branch) return;
    const [project] = await this.deps.db.select().from(projects).where(eq(projects.id, peek.projectId));
    if (!project || !peek.repo) return;
    const path = this.deps.projects.store.pathFor(project.slug, peek.repo);
    const head = await headOf(path, peek.branch);
    if (!head) return;
    const docs = await specDocumentsAt(path, head, specPathOf(peek.number, peek.slug));
    await this.deps.db.transaction(async (tx) => {
      const row = await lockTask(tx, id);
      await recordSpecRevision(tx, path, row, head, docs);
      const w = await patchTask(tx, row, progressPatch(row, docs.tasks));
      if (docs.tasks !== null) await syncTaskPlan(tx, w.row, checklistOf(w.row, docs.tasks));
      if (w.row.state === "planning" && w.row.turnEntryId === null && missingDocuments(docs).length === 0) {
        await transitionTask(
          tx,
          id,
          {
            to: "spec_review",
            by: w.row.sessionId ? { kind: "agent", id: w.row.sessionId } : SYSTEM,
            reason: "the spec is written",
            stateReason: null,
            notify: {
              kind: "task.spec_ready",
              title: `#${row.number} ${row.title}: the spec is ready for review`,
              body: `The agent pushed the spec on ${row.branch}.`,
            },
          },
          this.deps.notifier,
        );
      }
    });
    if (peek.state === "planning") this.kick();
  }

  /** The task's repo path, branch and base, and its session; undefined when either is gone. */
  private async workOf(db: Db, row: TaskRow): Promise<Work | undefined> {
    if (!row.sessionId || !row.repo) return undefined;
    const [s] = await db.select().from(sessions).where(eq(sessions.id, row.sessionId));
    const [project] = await db.select().from(projects).where(eq(projects.id, row.projectId));
    if (!s || !project) return undefined;
    const [repo] = await db
      .select()
      .from(repos)
      .where(and(eq(repos.projectId, project.id), eq(repos.name, row.repo)));
    if (!repo) return undefined;
    return {
      sessionId: s.id,
      repo,
      path: this.deps.projects.store.pathFor(project.slug, repo.name),
      branch: s.branch ?? (row.branch as string),
      base: s.base ?? repo.defaultBranch,
    };
  }
}

interface Work {
  sessionId: string;
  repo: typeof repos.$inferSelect;
  path: string;
  branch: string;
  base: string;
}

/** The WIP message when the column has no room for one more, else null. */
async function wipFull(
  tx: Db,
  project: typeof projects.$inferSelect,
  column: WipColumn,
  exceptId: string,
): Promise<string | null> {
  const limit = { ...DEFAULT_WIP_LIMITS, ...project.wipLimits }[column];
  const [{ n } = { n: 0 }] = await tx
    .select({ n: count() })
    .from(tasks)
    .where(and(eq(tasks.projectId, project.id), inArray(tasks.state, [...WIP_STATES[column]]), ne(tasks.id, exceptId)));
  if (n < limit) return null;
  const title = BOARD_COLUMN_TITLES[column].toLowerCase();
  return `waiting: ${n} of ${limit} in ${title}`;
}

/** Progress from tasks.md (when it is there) and the agent's ticks. */
function progressPatch(row: TaskRow, tasksMd: string | null): TaskPatch {
  if (tasksMd === null) return {};
  const p = progressOf(checklistOf(row, tasksMd));
  return { progressDone: p.done, progressTotal: p.total };
}

function checklistOf(row: TaskRow, tasksMd: string): ChecklistItem[] {
  return withTicks(parseChecklist(tasksMd), row.checklistTicks);
}

/** The person who last asked the task to move (started, approved, retried it); its creator otherwise. */
export async function requesterOf(db: Db, row: TaskRow): Promise<string> {
  const [t] = await db
    .select({ id: taskTransitions.actorId })
    .from(taskTransitions)
    .where(and(eq(taskTransitions.taskId, row.id), eq(taskTransitions.actorKind, "user")))
    .orderBy(desc(taskTransitions.id))
    .limit(1);
  const id = t?.id ?? row.createdBy;
  if (!id) throw new HttpError(409, "no_requester", `nobody who asked task #${row.number} to move still exists`);
  return id;
}

/** The person as the policy sees them now (their teams and roles), to act for them outside a request. */
export async function actorFor(db: Db, userId: string): Promise<UserActor> {
  const [u] = await db.select({ isAdmin: users.isAdmin }).from(users).where(eq(users.id, userId));
  if (!u) throw new HttpError(409, "no_requester", `the person who asked for this (${userId}) no longer exists`);
  return userActor(userId, u.isAdmin, await teamRoles(db, userId));
}

async function personOf(db: Db, userId: string): Promise<{ name: string; email: string }> {
  const [u] = await db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, userId));
  return { name: u?.name || u?.email || "Strand", email: u?.email ?? "strand@localhost" };
}

async function attachmentsOf(db: Db, taskId: string) {
  const rows = await db
    .select({ name: taskAttachments.name, content: taskAttachments.content })
    .from(taskAttachments)
    .where(eq(taskAttachments.taskId, taskId))
    .orderBy(asc(taskAttachments.name));
  return rows.map((r) => ({ name: r.name, content: Buffer.from(r.content, "base64") }));
}

export async function promptTaskOf(db: Db, row: TaskRow, branch: string): Promise<PromptTask> {
  const atts = await db
    .select({ name: taskAttachments.name })
    .from(taskAttachments)
    .where(eq(taskAttachments.taskId, row.id))
    .orderBy(asc(taskAttachments.name));
  return {
    number: row.number,
    title: row.title,
    description: row.description,
    branch,
    spec_path: specPathOf(row.number, row.slug),
    attachments: atts.map((a) => a.name),
  };
}
