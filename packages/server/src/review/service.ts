import { createHash } from "node:crypto";
import type {
  CreateReviewThreadBody,
  ResolveConflictsResult,
  ReviewChange,
  ReviewSide,
  ReviewThread,
  ReviewThreadList,
  SendReviewResult,
} from "@strand/protocol";
import { and, asc, eq, inArray, ne, or } from "drizzle-orm";
import type { ConversationService } from "../conversations/service.js";
import type { Db } from "../db/database.js";
import { projects, reviewComments, reviewThreads, sessions, users } from "../db/schema.js";
import { recordReviewEvent } from "../events/record.js";
import {
  branchExists,
  diffChanges,
  findConflicts,
  isAncestor,
  linesOf,
  mergeBase,
  readFileAt,
  resolveRef,
} from "../git/index.js";
import { HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import { iso } from "../lib/time.js";
import { type Actor, accessTo, personIdOf } from "../policy/policy.js";
import type { ReviewService } from "../projects/review.js";
import { owned } from "../sessions/owned.js";
import type { SessionRow } from "../sessions/to-session.js";
import { anchorOf, commitOfSide, isOutdated, lineRef } from "./anchor.js";
import { buildResolveConflictsPrompt, buildReviewPrompt, type PromptThread } from "./prompt.js";

type ThreadRow = typeof reviewThreads.$inferSelect;
type CommentRow = typeof reviewComments.$inferSelect & { authorEmail: string };
type Work = Awaited<ReturnType<ReviewService["workOf"]>>;

/** Where a session's branch stands now: what threads are judged against. Null head: nothing pushed. */
interface Tips {
  head: string | null;
  base: string | null;
}

// The conversation caps a prompt at this many characters.
const PROMPT_LIMIT = 100_000;

/**
 * Threaded line comments on a session's changes (the review part of docs/teams-and-projects.md).
 * Threads are stored, never moved: each keeps the text of its lines, and reads compare that with
 * the lines as they are now to say whether it is outdated.
 */
export class ReviewThreadService {
  constructor(
    private readonly db: Db,
    private readonly review: ReviewService,
    private readonly conversations: ConversationService,
  ) {}

  async list(actor: Actor, sessionId: string): Promise<ReviewThreadList> {
    const w = await this.review.workOf(actor, sessionId, "view");
    const rows = await this.db
      .select()
      .from(reviewThreads)
      .where(eq(reviewThreads.sessionId, sessionId))
      .orderBy(asc(reviewThreads.createdAt), asc(reviewThreads.id));
    const tips = await tipsOf(w);
    return {
      items: await this.toThreads(w, tips, rows),
      head: tips.head,
      can_control: accessTo(actor, owned(w.session)) === "control",
    };
  }

  async create(actor: Actor, sessionId: string, body: CreateReviewThreadBody): Promise<ReviewThread> {
    const w = await this.review.workOf(actor, sessionId, "control");
    const side: ReviewSide = body.side ?? "new";
    const start = body.start_line;
    const end = body.end_line ?? start;
    if (!(await branchExists(w.path, w.branch))) {
      throw unprocessable("nothing_pushed", `${w.branch} has not been pushed yet, so there are no lines to comment on`);
    }
    const changes = await diffChanges(w.path, w.base, w.branch);
    // A renamed file is named by its new path on the new side and by either path on the old side.
    const file =
      changes.files.find((f) => f.path === body.path) ??
      (side === "old" ? changes.files.find((f) => f.old_path === body.path) : undefined);
    if (!file) {
      const names = changes.files.map((f) => f.path);
      const shown = names.length > 10 ? `${names.slice(0, 10).join(", ")}, …` : names.join(", ");
      throw unprocessable(
        "not_in_changes",
        `${body.path} is not among the changed files of ${w.branch}` +
          (names.length ? `; comment on one of: ${shown}` : "; it changes no files yet"),
        { path: body.path },
      );
    }
    if (file.binary)
      throw unprocessable("binary_file", `${file.path} is a binary file; comment on a text file's lines`);
    if (side === "new" && file.status === "deleted") {
      throw unprocessable(
        "no_such_side",
        `${file.path} is deleted on ${w.branch}: comment on its old lines (side old)`,
      );
    }
    if (side === "old" && (file.status === "added" || file.status === "copied")) {
      throw unprocessable(
        "no_such_side",
        `${file.path} is new on ${w.branch}, so it has no old lines: comment on its new lines (side new)`,
      );
    }
    const path = side === "old" ? (file.old_path ?? file.path) : file.path;
    const at = commitOfSide(side, changes);
    const text = await readFileAt(w.path, at, path);
    const lines = text === null ? [] : linesOf(text);
    const anchor = anchorOf(lines, start, end);
    if (anchor === null) {
      const where = side === "new" ? `at ${w.branch} (${at.slice(0, 12)})` : `at the merge base (${at.slice(0, 12)})`;
      throw unprocessable(
        "no_such_lines",
        `${path} has ${lines.length} line${lines.length === 1 ? "" : "s"} ${where}, so ${lineRef(path, start, end)} does not exist; ` +
          "pick lines shown in the diff",
        { lines: lines.length },
      );
    }
    const now = new Date();
    const threadId = newId("rvt");
    await this.db.transaction(async (tx) => {
      await tx.insert(reviewThreads).values({
        id: threadId,
        sessionId,
        path,
        side,
        startLine: start,
        endLine: end,
        commit: changes.head,
        anchor,
        createdAt: now,
        updatedAt: now,
      });
      await tx.insert(reviewComments).values({
        id: newId("rvc"),
        threadId,
        authorId: personIdOf(actor),
        body: body.body,
        createdAt: now,
        updatedAt: now,
      });
      await record(tx, w.session, { what: "thread", thread_id: threadId });
    });
    return this.one(w, threadId);
  }

  async reply(actor: Actor, sessionId: string, threadId: string, body: string): Promise<ReviewThread> {
    const w = await this.review.workOf(actor, sessionId, "control");
    await this.db.transaction(async (tx) => {
      await lockThread(tx, sessionId, threadId);
      const now = new Date();
      await tx.insert(reviewComments).values({
        id: newId("rvc"),
        threadId,
        authorId: personIdOf(actor),
        body,
        createdAt: now,
        updatedAt: now,
      });
      await tx.update(reviewThreads).set({ updatedAt: now }).where(eq(reviewThreads.id, threadId));
      await record(tx, w.session, { what: "thread", thread_id: threadId });
    });
    return this.one(w, threadId);
  }

  async setResolved(actor: Actor, sessionId: string, threadId: string, resolved: boolean): Promise<ReviewThread> {
    const w = await this.review.workOf(actor, sessionId, "control");
    await this.db.transaction(async (tx) => {
      const row = await lockThread(tx, sessionId, threadId);
      // Resolving a resolved thread changes nothing, not even who resolved it.
      if (row.resolved === resolved) return;
      const now = new Date();
      await tx
        .update(reviewThreads)
        .set({
          resolved,
          resolvedBy: resolved ? personIdOf(actor) : null,
          resolvedAt: resolved ? now : null,
          updatedAt: now,
        })
        .where(eq(reviewThreads.id, threadId));
      await record(tx, w.session, { what: "thread", thread_id: threadId });
    });
    return this.one(w, threadId);
  }

  /**
   * Sends every open thread with comments the agent has not had yet as one prompt, and marks what it
   * carried as sent. The prompt's request id is derived from exactly those comments, so a retry (or
   * two people pressing Send at once) posts it once.
   */
  async send(actor: Actor, sessionId: string, opts: { extra?: string } = {}): Promise<SendReviewResult> {
    const w = await this.review.workOf(actor, sessionId, "control");
    const open = await this.db
      .select()
      .from(reviewThreads)
      .where(and(eq(reviewThreads.sessionId, sessionId), eq(reviewThreads.resolved, false)))
      .orderBy(asc(reviewThreads.createdAt), asc(reviewThreads.id));
    const threads = (await this.toThreads(w, await tipsOf(w), open)).filter((t) => t.unsent);
    const extra = opts.extra?.trim() ? opts.extra.trim() : undefined;
    if (threads.length === 0 && !extra) {
      throw new HttpError(
        409,
        "nothing_to_send",
        open.length === 0
          ? "nothing to send: there are no open review threads; comment on a line of the changes first"
          : "nothing to send: the agent already has every comment of the open threads; reply in a thread to send more",
      );
    }
    // Files in diff order would need the diff; path then line reads the same way.
    threads.sort((a, b) => a.path.localeCompare(b.path) || a.start_line - b.start_line);
    // A task's Request changes may add words of its own beside (or instead of) the line comments.
    const prompt = [
      ...(threads.length
        ? [buildReviewPrompt({ branch: w.branch, base_branch: w.base }, threads.map(toPromptThread))]
        : []),
      ...(extra ? [`${extra}\n`] : []),
    ].join("\n");
    if (prompt.length > PROMPT_LIMIT) {
      throw unprocessable(
        "prompt_too_long",
        `the ${threads.length} open threads make a prompt of ${prompt.length} characters (at most ${PROMPT_LIMIT}); ` +
          "resolve some threads and send the rest in parts",
      );
    }
    const sentThrough = new Map(threads.map((t) => [t.id, latest(t.comments.map((c) => c.created_at))]));
    const digest = createHash("sha256");
    for (const t of threads) digest.update(`${t.id}:${t.comments.map((c) => c.id).join(",")};`);
    if (extra) digest.update(`extra:${extra}`);
    const { entry } = await this.conversations.post(actor, sessionId, {
      request_id: `review-${digest.digest("hex").slice(0, 40)}`,
      content: prompt,
    });
    await this.db.transaction(async (tx) => {
      const locked = sentThrough.size
        ? await tx
            .select()
            .from(reviewThreads)
            .where(inArray(reviewThreads.id, [...sentThrough.keys()]))
            .for("update")
        : [];
      for (const row of locked) {
        const through = new Date(sentThrough.get(row.id) as string);
        // Never moves back: a slower duplicate of this send must not unmark later sends.
        if (row.sentAt && row.sentAt >= through) continue;
        await tx.update(reviewThreads).set({ sentAt: through }).where(eq(reviewThreads.id, row.id));
      }
      await record(tx, w.session, { what: "sent", thread_id: null });
    });
    return { sent: threads.length, prompt, entry_id: entry.id };
  }

  /** Asks the agent to merge its base in, resolve the conflicts (named when a trial merge finds them) and push. */
  async resolveConflicts(actor: Actor, sessionId: string): Promise<ResolveConflictsResult> {
    const w = await this.review.workOf(actor, sessionId, "control");
    if (!(await branchExists(w.path, w.branch))) {
      throw new HttpError(409, "nothing_pushed", `${w.branch} has not been pushed yet; there is nothing to merge`);
    }
    if (await isAncestor(w.path, w.base, w.branch)) {
      throw new HttpError(
        409,
        "no_conflicts",
        `${w.branch} already contains everything on ${w.base}, so there is nothing to resolve; merge it`,
      );
    }
    const files = await findConflicts(w.path, w.base, w.branch);
    const prompt = buildResolveConflictsPrompt({ branch: w.branch, base_branch: w.base }, files);
    const { entry } = await this.conversations.post(actor, sessionId, { request_id: newId("rsv"), content: prompt });
    return { files, prompt, entry_id: entry.id };
  }

  /**
   * A push or a merge moved these branches of a repo: every session on that repo whose branch or
   * base is among them hears it, so open Changes tabs read their diff and threads again.
   */
  async branchesMoved(projectSlug: string, repo: string, branches: readonly string[]): Promise<void> {
    if (branches.length === 0) return;
    const names = [...branches];
    await this.db.transaction(async (tx) => {
      const affected = await tx
        .select({ session: sessions })
        .from(sessions)
        .innerJoin(projects, eq(projects.id, sessions.projectId))
        .where(
          and(
            eq(projects.slug, projectSlug),
            eq(sessions.repo, repo),
            ne(sessions.desiredState, "deleted"),
            or(inArray(sessions.branch, names), inArray(sessions.base, names)),
          ),
        );
      for (const { session } of affected) await record(tx, session, { what: "branch", thread_id: null });
    });
  }

  /** After a merge through the API: the session's base (and so its changes) moved. */
  async merged(sessionId: string): Promise<void> {
    const [row] = await this.db
      .select({ slug: projects.slug, repo: sessions.repo, base: sessions.base, branch: sessions.branch })
      .from(sessions)
      .innerJoin(projects, eq(projects.id, sessions.projectId))
      .where(eq(sessions.id, sessionId));
    if (!row?.repo || !row.base) return;
    await this.branchesMoved(row.slug, row.repo, [row.base, ...(row.branch ? [row.branch] : [])]);
  }

  private async one(w: Work, threadId: string): Promise<ReviewThread> {
    const rows = await this.db.select().from(reviewThreads).where(eq(reviewThreads.id, threadId));
    const [thread] = await this.toThreads(w, await tipsOf(w), rows);
    if (!thread) throw notFound("review thread", threadId);
    return thread;
  }

  private async toThreads(w: Work, tips: Tips, rows: ThreadRow[]): Promise<ReviewThread[]> {
    if (rows.length === 0) return [];
    const comments = await this.db
      .select({ comment: reviewComments, email: users.email })
      .from(reviewComments)
      .innerJoin(users, eq(users.id, reviewComments.authorId))
      .where(
        inArray(
          reviewComments.threadId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(reviewComments.createdAt), asc(reviewComments.id));
    const byThread = new Map<string, CommentRow[]>();
    for (const { comment, email } of comments) {
      const list = byThread.get(comment.threadId) ?? [];
      list.push({ ...comment, authorEmail: email });
      byThread.set(comment.threadId, list);
    }
    const outdated = await outdatedOf(w, tips, rows);
    return rows.map((row) => toThread(row, byThread.get(row.id) ?? [], outdated.get(row.id) ?? true));
  }
}

async function tipsOf(w: Work): Promise<Tips> {
  const head = await resolveRef(w.path, `refs/heads/${w.branch}`);
  if (!head) return { head: null, base: null };
  const baseTip = await resolveRef(w.path, `refs/heads/${w.base}`);
  return { head, base: baseTip ? await mergeBase(w.path, baseTip, head) : null };
}

/** Reads each file a thread is anchored in once per side, and compares the anchored lines. */
async function outdatedOf(w: Work, tips: Tips, rows: ThreadRow[]): Promise<Map<string, boolean>> {
  const files = new Map<string, Promise<string[] | null>>();
  const linesAt = (commit: string, path: string) => {
    const key = `${commit}\0${path}`;
    let lines = files.get(key);
    if (!lines) {
      lines = readFileAt(w.path, commit, path).then((text) => (text === null ? null : linesOf(text)));
      files.set(key, lines);
    }
    return lines;
  };
  const result = new Map<string, boolean>();
  for (const row of rows) {
    const side = row.side as ReviewSide;
    const at = side === "new" ? tips.head : tips.base;
    if (!at) result.set(row.id, true);
    // Written against this very head: its lines are what they were.
    else if (side === "new" && row.commit === at) result.set(row.id, false);
    else result.set(row.id, isOutdated(row.anchor, await linesAt(at, row.path), row.startLine, row.endLine));
  }
  return result;
}

function toThread(row: ThreadRow, comments: CommentRow[], outdated: boolean): ReviewThread {
  const sentAt = row.sentAt;
  return {
    id: row.id,
    session_id: row.sessionId,
    path: row.path,
    side: row.side as ReviewSide,
    start_line: row.startLine,
    end_line: row.endLine,
    commit: row.commit,
    anchor: row.anchor,
    outdated,
    resolved: row.resolved,
    resolved_by: row.resolvedBy,
    resolved_at: iso(row.resolvedAt),
    sent_at: iso(sentAt),
    unsent: comments.some((c) => !sentAt || c.createdAt > sentAt),
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

function toPromptThread(t: ReviewThread): PromptThread {
  return {
    path: t.path,
    side: t.side,
    start_line: t.start_line,
    end_line: t.end_line,
    anchor: t.anchor,
    outdated: t.outdated,
    commit: t.commit,
    // The whole discussion, not only what is new: a reply makes sense only after what it answers.
    comments: t.comments.map((c) => ({ author: c.author_email, body: c.body })),
  };
}

// ISO times of one format sort as the times do.
const latest = (isoTimes: string[]) => [...isoTimes].sort().at(-1) as string;

async function lockThread(tx: Db, sessionId: string, threadId: string): Promise<ThreadRow> {
  const [row] = await tx
    .select()
    .from(reviewThreads)
    .where(and(eq(reviewThreads.id, threadId), eq(reviewThreads.sessionId, sessionId)))
    .for("update");
  if (!row) throw notFound("review thread", threadId);
  return row;
}

function record(tx: Db, session: SessionRow, review: ReviewChange) {
  return recordReviewEvent(tx, session.id, { ownerId: session.ownerId, teamId: session.teamId }, review);
}

const unprocessable = (code: string, message: string, details?: unknown) => new HttpError(422, code, message, details);
