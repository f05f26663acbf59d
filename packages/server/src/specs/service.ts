import {
  type CreateSpecThreadBody,
  SPEC_DOCUMENTS,
  type Spec,
  type SpecDiff,
  type SpecDocumentName,
  type SpecRevisionList,
  type SpecThread,
  type SpecThreadList,
} from "@strand/protocol";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { projects, specComments, specRevisions, specThreads, tasks, users } from "../db/schema.js";
import { recordSpecEvent } from "../events/record.js";
import { readFileAt, resolveRef } from "../git/index.js";
import { HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import { iso } from "../lib/time.js";
import { type Actor, accessTo, assertAccess, personIdOf } from "../policy/policy.js";
import { ownedProject, type ProjectService } from "../projects/service.js";
import type { ProjectRow } from "../projects/to-project.js";
import { diffDocument, documentPath, MissingCommitError, readDocuments, specPathOf } from "./documents.js";
import { containsQuote } from "./quote.js";

type TaskRow = typeof tasks.$inferSelect;
type ThreadRow = typeof specThreads.$inferSelect;
type RevisionRow = typeof specRevisions.$inferSelect;
type CommentRow = typeof specComments.$inferSelect & { authorEmail: string | null };

/** A task the caller may see, with its project and where its repo is on disk (null: no repo). */
interface Work {
  task: TaskRow;
  project: ProjectRow;
  repoPath: string | null;
  specPath: string;
  canControl: boolean;
}

/** The latest revision's documents, read once per request to judge every thread against. */
type LatestDocuments = Map<SpecDocumentName, string | null> | null;

/**
 * A task's spec review: its documents at each revision (the task service records a revision for
 * each push that changed them), what changed between two, and comment threads on selections.
 * A task is seen and changed by whoever sees and changes its project.
 */
export class SpecService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
  ) {}

  async get(actor: Actor, taskId: string, revision?: number): Promise<Spec> {
    const w = await this.workOf(actor, taskId, "view");
    const revisions = await this.revisionRows(this.db, taskId);
    const latest = revisions.at(-1) ?? null;
    let shown: RevisionRow | null = latest;
    if (revision !== undefined) shown = revisionOrThrow(w.task, revisions, revision);
    // Nothing recorded yet but something pushed: show the branch as it is, unnumbered.
    const commit = shown?.commit ?? (await this.branchHead(w));
    const documents = await readDocuments(w.repoPath, commit, w.specPath);
    return {
      revision: shown?.number ?? null,
      commit,
      latest_revision: latest?.number ?? null,
      documents,
      missing: documents.filter((d) => d.content === null).map((d) => d.name),
    };
  }

  async revisions(actor: Actor, taskId: string): Promise<SpecRevisionList> {
    await this.workOf(actor, taskId, "view");
    const rows = await this.revisionRows(this.db, taskId);
    return { items: rows.map((r) => ({ number: r.number, commit: r.commit, created_at: iso(r.createdAt) })) };
  }

  async diff(actor: Actor, taskId: string, from: number, to?: number): Promise<SpecDiff> {
    const w = await this.workOf(actor, taskId, "view");
    const revisions = await this.revisionRows(this.db, taskId);
    const older = revisionOrThrow(w.task, revisions, from);
    const newer = to === undefined ? (revisions.at(-1) as RevisionRow) : revisionOrThrow(w.task, revisions, to);
    if (!w.repoPath) throw repoGone(w);
    const repoPath = w.repoPath;
    try {
      const files = await Promise.all(
        SPEC_DOCUMENTS.map(async (document) => {
          const path = documentPath(w.specPath, document);
          return { document, path, ...(await diffDocument(repoPath, older.commit, newer.commit, path)) };
        }),
      );
      return { from: older.number, to: newer.number, files };
    } catch (err) {
      if (err instanceof MissingCommitError) {
        throw new HttpError(
          409,
          "revision_gone",
          `the commits of spec revisions ${older.number} and ${newer.number} of task ${w.task.number} are not both in the repo any more ` +
            "(the branch was force-pushed and cleaned up); compare other revisions",
        );
      }
      throw err;
    }
  }

  async listThreads(actor: Actor, taskId: string): Promise<SpecThreadList> {
    const w = await this.workOf(actor, taskId, "view");
    const rows = await this.db
      .select()
      .from(specThreads)
      .where(eq(specThreads.taskId, taskId))
      .orderBy(asc(specThreads.createdAt), asc(specThreads.id));
    return { items: await this.toThreads(this.db, w, rows), can_control: w.canControl };
  }

  async createThread(actor: Actor, taskId: string, body: CreateSpecThreadBody): Promise<SpecThread> {
    const w = await this.workOf(actor, taskId, "control");
    const latest = (await this.revisionRows(this.db, taskId)).at(-1);
    if (!latest) {
      throw new HttpError(
        422,
        "no_revision",
        `task ${w.task.number} has no spec revision yet, so there is no text to comment on; comment once the agent has pushed its spec`,
      );
    }
    const text = w.repoPath
      ? await readFileAt(w.repoPath, latest.commit, documentPath(w.specPath, body.document))
      : null;
    if (!containsQuote(text, body.quote)) {
      const shown = body.quote.length > 80 ? `${body.quote.slice(0, 80)}…` : body.quote;
      throw new HttpError(
        422,
        "quote_not_found",
        text === null
          ? `${body.document}.md is not in revision ${latest.number} of the spec, so there is nothing to quote from it; ` +
              "comment on a document the latest revision has"
          : `the text ${JSON.stringify(shown)} is not in ${body.document}.md at revision ${latest.number}; ` +
              "select text from the latest revision",
        { document: body.document, revision: latest.number },
      );
    }
    const threadId = newId("spt");
    await this.db.transaction(async (tx) => {
      const now = new Date();
      await tx.insert(specThreads).values({
        id: threadId,
        taskId,
        document: body.document,
        quote: body.quote,
        prefix: body.prefix ?? "",
        suffix: body.suffix ?? "",
        revision: latest.number,
        createdAt: now,
        updatedAt: now,
      });
      await tx
        .insert(specComments)
        .values({ id: newId("spc"), threadId, authorId: personIdOf(actor), body: body.body, createdAt: now });
      await record(tx, w, "thread", threadId);
    });
    return this.one(w, threadId);
  }

  async reply(actor: Actor, taskId: string, threadId: string, body: string): Promise<SpecThread> {
    const w = await this.workOf(actor, taskId, "control");
    await this.db.transaction(async (tx) => {
      await lockThread(tx, taskId, threadId);
      const now = new Date();
      await tx
        .insert(specComments)
        .values({ id: newId("spc"), threadId, authorId: personIdOf(actor), body, createdAt: now });
      await tx.update(specThreads).set({ updatedAt: now }).where(eq(specThreads.id, threadId));
      await record(tx, w, "thread", threadId);
    });
    return this.one(w, threadId);
  }

  async setResolved(actor: Actor, taskId: string, threadId: string, resolved: boolean): Promise<SpecThread> {
    const w = await this.workOf(actor, taskId, "control");
    await this.db.transaction(async (tx) => {
      const row = await lockThread(tx, taskId, threadId);
      // Resolving a resolved thread changes nothing, not even who resolved it.
      if (row.resolved === resolved) return;
      const now = new Date();
      await tx
        .update(specThreads)
        .set({
          resolved,
          resolvedBy: resolved ? personIdOf(actor) : null,
          resolvedAt: resolved ? now : null,
          updatedAt: now,
        })
        .where(eq(specThreads.id, threadId));
      await record(tx, w, "thread", threadId);
    });
    return this.one(w, threadId);
  }

  /**
   * The open threads whose comments the agent has not had, as API threads (outdated judged against
   * the latest revision), for the request-changes prompt. Read inside the caller's transaction, which
   * has them locked.
   */
  async openUnsent(
    tx: Db,
    taskId: string,
  ): Promise<{
    task: TaskRow;
    project: ProjectRow;
    specPath: string;
    threads: SpecThread[];
    /** Exactly the comments the prompt carries that the agent has not had: these get marked sent. */
    unsentComments: string[];
  } | null> {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId));
    if (!task) throw notFound("task", taskId);
    const [project] = await tx.select().from(projects).where(eq(projects.id, task.projectId));
    if (!project) throw notFound("project", task.projectId);
    const rows = await tx
      .select()
      .from(specThreads)
      .where(and(eq(specThreads.taskId, taskId), eq(specThreads.resolved, false)))
      .orderBy(asc(specThreads.createdAt), asc(specThreads.id))
      .for("update");
    if (rows.length === 0) return null;
    const w: Work = {
      task,
      project,
      repoPath: await this.repoPathOf(task, project),
      specPath: specPathOf(task),
      canControl: true,
    };
    const unsentComments: string[] = [];
    const threads = (await this.toThreads(tx, w, rows, unsentComments)).filter((t) => t.unsent);
    return threads.length ? { task, project, specPath: w.specPath, threads, unsentComments } : null;
  }

  private async one(w: Work, threadId: string): Promise<SpecThread> {
    const rows = await this.db.select().from(specThreads).where(eq(specThreads.id, threadId));
    const [thread] = await this.toThreads(this.db, w, rows);
    if (!thread) throw notFound("spec thread", threadId);
    return thread;
  }

  private async toThreads(db: Db, w: Work, rows: ThreadRow[], unsentOut?: string[]): Promise<SpecThread[]> {
    if (rows.length === 0) return [];
    const comments = await db
      .select({ comment: specComments, email: users.email })
      .from(specComments)
      .leftJoin(users, eq(users.id, specComments.authorId))
      .where(
        inArray(
          specComments.threadId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(specComments.createdAt), asc(specComments.id));
    const byThread = new Map<string, CommentRow[]>();
    for (const { comment, email } of comments) {
      const list = byThread.get(comment.threadId) ?? [];
      list.push({ ...comment, authorEmail: email });
      byThread.set(comment.threadId, list);
      if (comment.sentAt === null) unsentOut?.push(comment.id);
    }
    const latest = await this.latestDocuments(db, w);
    return rows.map((row) => toThread(row, byThread.get(row.id) ?? [], isOutdated(row, latest)));
  }

  private async latestDocuments(db: Db, w: Work): Promise<LatestDocuments> {
    const latest = (await this.revisionRows(db, w.task.id)).at(-1);
    if (!latest) return null;
    const docs = await readDocuments(w.repoPath, latest.commit, w.specPath);
    return new Map(docs.map((d) => [d.name, d.content]));
  }

  private revisionRows(db: Db, taskId: string): Promise<RevisionRow[]> {
    return db.select().from(specRevisions).where(eq(specRevisions.taskId, taskId)).orderBy(asc(specRevisions.number));
  }

  private async branchHead(w: Work): Promise<string | null> {
    if (!w.repoPath || !w.task.branch) return null;
    return resolveRef(w.repoPath, `refs/heads/${w.task.branch}`);
  }

  private async workOf(actor: Actor, taskId: string, need: "view" | "control"): Promise<Work> {
    const [task] = await this.db.select().from(tasks).where(eq(tasks.id, taskId));
    if (!task) throw notFound("task", taskId);
    // Access was decided on the project: it is read as the system.
    const project = await this.projects.byId(task.projectId);
    if (!project) throw notFound("task", taskId);
    const access = accessTo(actor, ownedProject(project));
    assertAccess(actor, ownedProject(project), need, { kind: "task", id: taskId }, access);
    return {
      task,
      project,
      repoPath: await this.repoPathOf(task, project),
      specPath: specPathOf(task),
      canControl: access === "control",
    };
  }

  /** The task's repo (the project's first when it names none), or null when there is none on disk. */
  private async repoPathOf(task: TaskRow, project: ProjectRow): Promise<string | null> {
    const name = task.repo ?? (await this.projects.repos(project))[0]?.name;
    if (!name || !(await this.projects.store.exists(project.slug, name))) return null;
    return this.projects.store.pathFor(project.slug, name);
  }
}

