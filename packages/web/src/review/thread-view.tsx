import type { ReviewThread } from "@strand/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type KeyboardEvent, useId, useState } from "react";
import { queryKeys } from "../api/query-keys.js";
import { reviewApi } from "./api.js";
import { rangeLabel } from "./patch.js";

/** Replaces one thread in the cached list with the server's answer, so the change shows at once. */
export function useStoreThread(sessionId: string) {
  const client = useQueryClient();
  return (thread: ReviewThread) =>
    client.setQueryData<Awaited<ReturnType<typeof reviewApi.threads>>>(queryKeys.reviewThreads(sessionId), (list) => {
      if (!list) return list;
      const at = list.items.findIndex((t) => t.id === thread.id);
      const items = list.items.slice();
      if (at < 0) items.push(thread);
      else items[at] = thread;
      return { ...list, items };
    });
}

/**
 * One thread: where it is, its comments, and (for members and up) a reply box and resolve or
 * reopen. Resolved threads fold to their first line until opened. `showCode` quotes the anchored
 * lines, for threads shown away from the diff (their lines are no longer in it).
 */
export function ThreadView({
  thread: t,
  sessionId,
  canControl,
  showCode = false,
}: {
  thread: ReviewThread;
  sessionId: string;
  canControl: boolean;
  showCode?: boolean;
}) {
  const store = useStoreThread(sessionId);
  const [open, setOpen] = useState(!t.resolved);
  const [draft, setDraft] = useState("");
  const replyId = useId();
  const reply = useMutation({
    mutationFn: (body: string) => reviewApi.reply(sessionId, t.id, body),
    onSuccess: (th) => {
      store(th);
      setDraft("");
    },
  });
  const resolve = useMutation({
    mutationFn: (resolved: boolean) => reviewApi.setResolved(sessionId, t.id, resolved),
    onSuccess: (th) => {
      store(th);
      setOpen(!th.resolved);
    },
  });
  const where = rangeLabel(t.path, t.start_line, t.end_line);
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (draft.trim()) reply.mutate(draft);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
  };
  const first = t.comments[0];
  return (
    <article
      className={`review-thread${t.resolved ? " resolved" : ""}${t.outdated ? " outdated" : ""}`}
      data-testid="review-thread"
      data-thread-id={t.id}
      data-resolved={t.resolved}
      data-outdated={t.outdated}
      aria-label={`Review thread on ${where}`}
    >
      <header className="review-thread-head">
        <span className="review-where">
          {where}
          {t.side === "old" && " (old)"}
        </span>
        {t.outdated && (
          <span
            className="tag tag-outdated"
            data-testid="thread-outdated"
            title="These lines changed since the comment"
          >
            Outdated
          </span>
        )}
        {t.resolved && <span className="tag tag-resolved">Resolved</span>}
        {t.sent_at && !t.unsent && <span className="tag tag-sent">Sent to agent</span>}
        {t.resolved && (
          <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? "Hide" : "Show"}
          </button>
        )}
      </header>
      {!open && first && <p className="review-folded">{first.body.split("\n")[0]}</p>}
      {open && (
        <>
          {showCode && <pre className="review-anchor">{t.anchor}</pre>}
          <ol className="review-comments">
            {t.comments.map((c) => (
              <li key={c.id} data-testid="review-comment">
                <div className="review-comment-meta">
                  <strong>{c.author_email}</strong>{" "}
                  <time dateTime={c.created_at}>{new Date(c.created_at).toLocaleString()}</time>
                </div>
                <div className="review-comment-body">{c.body}</div>
              </li>
            ))}
          </ol>
          {canControl && (
            <form className="review-reply" onSubmit={submit}>
              <label htmlFor={replyId} className="visually-hidden">
                Reply on {where}
              </label>
              <textarea
                id={replyId}
                rows={2}
                placeholder="Reply…"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={onKey}
                data-testid="thread-reply-input"
              />
              <div className="review-actions">
                <button type="submit" disabled={!draft.trim() || reply.isPending}>
                  Reply
                </button>
                <button
                  type="button"
                  onClick={() => resolve.mutate(!t.resolved)}
                  disabled={resolve.isPending}
                  data-testid="thread-resolve"
                >
                  {t.resolved ? "Reopen" : "Resolve"}
                </button>
              </div>
              {(reply.error || resolve.error) && (
                <p className="error" role="alert">
                  {(reply.error ?? resolve.error)?.message}
                </p>
              )}
            </form>
          )}
        </>
      )}
    </article>
  );
}
