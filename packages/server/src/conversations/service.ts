import {
  type AnswerPermissionBody,
  type ConversationEntry,
  ErrorCodes,
  type ListMessagesQuery,
  type MessageList,
  type PermissionContent,
  type PostMessageBody,
  type UserContentSchema,
} from "@strand/protocol";
import { eq, gt, inArray, like, or, type SQL } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../db/database.js";
import { conversationEntries, users } from "../db/schema.js";
import { HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import type { Actor } from "../policy/policy.js";
import {
  ACTIVE_PROMPT,
  entriesOf,
  findSessionFor,
  insertEntry,
  lockSessionFor,
  toEntry,
  updateEntry,
} from "./entries.js";

type UserContent = z.infer<typeof UserContentSchema>;

/**
 * The user's side of a conversation: prompts in, the thread out, cancel and permission answers.
 * Delivery to the agent is `ConversationHub`'s job; it reacts to the events written here.
 */
export class ConversationService {
  constructor(private readonly db: Db) {}

  /**
   * Stores a prompt as `queued`. A repeat of the same `request_id` with the same content returns
   * the stored entry (`created: false`) and changes nothing; with other content it is a 409.
   */
  async post(
    actor: Actor,
    sessionId: string,
    body: PostMessageBody,
  ): Promise<{ entry: ConversationEntry; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const session = await lockSessionFor(tx, actor, sessionId);
      const [existing] = await entriesOf(tx, sessionId, eq(conversationEntries.requestId, body.request_id));
      if (existing) {
        if ((existing.content as UserContent).text !== body.content) {
          throw new HttpError(
            409,
            ErrorCodes.conflict,
            `request_id ${JSON.stringify(body.request_id)} was already used for a different message in this session; ` +
              "use a new request_id for a new message",
            { request_id: body.request_id, entry_id: existing.id },
          );
        }
        return { entry: toEntry(existing), created: false };
      }
      if (session.desiredState === "deleted") {
        throw new HttpError(409, ErrorCodes.conflict, `session ${sessionId} is being deleted`);
      }
      const author = await authorOf(tx, actor);
      const entry = await insertEntry(tx, session, {
        id: newId("msg"),
        turnId: newId("trn"),
        kind: "user",
        status: "queued",
        content: { text: body.content, ...(author ? { author } : {}) } satisfies UserContent,
        requestId: body.request_id,
      });
      return { entry, created: true };
    });
  }

  async list(actor: Actor, sessionId: string, q: ListMessagesQuery): Promise<MessageList> {
    await findSessionFor(this.db, actor, sessionId);
    const rows = await entriesOf(this.db, sessionId, gt(conversationEntries.seq, q.after)).limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(toEntry), next_after: rows.length > q.limit && last ? last.seq : null };
  }

  /**
   * Cancels the prompt being worked on (delivered or running). The agent is told through the
   * `message.updated` event; whatever it still streams for the turn is kept. Returns the
   * cancelled prompt, or null when nothing was in flight.
   */
  async cancel(actor: Actor, sessionId: string): Promise<ConversationEntry | null> {
    return this.db.transaction(async (tx) => {
      const session = await lockSessionFor(tx, actor, sessionId);
      const [active] = await entriesOf(tx, sessionId, ...ACTIVE_PROMPT).limit(1);
      if (!active) return null;
      const content = { ...(active.content as UserContent), stop_reason: "cancelled" };
      const entry = await updateEntry(tx, session, active, { status: "cancelled", content });
      await cancelPendingPermissions(tx, session, active.turnId);
      return entry;
    });
  }

  /** Records the user's answer to a permission request; the hub relays it to agentd. */
  async answerPermission(
    actor: Actor,
    sessionId: string,
    entryId: string,
    body: AnswerPermissionBody,
  ): Promise<ConversationEntry> {
    return this.db.transaction(async (tx) => {
      const session = await lockSessionFor(tx, actor, sessionId);
      const [row] = await entriesOf(
        tx,
        sessionId,
        eq(conversationEntries.id, entryId),
        eq(conversationEntries.kind, "permission"),
      );
      if (!row) throw notFound("permission request", entryId);
      const content = row.content as PermissionContent;
      if (row.status !== "pending") {
        if (row.status === "answered" && content.selected_option_id === body.option_id) return toEntry(row);
        throw new HttpError(
          409,
          ErrorCodes.conflict,
          row.status === "answered"
            ? `permission request ${entryId} was already answered with ${JSON.stringify(content.selected_option_id)}`
            : `permission request ${entryId} is no longer open: its turn ended`,
          { status: row.status },
        );
      }
      if (!content.options.some((o) => o.option_id === body.option_id)) {
        throw new HttpError(
          400,
          ErrorCodes.validationFailed,
          `option_id must be one of ${content.options.map((o) => JSON.stringify(o.option_id)).join(", ")}`,
          [{ path: "body.option_id", message: "not an option of this permission request" }],
        );
      }
      return updateEntry(tx, session, row, {
        status: "answered",
        content: { ...content, selected_option_id: body.option_id } satisfies PermissionContent,
      });
    });
  }
}

/**
 * Withdraws the prompts a caller sent that have not ended (their `request_id` starts with
 * `requestIdPrefix`, or they are among `entryIds`): queued ones never go to agentd, the one in
 * flight is cancelled as a user's cancel is.
 * A cancelled task uses it so that a later start of its session does not replay stale work.
 */
export async function withdrawPrompts(
  tx: Db,
  session: Parameters<typeof updateEntry>[1],
  sent: { requestIdPrefix: string; entryIds: readonly string[] },
  why: string,
): Promise<number> {
  const mine = like(conversationEntries.requestId, `${sent.requestIdPrefix}%`);
  const rows = await entriesOf(
    tx,
    session.id,
    eq(conversationEntries.kind, "user"),
    inArray(conversationEntries.status, ["queued", "delivered", "running"]),
    sent.entryIds.length ? (or(mine, inArray(conversationEntries.id, [...sent.entryIds])) as SQL) : mine,
  );
  for (const row of rows) {
    const content = { ...(row.content as UserContent), stop_reason: "cancelled", error: why };
    await updateEntry(tx, session, row, { status: "cancelled", content });
    await cancelPendingPermissions(tx, session, row.turnId);
  }
  return rows.length;
}

/** A turn that ended takes its unanswered permission requests with it. */
export async function cancelPendingPermissions(
  tx: Db,
  session: Parameters<typeof updateEntry>[1],
  turnId: string | null,
): Promise<void> {
  if (!turnId) return;
  const rows = await entriesOf(
    tx,
    session.id,
    eq(conversationEntries.turnId, turnId),
    eq(conversationEntries.kind, "permission"),
    eq(conversationEntries.status, "pending"),
  );
  for (const row of rows) await updateEntry(tx, session, row, { status: "cancelled" });
}

/** The person behind a prompt; a session's own token (its agent) is nobody's keyboard. */
async function authorOf(tx: Pick<Db, "select">, actor: Actor): Promise<UserContent["author"]> {
  if (actor.kind !== "user") return undefined;
  const [row] = await tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, actor.userId));
  return row;
}
