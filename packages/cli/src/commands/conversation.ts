import { FINAL_PROMPT_STATUSES } from "@strand/protocol";
import type { StrandClient } from "@strand/sdk";
import type { Command } from "commander";
import { clientFor } from "../context.js";
import { followConversation } from "../conversation/follow.js";
import { ConversationRenderer } from "../conversation/render.js";
import { readStdin } from "../prompt.js";

/** `sessions send`, `sessions watch` and `sessions cancel`: talking to a session's agent. */
export function registerConversation(sessions: Command): void {
  sessions
    .command("send <id> <text...>")
    .description("Send a prompt to the session's agent; it runs when the agent is ready")
    .option("--wait", "follow the agent's reply until the turn ends (exit code 1 unless it ends done)")
    .option("--request-id <key>", "idempotency key: sending again with the same key does not repeat the prompt")
    .addHelpText(
      "after",
      "\nThe words after the id are joined with spaces. Use `-` as the only word to read the prompt from stdin.\n" +
        "Example: strand sessions send ses_123 fix the failing test in src/app.ts --wait",
    )
    .action(async (id: string, words: string[], o: { wait?: boolean; requestId?: string }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const text = words.length === 1 && words[0] === "-" ? await readStdin() : words.join(" ");
      if (!text.trim()) throw new Error("the prompt is empty; pass text after the session id, or `-` to read stdin");
      if (!o.wait) {
        const entry = await client.sendMessage(id, text, o.requestId);
        out.result(entry, () => `> ${entry.content.text}\n  (${entry.status}; turn ${entry.turn_id})`);
        return;
      }
      const renderer = new ConversationRenderer((s) => process.stdout.write(s), out.json);
      await withWatch(client, out.info, async (watch, signal) => {
        const entry = await client.sendMessage(id, text, o.requestId);
        renderer.show(entry);
        if (FINAL_PROMPT_STATUSES.includes(entry.status)) return finalExit(entry);
        const end = await followConversation({
          client,
          sessionId: id,
          renderer,
          watch,
          accept: (e) => e.turn_id === entry.turn_id,
          until: (e) => e.id === entry.id && e.kind === "user" && FINAL_PROMPT_STATUSES.includes(e.status),
        });
        renderer.endStream();
        if (end) finalExit(end);
        else if (signal.aborted) process.exitCode = 130;
      });
    });

  sessions
    .command("watch <id>")
    .description("Follow the session's conversation live: the agent's text as it streams, tool calls, plans, notices")
    .option("--since-now", "skip the conversation so far; show only what happens from now on")
    .addHelpText(
      "after",
      "\nTool calls print as one line with their status (… running, ✓ done, ✗ failed) and the first lines of output.\n" +
        "With --json, each new or changed entry prints as one JSON object per line. Ctrl+C stops watching.",
    )
    .action(async (id: string, o: { sinceNow?: boolean }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      await client.getSession(id); // a clear 404 now rather than a silent wait
      const renderer = new ConversationRenderer((s) => process.stdout.write(s), out.json);
      await withWatch(client, out.info, async (watch, signal) => {
        await followConversation({
          client,
          sessionId: id,
          renderer,
          watch,
          ...(o.sinceNow ? {} : { historyAfter: 0 }),
        });
        renderer.endStream();
        if (signal.aborted) process.exitCode = 130;
      });
    });

  sessions
    .command("cancel <id>")
    .description("Stop the prompt the agent is working on; queued prompts stay queued")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const r = await client.cancel(id);
      out.result(r, () => (r.entry ? `Cancelled: > ${r.entry.content.text}` : "Nothing was running."));
    });
}

/** Opens the events socket (before anything is posted, so no event is missed) and ends it on Ctrl+C. */
async function withWatch(
  client: StrandClient,
  info: (line: string) => void,
  run: (watch: ReturnType<StrandClient["watchEvents"]>, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once("SIGINT", onSigint);
  try {
    const watch = client.watchEvents({
      signal: ac.signal,
      onDisconnect: (reason) => info(`(events connection lost: ${reason}; reconnecting)`),
    });
    try {
      await watch.connected;
      await run(watch, ac.signal);
    } finally {
      // Also on errors (a missing session): an open socket would keep the process alive.
      watch.close();
    }
  } finally {
    process.off("SIGINT", onSigint);
  }
}

function finalExit(entry: { status: string }): void {
  if (entry.status !== "done") process.exitCode = 1;
}
