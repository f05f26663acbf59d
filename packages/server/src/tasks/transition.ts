import {
  canTaskTransition,
  type NotificationKind,
  TASK_TRANSITIONS,
  type Task,
  type TaskEventType,
  type TaskState,
  type TaskTransition,
} from "@strand/protocol";
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { projects, sessions, tasks, taskTransitions, users } from "../db/schema.js";
import { type Audience, recordTaskEvent } from "../events/record.js";
import { HttpError, notFound } from "../lib/http-error.js";
import type { Notifier } from "../notifications/notify.js";
import { type TaskRow, toTaskOne, toTransition } from "./to-task.js";

/** Who moved a task: a person, the task's agent (its session), or the orchestrator. */
export type TaskMover = { kind: "user"; id: string } | { kind: "agent"; id: string } | { kind: "system" };
export const SYSTEM: TaskMover = { kind: "system" };

export type TaskPatch = Partial<typeof tasks.$inferInsert>;

export interface TransitionInput {
  to: TaskState;
  by: TaskMover;
  /** Why, for the history and (unless `stateReason` says otherwise) the task's `state_reason`. */
  reason?: string | null;
  stateReason?: string | null;
  /** Other columns changed with the state (session, turn entry, approved commit, …). */
  patch?: TaskPatch;
  /** Tells the people concerned, in this transaction. */
  notify?: { kind: NotificationKind; title: string; body: string };
}

export interface TaskWrite {
  row: TaskRow;
  task: Task;
  transition: TaskTransition | null;
}

/** Locks the task row for the rest of the transaction (every task write takes this lock first). */
export async function lockTask(tx: Db, id: string): Promise<TaskRow> {
  const [row] = await tx.select().from(tasks).where(eq(tasks.id, id)).for("update");
  if (!row) throw notFound("task", id);
  return row;
}

export function badTransition(from: TaskState, to: TaskState, what = `move from ${from} to ${to}`): HttpError {
  const allowed = TASK_TRANSITIONS[from];
  return new HttpError(
    409,
    "bad_transition",
    `a task cannot ${what}: from ${from} it can go to ${allowed.length ? allowed.join(", ") : "nowhere (it is final)"}`,
    { from, to, allowed },
  );
}

/**
 * The one way a task's state changes: in the caller's transaction, lock the row, check the state
 * machine, write the state with its reason (clearing `waiting` and `queued_for` unless the patch
 * sets them), append the history row, record `task.updated` for the project's boards, and tell the
 * people concerned. Throws 409 bad_transition for a move TASK_TRANSITIONS does not allow.
 */
export async function transitionTask(
  tx: Db,
  id: string,
  input: TransitionInput,
  notifier?: Notifier,
): Promise<TaskWrite> {
  const row = await lockTask(tx, id);
  const from = row.state as TaskState;
  if (!canTaskTransition(from, input.to)) throw badTransition(from, input.to);
  const now = new Date();
  const reason = input.reason ?? null;
  const [updated] = await tx
    .update(tasks)
    .set({
      waiting: null,
      queuedFor: null,
      ...input.patch,
      state: input.to,
      stateReason: input.stateReason !== undefined ? input.stateReason : reason,
      stateChangedAt: now,
      updatedAt: now,
    })
    .where(eq(tasks.id, id))
    .returning();
  const [history] = await tx
    .insert(taskTransitions)
    .values({
      taskId: id,
      fromState: from,
      toState: input.to,
      actorKind: input.by.kind,
      actorId: input.by.kind === "system" ? null : input.by.id,
      reason,
      createdAt: now,
    })
    .returning();
  const email = input.by.kind === "user" ? await emailOf(tx, input.by.id) : null;
  const transition = toTransition(history as NonNullable<typeof history>, email);
  const task = await toTaskOne(tx, updated as TaskRow);
  await recordTaskEvent(tx, "task.updated", await audienceOfProject(tx, row.projectId), { task, transition });
  if (input.notify && notifier) {
    await notifier.notify(tx, {
      ...input.notify,
      link: `/tasks/${id}`,
      projectId: row.projectId,
      taskId: id,
      sessionId: (updated as TaskRow).sessionId,
      recipients: await recipientsOf(tx, updated as TaskRow),
    });
  }
  return { row: updated as TaskRow, task, transition };
}

/** Writes a change that is not a transition (an edit, progress, `waiting`) and records it, unless nothing changed. */
export async function patchTask(tx: Db, row: TaskRow, patch: TaskPatch, type: TaskEventType = "task.updated") {
  const changed = Object.entries(patch).some(([k, v]) => !same(row[k as keyof TaskRow], v));
  if (!changed) return { row, task: await toTaskOne(tx, row), transition: null };
  const [updated] = await tx
    .update(tasks)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(tasks.id, row.id))
    .returning();
  const task = await toTaskOne(tx, updated as TaskRow);
  await recordTaskEvent(tx, type, await audienceOfProject(tx, row.projectId), { task, transition: null });
  return { row: updated as TaskRow, task, transition: null };
}

/** A task's events reach whoever sees its project: the project's owner and the members of its team. */
export async function audienceOfProject(tx: Db, projectId: string): Promise<Audience> {
  const [p] = await tx
    .select({ ownerId: projects.ownerId, teamId: projects.teamId })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!p) throw new Error(`project ${projectId} of a task is gone`);
  return { ownerId: p.ownerId, teamId: p.teamId };
}

/** Who hears about a task: its assignee, its creator and the person who started it (its session's owner). */
export async function recipientsOf(tx: Db, row: TaskRow): Promise<string[]> {
  const people = [row.assigneeId, row.createdBy];
  if (row.sessionId) {
    const [s] = await tx.select({ ownerId: sessions.ownerId }).from(sessions).where(eq(sessions.id, row.sessionId));
    people.push(s?.ownerId ?? null);
  }
  return [...new Set(people.filter((p): p is string => p !== null))];
}

async function emailOf(tx: Db, userId: string): Promise<string | null> {
  const [u] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId));
  return u?.email ?? null;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}
