import {
  type AgentClientMessage,
  FINAL_PROMPT_STATUSES,
  type NoticeContent,
  type PermissionContent,
  type PromptStatus,
  type UserContentSchema,
} from "@strand/protocol";
import { and, eq, inArray } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../db/database.js";
import { conversationEntries } from "../db/schema.js";
import { newId } from "../lib/ids.js";
import type { Notifier } from "../notifications/notify.js";
import type { SessionRow } from "../sessions/to-session.js";
import {
  ACTIVE_PROMPT,
  type EntryRow,
  entriesOf,
  insertEntry,
  lockSession,
  QUEUED_PROMPT,
  updateEntry,
} from "./entries.js";
import { cancelPendingPermissions } from "./service.js";

type UserContent = z.infer<typeof UserContentSchema>;
type Msg<T extends AgentClientMessage["type"]> = Extract<AgentClientMessage, { type: T }>;

/** A prompt handed to agentd. */
export interface Delivery {
  entry_id: string;
  turn_id: string;
  content: string;
}

/** A permission answer agentd may not have received. */
export interface Answer {
  id: string;
  option_id: string | null;
}

/** agentd sent something the server will never accept; it is acked with this reason and dropped. */
export class AgentMessageRejected extends Error {}

/** How often a prompt may be handed to a new agentd process before it is given up as failed. */
const MAX_DELIVERIES = 2;

export const INTERRUPTED_NOTICE =
  "The agent restarted while this prompt was running, so it was stopped. It is not run again on its own " +
  "because it may already have changed things; send it again if you want it re-run.";

export const STOPPED_NOTICE =
  "The session stopped while this prompt was running, so it was stopped. It is not run again on its own; " +
  "send it again once the session is back if you want it re-run.";

/**
 * The delivery state machine of docs/conversations.md, one transaction per step. Every step locks
 * the session row first, so steps of one session never interleave, whichever replica runs them.
 */
export class DeliveryStore {
  constructor(
    private readonly db: Db,
    private readonly notifier?: Notifier,
  ) {}

  /**
   * agentd (process `instance`) said hello. A running prompt owned by another process is
   * interrupted (its side effects may have happened: never rerun it); a delivered prompt that
   * never started is handed over again, at most MAX_DELIVERIES times in all. Returns the prompts
   * to (re)send and the permission answers of live turns.
   */
  async reconcile(sessionId: string, instance: string): Promise<{ redeliver: Delivery[]; answers: Answer[] }> {
    return this.db.transaction(async (tx) => {
      const session = await lockSession(tx, sessionId);
      const active = await activePrompts(tx, sessionId);
      const redeliver: Delivery[] = [];
      const liveTurns: string[] = [];
      for (const row of active) {
        const sameProcess = row.agentInstance === instance;
        if (row.status === "running") {
          if (sameProcess) {
            liveTurns.push(row.turnId as string);
            continue;
          }
          await finish(tx, session, row, "interrupted", { error: "the agent restarted while it ran" });
          await settleEntries(tx, session, row.turnId);
          await notice(tx, session, row.turnId, { level: "warning", text: INTERRUPTED_NOTICE });
          continue;
        }
        // Delivered, not started. The same process deduplicates prompts, so a resend is harmless.
        if (sameProcess) {
          redeliver.push(toDelivery(row));
          continue;
        }
        if (row.deliveries >= MAX_DELIVERIES) {
          const error = `the agent restarted ${row.deliveries} times before starting this prompt`;
          await finish(tx, session, row, "failed", { error });
          await notice(tx, session, row.turnId, {
            level: "error",
            text: `This prompt was not run: ${error}. Send it again once the agent is stable.`,
          });
          continue;
        }
        await updateEntry(tx, session, row, { agentInstance: instance, deliveries: row.deliveries + 1 });
        redeliver.push(toDelivery(row));
      }
      const answers = liveTurns.length ? await answeredPermissions(tx, sessionId, liveTurns) : [];
      return { redeliver, answers };
    });
  }

