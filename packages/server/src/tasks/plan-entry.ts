import type { ChecklistItem, PlanContentSchema, TaskState } from "@strand/protocol";
import { and, desc, eq, like } from "drizzle-orm";
import type { z } from "zod";
import { insertEntry, lockSession, updateEntry } from "../conversations/entries.js";
import type { Db } from "../db/database.js";
import { conversationEntries, sessions } from "../db/schema.js";
import type { TaskRow } from "./to-task.js";

type PlanContent = z.infer<typeof PlanContentSchema>;

/** Where an agent works through its checklist, the first open item is the one in progress. */
const WORKING: readonly TaskState[] = ["implementing", "code_revision"];
/** Server-written plan entries are named for the prompt they follow, so each turn shows its own. */
const PREFIX = "tplan-";

/**
 * The task's checklist as the session's plan, the same entry an ACP runtime's own plan makes, so the
 * chat (and anything that reads the conversation) shows the agent's progress as it pushes and ticks.
 * A turn's first change appends an entry after its prompt; later ones in that turn replace it, the
 * way an ACP client replaces a plan; a tick after the turn ended updates the latest one.
 */
export async function syncTaskPlan(tx: Db, row: TaskRow, items: readonly ChecklistItem[]): Promise<void> {
  if (!row.sessionId || items.length === 0) return;
  const [alive] = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, row.sessionId));
  if (!alive) return;
  const session = await lockSession(tx, row.sessionId);
  const content = planOf(row.state as TaskState, items);
  const [latest] = await tx
    .select()
    .from(conversationEntries)
    .where(
      and(
        eq(conversationEntries.sessionId, session.id),
        eq(conversationEntries.kind, "plan"),
        like(conversationEntries.id, `${PREFIX}%`),
      ),
    )
    .orderBy(desc(conversationEntries.seq))
    .limit(1);
  // An unchanged plan is not shown again, not even to a new turn.
  if (latest && JSON.stringify(latest.content) === JSON.stringify(content)) return;
  const id = row.turnEntryId ? `${PREFIX}${row.turnEntryId}` : latest?.id;
  if (latest && latest.id === id) {
    await updateEntry(tx, session, latest, { content, rev: latest.rev + 1 });
    return;
  }
  await insertEntry(tx, session, {
    id: id ?? `${PREFIX}${row.id}-${Date.now().toString(36)}`,
    turnId: null,
    kind: "plan",
    status: "completed",
    content,
  });
}

export function planOf(state: TaskState, items: readonly ChecklistItem[]): PlanContent {
  const current = WORKING.includes(state) ? items.findIndex((i) => !i.done) : -1;
  return {
    entries: items.map((i, n) => ({
      content: i.text,
      priority: "medium",
      status: i.done ? "completed" : n === current ? "in_progress" : "pending",
    })),
  };
}
