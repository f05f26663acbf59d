import {
  SPEC_DOCUMENTS,
  type Spec,
  type SpecDiff,
  type SpecDocumentName,
  type SpecRevision,
  type SpecThread,
} from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import { DiffTable } from "../chat/diff-view.js";
import { parsePatch } from "../review/patch.js";
import { specApi, specKeys } from "./api.js";
import { renderMarkdown } from "./markdown.js";
import { findQuote, type QuotedSelection, quoteOf, shortQuote } from "./selection.js";
import "./specs.css";

const TITLES: Record<SpecDocumentName, string> = {
  requirements: "Requirements",
  design: "Design",
  tasks: "Tasks",
};

type ThreadList = Awaited<ReturnType<typeof specApi.threads>>;

/**
 * A task's spec review: the three documents rendered, a revision picker and a comparison with
 * another revision, and comment threads on selections of the text. Members and up (`canControl`)
 * comment on the latest revision, reply, resolve and reopen; viewers read. Live: spec events
 * invalidate queryKeys.spec(taskId), under which every query here sits.
 */
export function SpecReview({ taskId, canControl }: { taskId: string; canControl: boolean }) {
  const [active, setActive] = useState<SpecDocumentName>("requirements");
  const [revision, setRevision] = useState<number | undefined>(undefined);
  const [compare, setCompare] = useState<number | undefined>(undefined);
  const spec = useQuery({
    queryKey: specKeys.document(taskId, revision),
    queryFn: () => specApi.spec(taskId, revision),
  });
  const revisions = useQuery({ queryKey: specKeys.revisions(taskId), queryFn: () => specApi.revisions(taskId) });
  const threads = useQuery({ queryKey: specKeys.threads(taskId), queryFn: () => specApi.threads(taskId) });

  if (spec.isPending || revisions.isPending || threads.isPending) {
    return <p className="page-status">Loading the spec…</p>;
  }
  const error = spec.error ?? revisions.error ?? threads.error;
  if (error) {
    return (
      <p className="page-status error" role="alert">
        {error.message}
      </p>
    );
  }
  const s = spec.data;
  const list = threads.data;
  if (!s || !list) return null;
  const items = revisions.data?.items ?? [];
  const mayControl = canControl && list.can_control;
  const onLatest = s.revision !== null && s.revision === s.latest_revision;
  const shown = s.revision;
  const compareWith = compare !== undefined && compare !== shown ? compare : undefined;
  const openCount = (d: SpecDocumentName) => list.items.filter((t) => t.document === d && !t.resolved).length;

  return (
    <section className="spec-review" data-testid="spec-review" aria-label="Spec review">
      <div className="spec-toolbar">
        <div className="spec-tabs" role="tablist" aria-label="Spec documents">
          {SPEC_DOCUMENTS.map((d) => {
            const open = openCount(d);
            return (
              <button
                key={d}
                type="button"
                role="tab"
                id={`spec-tab-${taskId}-${d}`}
                aria-selected={active === d}
                aria-controls={`spec-panel-${taskId}`}
                className={active === d ? "active" : ""}
                onClick={() => setActive(d)}
                data-testid={`spec-tab-${d}`}
              >
                {TITLES[d]}
                {s.missing.includes(d) && <span className="spec-tab-missing"> (missing)</span>}
                {open > 0 && (
                  <span className="tag spec-tab-count" title={`${open} open thread${open === 1 ? "" : "s"}`}>
                    {open}
                  </span>
                )}
              </button>
            );
          })}
        </div>
        <RevisionPicker
          revisions={items}
          shown={shown}
          latest={s.latest_revision}
          onPick={(n) => {
            setRevision(n === s.latest_revision ? undefined : n);
            if (n === compare) setCompare(undefined);
          }}
          compare={compareWith}
          onCompare={setCompare}
        />
      </div>
      <div className="spec-layout">
        <div
          className="spec-main"
          id={`spec-panel-${taskId}`}
          role="tabpanel"
          aria-labelledby={`spec-tab-${taskId}-${active}`}
        >
          {compareWith !== undefined && shown !== null ? (
            <SpecDiffView
              taskId={taskId}
              from={Math.min(compareWith, shown)}
              to={Math.max(compareWith, shown)}
              active={active}
            />
          ) : (
            <DocumentView
              key={`${active}-${s.commit ?? "none"}`}
              taskId={taskId}
              spec={s}
              document={active}
              canComment={mayControl && onLatest}
              quotes={onLatest ? list.items.filter((t) => t.document === active && !t.resolved && !t.outdated) : []}
              commentHint={
                !mayControl
                  ? null
                  : s.revision === null
                    ? "Comments open once the agent's spec is recorded as a revision."
                    : onLatest
                      ? "Select text to comment on it."
                      : `Comments go on the latest revision: switch to revision ${s.latest_revision} to comment.`
              }
            />
          )}
        </div>
        <ThreadsPanel
          taskId={taskId}
          threads={list.items.filter((t) => t.document === active)}
          document={active}
          canControl={mayControl}
        />
      </div>
    </section>
  );
}