  /**
   * The session's desktop stopped (or died): its agentd is gone. A running prompt is interrupted
   * as on a new agentd's hello; a delivered one goes back to the queue for the next start.
   */
  async sessionStopped(sessionId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const session = await lockSession(tx, sessionId).catch(() => undefined);
      if (!session) return;
      for (const row of await activePrompts(tx, sessionId)) {
        if (row.status === "delivered") {
          await updateEntry(tx, session, row, { status: "queued", agentInstance: null });
          continue;
        }
        await finish(tx, session, row, "interrupted", { error: "the session stopped while it ran" });
        await settleEntries(tx, session, row.turnId);
        await notice(tx, session, row.turnId, { level: "warning", text: STOPPED_NOTICE });
      }
    });
  }

  /** The oldest queued prompt, marked delivered to `instance`, if agentd has nothing in flight. */
  async deliverNext(sessionId: string, instance: string): Promise<Delivery | undefined> {
    // Cheap look first: most calls (sweeps, events) find nothing to deliver and need no lock.
    if (!(await this.hasQueued(sessionId))) return undefined;
    return this.db.transaction(async (tx) => {
      const session = await lockSession(tx, sessionId);
      if ((await activePrompts(tx, sessionId)).length > 0) return undefined;
      const [next] = await entriesOf(tx, sessionId, ...QUEUED_PROMPT).limit(1);
      if (!next) return undefined;
      await updateEntry(tx, session, next, {
        status: "delivered",
        agentInstance: instance,
        deliveries: next.deliveries + 1,
      });
      return toDelivery(next);
    });
  }

  private async hasQueued(sessionId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: conversationEntries.id })
      .from(conversationEntries)
      .where(and(eq(conversationEntries.sessionId, sessionId), ...QUEUED_PROMPT))
      .limit(1);
    return row !== undefined;
  }

  /** delivered → running. Returns false when the prompt already ended (cancelled): stop it. */
  async turnStarted(sessionId: string, msg: Msg<"turn.started">): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const session = await lockSession(tx, sessionId);
      const row = await promptOf(tx, sessionId, msg.turn_id);
      if (row.status === "delivered") await updateEntry(tx, session, row, { status: "running" });
      return !isFinal(row.status);
    });
  }

  /** Ends the turn: done, cancelled or failed, unless it already ended (cancel, interrupt). */
  async turnFinished(sessionId: string, msg: Msg<"turn.finished">): Promise<void> {
    await this.db.transaction(async (tx) => {
      const session = await lockSession(tx, sessionId);
      const row = await promptOf(tx, sessionId, msg.turn_id);
      if (isFinal(row.status) || row.status === "queued") return;
      const status: PromptStatus =
        msg.stop_reason === "cancelled" ? "cancelled" : msg.stop_reason === "error" || msg.error ? "failed" : "done";
      await finish(tx, session, row, status, {
        stop_reason: msg.stop_reason,
        ...(msg.error ? { error: msg.error } : {}),
      });
    });
  }

  /** Creates or advances an agent entry; a rev the server already has changes nothing. */
  async upsert(sessionId: string, msg: Msg<"entry.upsert">): Promise<void> {
    await this.db.transaction(async (tx) => {
      const session = await lockSession(tx, sessionId);
      const [existing] = await tx.select().from(conversationEntries).where(eq(conversationEntries.id, msg.id));
      if (existing) {
        if (existing.sessionId !== sessionId || existing.kind !== msg.kind) {
          throw new AgentMessageRejected(`entry ${msg.id} exists and is not this session's ${msg.kind} entry`);
        }
        if (msg.rev <= existing.rev) return;
        await updateEntry(tx, session, existing, { status: msg.status, content: msg.content, rev: msg.rev });
        return;
      }
      if (msg.turn_id !== null) await promptOf(tx, sessionId, msg.turn_id);
      else if (msg.kind !== "notice") throw new AgentMessageRejected(`a ${msg.kind} entry needs a turn_id`);
      await insertEntry(tx, session, {
        id: msg.id,
        turnId: msg.turn_id,
        kind: msg.kind,
        status: msg.status,
        content: msg.content,
        rev: msg.rev,
      });
    });
  }

  /**
   * Stores a permission request as a pending entry. Returns the answer to send at once when
   * there is one already (a resend after the user answered, or a turn that already ended).
   */
  async permissionRequest(sessionId: string, msg: Msg<"permission.request">): Promise<Answer | undefined> {
    return this.db.transaction(async (tx) => {
      const session = await lockSession(tx, sessionId);
      const prompt = await promptOf(tx, sessionId, msg.turn_id);
      const [existing] = await tx.select().from(conversationEntries).where(eq(conversationEntries.id, msg.id));
      if (existing) {
        if (existing.sessionId !== sessionId || existing.kind !== "permission") {
          throw new AgentMessageRejected(`entry ${msg.id} exists and is not this session's permission request`);
        }
        return answerOf(existing);
      }
      const ended = isFinal(prompt.status);
      const content: PermissionContent = { tool_call: msg.tool_call, options: msg.options, selected_option_id: null };
      await insertEntry(tx, session, {
        id: msg.id,
        turnId: msg.turn_id,
        kind: "permission",
        status: ended ? "cancelled" : "pending",
        content,
      });
      if (!ended && this.notifier) {
        // The person who sent the prompt is at the keyboard; the owner answers for the session.
        const author = (prompt.content as UserContent).author?.id;
        await this.notifier.notify(tx, {
          kind: "agent.permission",
          title: "Agent asks for permission",
          body: `${session.name}: ${msg.tool_call.title ?? "a tool call"}`,
          link: `/sessions/${session.id}`,
          projectId: session.projectId,
          taskId: null,
          sessionId: session.id,
          recipients: author ? [session.ownerId, author] : [session.ownerId],
        });
      }
      return ended ? { id: msg.id, option_id: null } : undefined;
    });
  }
}

