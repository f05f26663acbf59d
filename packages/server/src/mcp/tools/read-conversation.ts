import { ReadConversationInputSchema } from "@strand/protocol";
import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { conversationEntries, sessions } from "../../db/schema.js";
import { historyScope } from "../../policy/scopes.js";
import { ANCHOR_CHARS, ENTRY_CHARS, entryBody, WINDOW_CHARS, when } from "../render.js";
import { defineTool, McpToolError } from "../tool.js";

const e = conversationEntries;

/**
 * `read_conversation`: the entries around one entry (a search_history result, or the newest) of a
 * session the caller's owner may see, oldest first, as compact text. Which sessions those are is
 * the policy's `historyScope`, the same one search_history uses; a session outside it answers
 * exactly like a missing one.
 */
export function readConversationTool(db: Db) {
  return defineTool({
    name: "read_conversation",
    title: "Read a conversation",
    description:
      "Read the entries of a Strand conversation around one entry: the prompts, answers, tool calls and " +
      "notices before and after it, oldest first. Pass session_id and entry_id from a search_history result; " +
      "without entry_id the window ends at the newest entry. before/after: how many entries on each side (0-50).",
    input: ReadConversationInputSchema,
    async run(input, { caller }) {
      const [session] = await db
        .select({ id: sessions.id, name: sessions.name })
        .from(sessions)
        .where(and(eq(sessions.id, input.session_id), historyScope(caller.actor)));
      if (!session) {
        throw new McpToolError(
          `session ${JSON.stringify(input.session_id)} does not exist or is not one you may read; ` +
            "use a session_id from search_history",
        );
      }
      const cols = { id: e.id, seq: e.seq, kind: e.kind, status: e.status, content: e.content, createdAt: e.createdAt };
      const [anchor] = input.entry_id
        ? await db
            .select(cols)
            .from(e)
            .where(and(eq(e.sessionId, session.id), eq(e.id, input.entry_id)))
        : await db.select(cols).from(e).where(eq(e.sessionId, session.id)).orderBy(desc(e.seq)).limit(1);
      if (!anchor) {
        if (!input.entry_id) {
          return {
            text: `Session "${session.name}" (${session.id}) has no entries yet.`,
            structured: { session_id: session.id, session_name: session.name, entries: [] },
          };
        }
        throw new McpToolError(
          `entry ${JSON.stringify(input.entry_id)} is not in session ${session.id}; use an entry_id from search_history`,
        );
      }
      // One more on each side than asked tells whether the window reaches the thread's ends.
      const before = await db
        .select(cols)
        .from(e)
        .where(and(eq(e.sessionId, session.id), lt(e.seq, anchor.seq)))
        .orderBy(desc(e.seq))
        .limit(input.before + 1);
      const after = await db
        .select(cols)
        .from(e)
        .where(and(eq(e.sessionId, session.id), gt(e.seq, anchor.seq)))
        .orderBy(asc(e.seq))
        .limit(input.after + 1);
      const moreBefore = before.length > input.before;
      const moreAfter = after.length > input.after;
      const rows = [...before.slice(0, input.before).reverse(), anchor, ...after.slice(0, input.after)];

      const entries = rows.map((r) => ({
        id: r.id,
        seq: r.seq,
        kind: r.kind,
        status: r.status,
        created_at: r.createdAt.toISOString(),
        text: entryBody(r.kind, r.content, r.id === anchor.id ? ANCHOR_CHARS : ENTRY_CHARS),
      }));
      const lines = [`Session "${session.name}" (${session.id}), entries ${rows[0]?.seq}–${rows.at(-1)?.seq}:`];
      if (moreBefore) lines.push(`(earlier entries: read_conversation with entry_id ${rows[0]?.id})`);
      let used = lines.join("\n").length;
      let shown = 0;
      for (const entry of entries) {
        const mark = entry.id === anchor.id ? " <<<" : "";
        const block = `\n#${entry.seq} ${entry.kind} · ${when(new Date(entry.created_at))} · ${entry.id}${mark}\n${entry.text}`;
        if (used + block.length > WINDOW_CHARS) break;
        lines.push(block);
        used += block.length;
        shown++;
      }
      if (shown < entries.length) {
        lines.push(`\n(${entries.length - shown} more entries did not fit; ask for a smaller window)`);
      } else if (moreAfter) {
        lines.push(`\n(later entries: read_conversation with entry_id ${rows.at(-1)?.id})`);
      }
      return {
        text: lines.join("\n"),
        structured: {
          session_id: session.id,
          session_name: session.name,
          anchor_entry_id: anchor.id,
          entries: entries.slice(0, shown),
          more_before: moreBefore,
          more_after: moreAfter || shown < entries.length,
        },
      };
    },
  });
}
