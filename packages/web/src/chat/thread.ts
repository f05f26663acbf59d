import type { ConversationEntry } from "@strand/protocol";

/** A session's conversation as the page holds it: entries in `seq` order, one per id. */
export type Thread = readonly ConversationEntry[];

/**
 * Puts one entry into the thread: replaces the entry with its id, or inserts it at its `seq`.
 * A copy older than the one held (by `updated_at`) is ignored, so a page of history that
 * arrives after a live update never rolls the entry back.
 */
export function upsertEntry(thread: Thread, entry: ConversationEntry): Thread {
  const at = thread.findIndex((e) => e.id === entry.id);
  if (at >= 0) {
    const held = thread[at] as ConversationEntry;
    if (entry.updated_at < held.updated_at) return thread;
    const next = thread.slice();
    next[at] = entry;
    return next;
  }
  let i = thread.length;
  while (i > 0 && (thread[i - 1] as ConversationEntry).seq > entry.seq) i--;
  return [...thread.slice(0, i), entry, ...thread.slice(i)];
}

/** Applies many entries (a page of history) at once. */
export function mergeEntries(thread: Thread, entries: readonly ConversationEntry[]): Thread {
  let next = thread;
  for (const e of entries) next = upsertEntry(next, e);
  return next;
}

/**
 * Reads a conversation to its end, page by page (`after` = the last `seq` of the previous page),
 * and merges it with what the page holds by then (`held`: entries live events brought while it
 * read). Every page is kept: a thread longer than one page comes back whole, its oldest entries
 * too (a search hit may link to one of them).
 */
export async function readWholeThread(
  page: (after: number) => Promise<{ items: readonly ConversationEntry[]; next_after: number | null }>,
  held: () => Thread,
): Promise<Thread> {
  let read: ConversationEntry[] = [];
  let after = 0;
  for (;;) {
    const p = await page(after);
    // Pages come in `seq` order and after one another: appending keeps the order.
    read = read.concat(p.items);
    if (p.next_after === null) break;
    after = p.next_after;
  }
  // What events brought is usually a handful: merged into the pages, not the pages into it.
  return mergeEntries(read, held());
}

/** The largest `seq` held, for paging with `after`. */
export function lastSeq(thread: Thread): number {
  return thread.reduce((max, e) => Math.max(max, e.seq), 0);
}

export type AgentActivity = "idle" | "queued" | "running";

/**
 * What the agent is doing, from the prompts' states: `running` while a prompt is delivered or
 * running, `queued` while prompts wait (e.g. for the desktop to come up), else `idle`.
 */
export function agentActivity(thread: Thread): { activity: AgentActivity; queued: number } {
  let running = false;
  let queued = 0;
  for (const e of thread) {
    if (e.kind !== "user") continue;
    if (e.status === "delivered" || e.status === "running") running = true;
    else if (e.status === "queued") queued++;
  }
  return { activity: running ? "running" : queued > 0 ? "queued" : "idle", queued };
}

/** The ids of prompts the thread already holds, by their client `request_id`. */
export function heldRequestIds(thread: Thread): Set<string> {
  const ids = new Set<string>();
  for (const e of thread) if (e.kind === "user" && e.request_id) ids.add(e.request_id);
  return ids;
}
