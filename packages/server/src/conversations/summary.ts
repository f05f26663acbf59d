import { HISTORY_SUMMARY_MAX_CHARS } from "@strand/protocol";
import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { conversationEntries } from "../db/schema.js";

/** How much of the thread is read at most: a summary never needs more than the newest turns. */
const MAX_ENTRIES = 600;
const PROMPT_CHARS = 1_200;
const ANSWER_CHARS = 1_500;
const TOOL_TITLE_CHARS = 160;

interface TurnDigest {
  prompt: string;
  tools: string[];
  answer: string;
  outcome?: string;
}

/**
 * The thread so far as compact text, for a runtime that starts afresh and cannot load its
 * earlier session: each turn's prompt, the tool calls it made (title and how they ended) and
 * the agent's answer, cut to size. The newest turns are kept whole first; older ones are left
 * out with a count, since what an agent most needs is what it was doing last.
 */
export async function threadSummary(
  db: Db,
  sessionId: string,
  beforeTurn?: string,
  maxChars = HISTORY_SUMMARY_MAX_CHARS,
): Promise<string> {
  const e = conversationEntries;
  let before: number | undefined;
  if (beforeTurn) {
    const [first] = await db
      .select({ seq: e.seq })
      .from(e)
      .where(and(eq(e.sessionId, sessionId), eq(e.turnId, beforeTurn)))
      .orderBy(e.seq)
      .limit(1);
    before = first?.seq;
  }
  const rows = await db
    .select({ turnId: e.turnId, kind: e.kind, status: e.status, content: e.content })
    .from(e)
    .where(
      and(
        eq(e.sessionId, sessionId),
        inArray(e.kind, ["user", "text", "tool_call"]),
        ...(before !== undefined ? [lt(e.seq, before)] : []),
      ),
    )
    .orderBy(desc(e.seq))
    .limit(MAX_ENTRIES);
  const turns = new Map<string, TurnDigest>();
  for (const row of rows.reverse()) {
    if (!row.turnId) continue;
    const content = row.content as { text?: string; title?: string; stop_reason?: string; error?: string };
    if (row.kind === "user") {
      // Prompts never delivered (queued, cancelled before they ran) are not part of what happened.
      if (row.status === "queued" || row.status === "cancelled") continue;
      turns.set(row.turnId, {
        prompt: content.text ?? "",
        tools: [],
        answer: "",
        ...(content.error ? { outcome: `failed: ${content.error}` } : {}),
      });
      continue;
    }
    const turn = turns.get(row.turnId);
    if (!turn) continue;
    if (row.kind === "tool_call")
      turn.tools.push(`${cut(content.title ?? "tool call", TOOL_TITLE_CHARS)} (${row.status})`);
    else turn.answer += content.text ?? "";
  }
  const blocks = [...turns.values()].map(render);
  const kept: string[] = [];
  let used = 0;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i] as string;
    if (used + block.length > maxChars) break;
    kept.unshift(block);
    used += block.length;
  }
  const left = blocks.length - kept.length;
  if (kept.length === 0) return left > 0 ? cut(blocks.at(-1) as string, maxChars) : "";
  return `${left > 0 ? `(${left} earlier turn${left === 1 ? "" : "s"} left out)\n\n` : ""}${kept.join("\n\n")}`;
}

function render(t: TurnDigest): string {
  const lines = [`User: ${cut(t.prompt, PROMPT_CHARS)}`];
  for (const tool of t.tools) lines.push(`  tool: ${tool}`);
  if (t.answer.trim()) lines.push(`Agent: ${cut(t.answer.trim(), ANSWER_CHARS)}`);
  if (t.outcome) lines.push(`(${cut(t.outcome, 300)})`);
  return lines.join("\n");
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