function RevisionPicker({
  revisions,
  shown,
  latest,
  onPick,
  compare,
  onCompare,
}: {
  revisions: SpecRevision[];
  shown: number | null;
  latest: number | null;
  onPick: (n: number) => void;
  compare: number | undefined;
  onCompare: (n: number | undefined) => void;
}) {
  const pickId = useId();
  const compareId = useId();
  if (revisions.length === 0 || shown === null) {
    return (
      <p className="spec-revision-none muted" data-testid="spec-no-revision">
        No revision yet
      </p>
    );
  }
  const newestFirst = [...revisions].reverse();
  const label = (r: SpecRevision) =>
    `Revision ${r.number}${r.number === latest ? " (latest)" : ""} · ${new Date(r.created_at).toLocaleString()}`;
  return (
    <div className="spec-revisions">
      <label htmlFor={pickId}>Revision</label>
      <select
        id={pickId}
        value={shown}
        onChange={(e) => onPick(Number(e.target.value))}
        data-testid="spec-revision-picker"
      >
        {newestFirst.map((r) => (
          <option key={r.number} value={r.number}>
            {label(r)}
          </option>
        ))}
      </select>
      {revisions.length > 1 && (
        <>
          <label htmlFor={compareId}>Compare with</label>
          <select
            id={compareId}
            value={compare ?? ""}
            onChange={(e) => onCompare(e.target.value === "" ? undefined : Number(e.target.value))}
            data-testid="spec-compare-picker"
          >
            <option value="">nothing</option>
            {newestFirst
              .filter((r) => r.number !== shown)
              .map((r) => (
                <option key={r.number} value={r.number}>
                  Revision {r.number}
                </option>
              ))}
          </select>
        </>
      )}
    </div>
  );
}