function isFinal(status: string): boolean {
  return FINAL_PROMPT_STATUSES.includes(status as PromptStatus);
}

function toDelivery(row: EntryRow): Delivery {
  return { entry_id: row.id, turn_id: row.turnId as string, content: (row.content as UserContent).text };
}

function answerOf(row: EntryRow): Answer | undefined {
  if (row.status === "pending") return undefined;
  return { id: row.id, option_id: (row.content as PermissionContent).selected_option_id };
}

function activePrompts(tx: Db, sessionId: string): Promise<EntryRow[]> {
  return entriesOf(tx, sessionId, ...ACTIVE_PROMPT);
}

async function promptOf(tx: Db, sessionId: string, turnId: string): Promise<EntryRow> {
  const [row] = await entriesOf(
    tx,
    sessionId,
    eq(conversationEntries.turnId, turnId),
    eq(conversationEntries.kind, "user"),
  );
  if (!row) throw new AgentMessageRejected(`turn ${turnId} is not a turn of this session`);
  return row;
}

async function answeredPermissions(tx: Db, sessionId: string, turnIds: string[]): Promise<Answer[]> {
  const rows = await entriesOf(
    tx,
    sessionId,
    eq(conversationEntries.kind, "permission"),
    eq(conversationEntries.status, "answered"),
    inArray(conversationEntries.turnId, turnIds),
  );
  return rows.map((r) => answerOf(r)).filter((a): a is Answer => a !== undefined);
}

async function finish(
  tx: Db,
  session: SessionRow,
  row: EntryRow,
  status: PromptStatus,
  extra: Partial<UserContent>,
): Promise<void> {
  await updateEntry(tx, session, row, { status, content: { ...(row.content as UserContent), ...extra } });
  await cancelPendingPermissions(tx, session, row.turnId);
}

/**
 * The agentd that streamed a turn is gone: its entries will never be finished by it. Streams end
 * as they are; tool calls that never reported an end are marked failed.
 */
async function settleEntries(tx: Db, session: SessionRow, turnId: string | null): Promise<void> {
  if (!turnId) return;
  const rows = await entriesOf(
    tx,
    session.id,
    eq(conversationEntries.turnId, turnId),
    inArray(conversationEntries.status, ["in_progress", "pending"]),
    inArray(conversationEntries.kind, ["text", "thinking", "plan", "tool_call"]),
  );
  for (const row of rows) {
    await updateEntry(tx, session, row, { status: row.kind === "tool_call" ? "failed" : "completed" });
  }
}

async function notice(tx: Db, session: SessionRow, turnId: string | null, content: NoticeContent): Promise<void> {
  await insertEntry(tx, session, { id: newId("ntc"), turnId, kind: "notice", status: "completed", content });
}
