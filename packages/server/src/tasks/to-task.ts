import {
  COLUMN_OF_STATE,
  type Task,
  type TaskAttachment,
  type TaskMode,
  type TaskPriority,
  type TaskState,
  type TaskTransition,
} from "@strand/protocol";
import { asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { pullRequests, taskAttachments, taskDependencies, type tasks, taskTransitions, users } from "../db/schema.js";
import { iso } from "../lib/time.js";
import { specPathOf } from "./slug.js";

export type TaskRow = typeof tasks.$inferSelect;
export type TransitionRow = typeof taskTransitions.$inferSelect;
type AttachmentRow = Pick<
  typeof taskAttachments.$inferSelect,
  "id" | "taskId" | "name" | "contentType" | "size" | "createdAt"
>;

export const toAttachment = (a: AttachmentRow): TaskAttachment => ({
  id: a.id,
  name: a.name,
  content_type: a.contentType,
  size: a.size,
  created_at: iso(a.createdAt),
});

/** Rows as the API shows them, with their dependencies, attachments, assignee and pull request: a few queries per page. */
export async function toTasks(db: Db, rows: readonly TaskRow[]): Promise<Task[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const deps = await db
    .select()
    .from(taskDependencies)
    .where(inArray(taskDependencies.taskId, ids))
    .orderBy(asc(taskDependencies.dependsOnId));
  const atts = await db
    .select({
      id: taskAttachments.id,
      taskId: taskAttachments.taskId,
      name: taskAttachments.name,
      contentType: taskAttachments.contentType,
      size: taskAttachments.size,
      createdAt: taskAttachments.createdAt,
    })
    .from(taskAttachments)
    .where(inArray(taskAttachments.taskId, ids))
    .orderBy(asc(taskAttachments.createdAt), asc(taskAttachments.name));
  const assigneeIds = [...new Set(rows.flatMap((r) => (r.assigneeId ? [r.assigneeId] : [])))];
  const emails = new Map<string, string>();
  if (assigneeIds.length) {
    for (const u of await db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(inArray(users.id, assigneeIds))) {
      emails.set(u.id, u.email);
    }
  }
  const sessionIds = rows.flatMap((r) => (r.sessionId ? [r.sessionId] : []));
  const prs = new Map<string, { url: string; state: string }>();
  if (sessionIds.length) {
    for (const p of await db
      .select({ sessionId: pullRequests.sessionId, url: pullRequests.url, state: pullRequests.state })
      .from(pullRequests)
      .where(inArray(pullRequests.sessionId, sessionIds))) {
      prs.set(p.sessionId, { url: p.url, state: p.state });
    }
  }
  return rows.map((r) =>
    toTask(
      r,
      deps.filter((d) => d.taskId === r.id).map((d) => d.dependsOnId),
      atts.filter((a) => a.taskId === r.id).map(toAttachment),
      r.assigneeId ? (emails.get(r.assigneeId) ?? null) : null,
      r.sessionId ? (prs.get(r.sessionId) ?? null) : null,
    ),
  );
}

export async function toTaskOne(db: Db, row: TaskRow): Promise<Task> {
  return (await toTasks(db, [row]))[0] as Task;
}

export function toTask(
  r: TaskRow,
  dependsOn: string[],
  attachments: TaskAttachment[],
  assigneeEmail: string | null,
  pullRequest: { url: string; state: string } | null,
): Task {
  const state = r.state as TaskState;
  return {
    id: r.id,
    project_id: r.projectId,
    number: r.number,
    slug: r.slug,
    title: r.title,
    description: r.description,
    mode: r.mode as TaskMode,
    state,
    column: COLUMN_OF_STATE[state],
    state_reason: r.stateReason,
    waiting: r.waiting,
    queued_for: r.queuedFor as TaskState | null,
    priority: r.priority as TaskPriority,
    labels: r.labels,
    assignee_id: r.assigneeId,
    assignee_email: assigneeEmail,
    depends_on: dependsOn,
    attachments,
    repo: r.repo,
    session_id: r.sessionId,
    branch: r.branch,
    spec_path: specPathOf(r.number, r.slug),
    progress: { done: r.progressDone, total: r.progressTotal },
    pull_request: pullRequest,
    state_changed_at: iso(r.stateChangedAt),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

/** A task's history, oldest first, with the email of each person who moved it. */
export async function transitionsOf(db: Db, taskId: string): Promise<TaskTransition[]> {
  const rows = await db
    .select({ t: taskTransitions, email: users.email })
    .from(taskTransitions)
    .leftJoin(users, eq(users.id, taskTransitions.actorId))
    .where(eq(taskTransitions.taskId, taskId))
    .orderBy(asc(taskTransitions.id));
  return rows.map(({ t, email }) => toTransition(t, t.actorKind === "user" ? email : null));
}

export function toTransition(t: TransitionRow, email: string | null): TaskTransition {
  return {
    from: t.fromState as TaskState | null,
    to: t.toState as TaskState,
    by: { kind: t.actorKind as "user" | "agent" | "system", id: t.actorId, email },
    reason: t.reason,
    at: iso(t.createdAt),
  };
}