/** One document rendered; selecting text in it offers a Comment button that opens a comment box. */
function DocumentView({
  taskId,
  spec,
  document,
  canComment,
  commentHint,
  quotes,
}: {
  taskId: string;
  spec: Spec;
  document: SpecDocumentName;
  canComment: boolean;
  commentHint: string | null;
  /** Open threads whose quotes are marked in the text. */
  quotes: SpecThread[];
}) {
  const doc = spec.documents.find((d) => d.name === document);
  const content = doc?.content ?? null;
  const html = useMemo(() => (content === null ? "" : renderMarkdown(content)), [content]);
  const wrapRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const [picked, setPicked] = useState<(QuotedSelection & { top: number; left: number }) | null>(null);
  const [composing, setComposing] = useState<QuotedSelection | null>(null);

  useHighlights(bodyRef, html, quotes);

  const readSelection = () => {
    if (!canComment || composing) return;
    const body = bodyRef.current;
    const wrap = wrapRef.current;
    const sel = window.getSelection();
    if (!body || !wrap || !sel || sel.rangeCount === 0 || sel.isCollapsed) {
      setPicked(null);
      return;
    }
    const range = sel.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) {
      setPicked(null);
      return;
    }
    // Offsets into the body's text, so the context around the quote comes from the same text.
    const before = window.document.createRange();
    before.selectNodeContents(body);
    before.setEnd(range.startContainer, range.startOffset);
    const start = before.toString().length;
    const quoted = quoteOf(body.textContent ?? "", start, start + range.toString().length);
    if (!quoted) {
      setPicked(null);
      return;
    }
    const box = range.getBoundingClientRect();
    const origin = wrap.getBoundingClientRect();
    setPicked({ ...quoted, top: box.bottom - origin.top + 4, left: Math.max(0, box.left - origin.left) });
  };

  // selectionchange, not mouseup: a touch selection (a tablet) ends without one, and so does a
  // selection made with the keyboard or by a script.
  const readLatest = useRef(readSelection);
  readLatest.current = readSelection;
  useEffect(() => {
    const onChange = () => readLatest.current();
    window.document.addEventListener("selectionchange", onChange);
    return () => window.document.removeEventListener("selectionchange", onChange);
  }, []);

  if (content === null) {
    return (
      <div className="spec-document spec-document-missing" data-testid="spec-document" data-document={document}>
        <p className="muted" data-testid="spec-missing">
          {doc?.path ?? `${document}.md`} is not on the task's branch
          {spec.revision !== null ? ` at revision ${spec.revision}` : " yet"}.
        </p>
      </div>
    );
  }
  return (
    <div className="spec-document-wrap" ref={wrapRef}>
      {commentHint && <p className="spec-hint muted">{commentHint}</p>}
      <div
        ref={bodyRef}
        className="spec-document markdown-body"
        role="document"
        aria-label={`${document}.md`}
        data-testid="spec-document"
        data-document={document}
        // biome-ignore lint/security/noDangerouslySetInnerHtml: the HTML is sanitised by DOMPurify
        dangerouslySetInnerHTML={{ __html: html }}
      />
      {picked && !composing && (
        <button
          type="button"
          className="spec-comment-button primary"
          style={{ top: picked.top, left: picked.left }}
          // Keeps the selection while the button takes the click.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            setComposing(picked);
            setPicked(null);
          }}
          data-testid="spec-comment-button"
        >
          Comment
        </button>
      )}
      {composing && (
        <CommentForm
          taskId={taskId}
          document={document}
          selection={composing}
          onDone={() => {
            setComposing(null);
            window.getSelection()?.removeAllRanges();
          }}
        />
      )}
    </div>
  );
}

/**
 * Marks the open threads' quotes in the rendered text with the CSS Custom Highlight API, which
 * paints ranges without touching the DOM that the sanitiser produced (and the selection reads).
 */
function useHighlights(body: { current: HTMLElement | null }, html: string, threads: SpecThread[]) {
  const key = threads.map((t) => t.id).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the threads; html for the body
  useEffect(() => {
    const el = body.current;
    const registry = typeof CSS !== "undefined" ? CSS.highlights : undefined;
    if (!el || !registry || typeof Highlight === "undefined") return;
    const text = el.textContent ?? "";
    const ranges = threads.flatMap((t) => {
      const at = findQuote(text, t);
      const range = at && rangeOf(el, at.start, at.end);
      return range ? [range] : [];
    });
    registry.set("spec-quote", new Highlight(...ranges));
    return () => {
      registry.delete("spec-quote");
    };
  }, [html, key]);
}

/** Scrolls the panel's document to a thread's quote and marks it for a moment. */
function showInText(from: HTMLElement, thread: SpecThread) {
  const body = from.closest(".spec-review")?.querySelector<HTMLElement>("[data-testid=spec-document]");
  if (!body) return;
  const at = findQuote(body.textContent ?? "", thread);
  const range = at && rangeOf(body, at.start, at.end);
  if (!range) return;
  range.startContainer.parentElement?.scrollIntoView({ block: "center", behavior: "smooth" });
  const registry = typeof CSS !== "undefined" ? CSS.highlights : undefined;
  if (!registry || typeof Highlight === "undefined") return;
  registry.set("spec-quote-focus", new Highlight(range));
  window.setTimeout(() => registry.delete("spec-quote-focus"), 1500);
}

