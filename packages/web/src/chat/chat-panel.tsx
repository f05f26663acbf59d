import type { ConversationEntry, Session } from "@strand/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { EntryView } from "./entry-view.js";
import { usePendingPrompts } from "./pending-prompts.js";
import { agentActivity, heldRequestIds, type Thread, upsertEntry } from "./thread.js";
import { useThread } from "./use-thread.js";

/**
 * The session's conversation: the thread, what the agent is doing, stop, and the send box.
 * `readOnly` (a team viewer) shows the thread without stop, answers or the send box.
 * `focusEntry` (a search hit: `?entry=<id>`) scrolls the thread to that entry and marks it.
 */
export function ChatPanel({
  session,
  readOnly = false,
  focusEntry,
}: {
  session: Session;
  readOnly?: boolean;
  focusEntry?: string | undefined;
}) {
  const client = useQueryClient();
  const thread = useThread(session.id);
  const entries = thread.data;
  const store = useCallback(
    (entry: ConversationEntry) =>
      client.setQueryData<Thread>(queryKeys.thread(session.id), (t) => upsertEntry(t ?? [], entry)),
    [client, session.id],
  );
  const { pending, send, retry, discard } = usePendingPrompts(session.id, store);
  const [draft, setDraft] = useState("");
  const cancel = useMutation({
    mutationFn: () => api.cancelTurn(session.id),
    onSuccess: (r) => r.entry && store(r.entry),
  });
  const answer = useMutation({
    mutationFn: (a: { entryId: string; optionId: string }) =>
      api.answerPermission(session.id, a.entryId, { option_id: a.optionId }),
    onSuccess: store,
  });

  const held = heldRequestIds(entries);
  const waiting = pending.filter((p) => !held.has(p.requestId));
  const { activity, queued } = agentActivity(entries);

  const listRef = useRef<HTMLDivElement>(null);
  // A search hit to show opens the thread there, not at the newest entry.
  const stick = useRef(!focusEntry);
  const focus = useEntryFocus(focusEntry, entries, thread.isFetching || thread.dataUpdatedAt === 0, listRef, stick);
  // Follows the newest entry unless the reader scrolled up to read something older.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const onScroll = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    };
    el.addEventListener("scroll", onScroll);
    return () => el.removeEventListener("scroll", onScroll);
  }, []);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!draft.trim()) return;
    send(draft);
    setDraft("");
    stick.current = true;
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <aside className="chat" aria-label="Chat with the agent" data-testid="chat">
      <div className="chat-status" data-testid="chat-status" data-activity={activity}>
        <span className={`activity activity-${activity}`}>{statusText(activity, queued, session)}</span>
        {!readOnly && (
          <button
            type="button"
            onClick={() => cancel.mutate()}
            disabled={activity !== "running" || cancel.isPending}
            data-testid="chat-stop"
          >
            Stop
          </button>
        )}
      </div>
      <div className="chat-thread" ref={listRef} data-testid="chat-thread">
        {thread.error && <p className="error">{thread.error.message}</p>}
        {entries.length === 0 && waiting.length === 0 && (
          <p className="chat-empty">
            Tell the agent what to do. Prompts sent before the desktop is ready wait in line.
          </p>
        )}
        {focus === "missing" && (
          <p className="entry-focus-missing muted" role="status" data-testid="entry-focus-missing">
            The entry this link points to is not in this conversation.
          </p>
        )}
        {entries.map((e) => (
          // `display: contents`: the entry stays the thread's flex item; this only names it for a link.
          <div
            key={e.id}
            className={`entry-anchor${e.id === focusEntry ? " focused" : ""}`}
            data-entry-id={e.id}
            data-focused={e.id === focusEntry || undefined}
          >
            <EntryView
              entry={e}
              expanded={e.id === focusEntry}
              onAnswer={readOnly ? undefined : (entryId, optionId) => answer.mutate({ entryId, optionId })}
            />
          </div>
        ))}
        {waiting.map((p) => (
          <div key={p.requestId} className="entry entry-user pending" data-testid="entry-pending">
            <div className="user-text">{p.text}</div>
            <div className="user-meta">
              {p.error ? (
                <>
                  <span className="error" role="alert">
                    Not sent: {p.error}
                  </span>{" "}
                  {p.retryable && (
                    <button type="button" className="link" onClick={() => retry(p)}>
                      Retry
                    </button>
                  )}
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      discard(p);
                      setDraft((d) => d || p.text);
                    }}
                  >
                    Edit
                  </button>
                </>
              ) : (
                <span className="prompt-status">sending…</span>
              )}
            </div>
          </div>
        ))}
        {answer.error && <p className="error">{answer.error.message}</p>}
        {cancel.error && <p className="error">{cancel.error.message}</p>}
      </div>
      {readOnly ? (
        <p className="chat-readonly muted" data-testid="chat-readonly">
          Viewers read the conversation; members and up chat with the agent.
        </p>
      ) : (
        <form className="chat-send" onSubmit={submit}>
          <textarea
            aria-label="Message to the agent"
            data-testid="chat-input"
            placeholder="Ask the agent… (Enter sends, Shift+Enter for a new line)"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKey}
            rows={3}
          />
          <button type="submit" className="primary" disabled={!draft.trim()} data-testid="chat-send">
            Send
          </button>
        </form>
      )}
    </aside>
  );
}

/**
 * Scrolls the thread to `entryId` once it is loaded. The whole history is read page by page
 * (use-thread.ts), so an old entry arrives with its page; it is looked for again as pages and
 * events come in, and reported missing only after the history has been read to its end.
 * Scrolls once per entry id, so later updates leave the reader where they are.
 */
function useEntryFocus(
  entryId: string | undefined,
  entries: Thread,
  loading: boolean,
  listRef: RefObject<HTMLDivElement | null>,
  stick: RefObject<boolean>,
): "none" | "found" | "pending" | "missing" {
  const done = useRef<string | undefined>(undefined);
  const present = entryId !== undefined && entries.some((e) => e.id === entryId);
  useLayoutEffect(() => {
    if (!entryId || !present || done.current === entryId) return;
    const anchor = listRef.current?.querySelector(`[data-entry-id="${CSS.escape(entryId)}"]`);
    const el = anchor?.firstElementChild;
    if (!el) return;
    done.current = entryId;
    stick.current = false;
    el.scrollIntoView({ block: "center" });
  });
  if (!entryId) return "none";
  if (present) return "found";
  return loading ? "pending" : "missing";
}

function statusText(activity: string, queued: number, s: Session): string {
  if (activity === "running") return queued ? `Working… (${queued} more queued)` : "Working…";
  if (activity === "queued") {
    const why = s.state === "ready" ? "" : ` until the desktop is ready (${s.state})`;
    return `${queued} prompt${queued > 1 ? "s" : ""} queued${why}`;
  }
  return s.state === "ready" ? "Idle" : `Idle · session ${s.state}`;
}