function isOutdated(row: ThreadRow, latest: LatestDocuments): boolean {
  if (latest === null) return false;
  return !containsQuote(latest.get(row.document as SpecDocumentName) ?? null, row.quote);
}

function toThread(row: ThreadRow, comments: CommentRow[], outdated: boolean): SpecThread {
  return {
    id: row.id,
    task_id: row.taskId,
    document: row.document as SpecDocumentName,
    quote: row.quote,
    prefix: row.prefix,
    suffix: row.suffix,
    revision: row.revision,
    outdated,
    resolved: row.resolved,
    resolved_by: row.resolvedBy,
    resolved_at: iso(row.resolvedAt),
    sent_at: iso(row.sentAt),
    unsent: comments.some((c) => c.sentAt === null),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    comments: comments.map((c) => ({
      id: c.id,
      author_id: c.authorId,
      author_email: c.authorEmail,
      body: c.body,
      created_at: iso(c.createdAt),
    })),
  };
}

function revisionOrThrow(task: TaskRow, revisions: RevisionRow[], n: number): RevisionRow {
  const row = revisions.find((r) => r.number === n);
  if (row) return row;
  const have =
    revisions.length === 0
      ? "it has none yet: the agent has not pushed its spec"
      : `its revisions are 1 to ${revisions.length}`;
  throw new HttpError(404, "not_found", `task ${task.number} has no spec revision ${n}; ${have}`);
}

function repoGone(w: Work): HttpError {
  return new HttpError(
    409,
    "repo_gone",
    `the repo of task ${w.task.number} is not in project ${w.project.slug} any more, so its spec cannot be read`,
  );
}

async function lockThread(tx: Db, taskId: string, threadId: string): Promise<ThreadRow> {
  const [row] = await tx
    .select()
    .from(specThreads)
    .where(and(eq(specThreads.id, threadId), eq(specThreads.taskId, taskId)))
    .for("update");
  if (!row) throw notFound("spec thread", threadId);
  return row;
}

/** Everyone who sees the task's project hears it: their task pages read the spec or threads again. */
export function specAudience(project: ProjectRow) {
  return { ownerId: project.ownerId, teamId: project.teamId };
}

function record(tx: Db, w: Pick<Work, "task" | "project">, what: "thread" | "sent", threadId: string | null) {
  return recordSpecEvent(tx, { id: w.task.id, project_id: w.task.projectId }, specAudience(w.project), what, threadId);
}

export { record as recordSpecChange };