/** A DOM range over characters start..end of an element's text. */
function rangeOf(root: HTMLElement, start: number, end: number): Range | null {
  const walker = window.document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = window.document.createRange();
  let seen = 0;
  let started = false;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = node.textContent?.length ?? 0;
    if (!started && start < seen + length) {
      range.setStart(node, start - seen);
      started = true;
    }
    if (started && end <= seen + length) {
      range.setEnd(node, end - seen);
      return range;
    }
    seen += length;
  }
  return null;
}

/** Replaces one thread in the cached list with the server's answer, so the change shows at once. */
function useStoreThread(taskId: string) {
  const client = useQueryClient();
  return (thread: SpecThread) =>
    client.setQueryData<ThreadList>(specKeys.threads(taskId), (list) => {
      if (!list) return list;
      const at = list.items.findIndex((t) => t.id === thread.id);
      const items = list.items.slice();
      if (at < 0) items.push(thread);
      else items[at] = thread;
      return { ...list, items };
    });
}

function CommentForm({
  taskId,
  document,
  selection,
  onDone,
}: {
  taskId: string;
  document: SpecDocumentName;
  selection: QuotedSelection;
  onDone: () => void;
}) {
  const store = useStoreThread(taskId);
  const [draft, setDraft] = useState("");
  const inputId = useId();
  const post = useMutation({
    mutationFn: (body: string) =>
      specApi.comment(taskId, {
        document,
        quote: selection.quote,
        prefix: selection.prefix,
        suffix: selection.suffix,
        body,
      }),
    onSuccess: (thread) => {
      store(thread);
      onDone();
    },
  });
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (draft.trim()) post.mutate(draft);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
    if (e.key === "Escape") onDone();
  };
  return (
    <form className="spec-comment-form" onSubmit={submit} data-testid="spec-comment-form">
      <blockquote className="spec-quote">{shortQuote(selection.quote, 400)}</blockquote>
      <label htmlFor={inputId} className="visually-hidden">
        Comment on the selected text
      </label>
      <textarea
        id={inputId}
        rows={3}
        placeholder="Comment on the selected text…"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKey}
        // biome-ignore lint/a11y/noAutofocus: the box opens because the reviewer asked to write in it
        autoFocus
        data-testid="spec-comment-input"
      />
      <div className="review-actions">
        <button
          type="submit"
          className="primary"
          disabled={!draft.trim() || post.isPending}
          data-testid="spec-comment-submit"
        >
          Comment
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {post.error && (
        <p className="error" role="alert">
          {post.error.message}
        </p>
      )}
    </form>
  );
}

function ThreadsPanel({
  taskId,
  threads,
  document,
  canControl,
}: {
  taskId: string;
  threads: SpecThread[];
  document: SpecDocumentName;
  canControl: boolean;
}) {
  const open = threads.filter((t) => !t.resolved);
  const resolved = threads.filter((t) => t.resolved);
  return (
    <aside className="spec-threads" data-testid="spec-threads" aria-label={`Comments on ${document}.md`}>
      <h3>
        Comments <span className="muted">on {document}.md</span>
      </h3>
      {threads.length === 0 && <p className="muted">No comments on this document.</p>}
      {[...open, ...resolved].map((t) => (
        <SpecThreadView key={t.id} taskId={taskId} thread={t} canControl={canControl} />
      ))}
    </aside>
  );
}

function SpecThreadView({
  taskId,
  thread: t,
  canControl,
}: {
  taskId: string;
  thread: SpecThread;
  canControl: boolean;
}) {
  const store = useStoreThread(taskId);
  const [open, setOpen] = useState(!t.resolved);
  const [draft, setDraft] = useState("");
  const replyId = useId();
  const reply = useMutation({
    mutationFn: (body: string) => specApi.reply(taskId, t.id, body),
    onSuccess: (th) => {
      store(th);
      setDraft("");
    },
  });
  const resolve = useMutation({
    mutationFn: (resolved: boolean) => specApi.setResolved(taskId, t.id, resolved),
    onSuccess: (th) => {
      store(th);
      setOpen(!th.resolved);
    },
  });
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
      className={`review-thread spec-thread${t.resolved ? " resolved" : ""}${t.outdated ? " outdated" : ""}`}
      data-testid="spec-thread"
      data-thread-id={t.id}
      data-resolved={t.resolved}
      data-outdated={t.outdated}
      aria-label={`Comment on “${shortQuote(t.quote, 60)}”`}
    >
      <header className="review-thread-head">
        <span className="review-where">revision {t.revision}</span>
        {t.outdated && (
          <span
            className="tag tag-outdated"
            data-testid="spec-thread-outdated"
            title="The latest revision no longer has this text"
          >
            Outdated
          </span>
        )}
        {t.resolved && <span className="tag tag-resolved">Resolved</span>}
        {t.sent_at && !t.unsent && <span className="tag tag-sent">Sent to agent</span>}
        {!t.outdated && (
          <button
            type="button"
            className="link spec-find"
            onClick={(e) => showInText(e.currentTarget, t)}
            data-testid="spec-thread-find"
          >
            Find in text
          </button>
        )}
        {t.resolved && (
          <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? "Hide" : "Show"}
          </button>
        )}
      </header>
      <blockquote className="spec-quote" data-testid="spec-thread-quote">
        {shortQuote(t.quote)}
      </blockquote>
      {!open && first && <p className="review-folded">{first.body.split("\n")[0]}</p>}
      {open && (
        <>
          <ol className="review-comments">
            {t.comments.map((c) => (
              <li key={c.id} data-testid="spec-thread-comment">
                <div className="review-comment-meta">
                  <strong>{c.author_email ?? "agent"}</strong>{" "}
                  <time dateTime={c.created_at}>{new Date(c.created_at).toLocaleString()}</time>
                </div>
                <div className="review-comment-body">{c.body}</div>
              </li>
            ))}
          </ol>
          {canControl && (
            <form className="review-reply" onSubmit={submit}>
              <label htmlFor={replyId} className="visually-hidden">
                Reply
              </label>
              <textarea
                id={replyId}
                rows={2}
                placeholder="Reply…"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={onKey}
                data-testid="spec-thread-reply-input"
              />
              <div className="review-actions">
                <button type="submit" disabled={!draft.trim() || reply.isPending} data-testid="spec-thread-reply">
                  Reply
                </button>
                <button
                  type="button"
                  onClick={() => resolve.mutate(!t.resolved)}
                  disabled={resolve.isPending}
                  data-testid="spec-thread-resolve"
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

/** What changed between two revisions: the active document first, then the others. */
function SpecDiffView({
  taskId,
  from,
  to,
  active,
}: {
  taskId: string;
  from: number;
  to: number;
  active: SpecDocumentName;
}) {
  const diff = useQuery({ queryKey: specKeys.diff(taskId, from, to), queryFn: () => specApi.diff(taskId, from, to) });
  if (diff.isPending) return <p className="page-status">Comparing revisions…</p>;
  if (diff.error) {
    return (
      <p className="error" role="alert">
        {diff.error.message}
      </p>
    );
  }
  const files = [...diff.data.files].sort(
    (a, b) => Number(b.document === active) - Number(a.document === active),
  ) as SpecDiff["files"];
  return (
    <div className="spec-diff" data-testid="spec-diff">
      <p className="muted">
        Changes from revision {from} to revision {to}
      </p>
      {files.map((f) => (
        <SpecFileDiff key={f.document} file={f} />
      ))}
    </div>
  );
}

function SpecFileDiff({ file }: { file: SpecDiff["files"][number] }) {
  const hunks = useMemo(() => parsePatch(file.patch), [file.patch]);
  return (
    <div className="diff" data-testid="spec-diff-file" data-document={file.document}>
      <div className="diff-file">
        <span className="diff-path">{file.path}</span>
        <span className="diff-stats">
          <span className="add">+{file.additions}</span> <span className="remove">−{file.deletions}</span>
        </span>
      </div>
      {hunks.length === 0 ? <p className="diff-empty">No changes.</p> : <DiffTable hunks={hunks} />}
    </div>
  );
}
