import type { Changes, ReviewThread } from "@strand/protocol";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import { DiffTable, type LineTarget } from "../chat/diff-view.js";
import { reviewApi } from "./api.js";
import { lineKey, parsePatch, placeThreads, rangeLabel, type Selection, select } from "./patch.js";
import { ThreadView, useStoreThread } from "./thread-view.js";

export type DiffMode = "unified" | "split";
type FileChange = Changes["files"][number];

const STATUS_LABEL: Record<FileChange["status"], string> = {
  added: "added",
  modified: "modified",
  deleted: "deleted",
  renamed: "renamed",
  copied: "copied",
  type_changed: "type changed",
};

/** The DOM id of a file's section, for the file list's links. */
export const fileAnchor = (path: string) => `file-${path.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/**
 * One changed file: its header with a unified/split toggle, its diff with the threads under their
 * lines (or on top when their lines are not shown), and, for members and up, comments by clicking
 * a line number (shift-click for a range).
 */
export function FileDiff({
  file,
  threads,
  sessionId,
  canControl,
}: {
  file: FileChange;
  threads: ReviewThread[];
  sessionId: string;
  canControl: boolean;
}) {
  const [mode, setMode] = useState<DiffMode>("unified");
  const [selection, setSelection] = useState<Selection | null>(null);
  // Kept here, not in the form: extending the range moves the form to another line.
  const [draft, setDraft] = useState("");
  const hunks = useMemo(() => parsePatch(file.patch), [file.patch]);
  const placed = useMemo(() => placeThreads(threads, hunks), [threads, hunks]);
  const commentable = canControl && !file.binary;

  const isSelected = (t: LineTarget) =>
    selection !== null && t.side === selection.side && t.line >= selection.start && t.line <= selection.end;
  const renderAfter = (targets: LineTarget[]) => {
    const here = targets.flatMap((t) => placed.inline.get(lineKey(t.side, t.line)) ?? []);
    const formHere = selection !== null && targets.some((t) => t.side === selection.side && t.line === selection.end);
    if (here.length === 0 && !formHere) return null;
    return (
      <div className="review-inline">
        {here.map((t) => (
          <ThreadView key={t.id} thread={t} sessionId={sessionId} canControl={canControl} />
        ))}
        {formHere && selection && (
          <CommentForm
            file={file}
            selection={selection}
            sessionId={sessionId}
            draft={draft}
            setDraft={setDraft}
            onDone={(saved) => {
              setSelection(null);
              if (saved) setDraft("");
            }}
          />
        )}
      </div>
    );
  };

  return (
    <section className="review-file" id={fileAnchor(file.path)} data-testid="review-file" data-path={file.path}>
      <header className="diff-file review-file-head">
        <span className="diff-path">{file.old_path ? `${file.old_path} → ${file.path}` : file.path}</span>
        <span className={`diff-tag status-${file.status}`}>{STATUS_LABEL[file.status]}</span>
        {file.binary && <span className="diff-tag">binary</span>}
        <span className="diff-stats">
          <span className="add">+{file.additions}</span> <span className="remove">−{file.deletions}</span>
        </span>
        {!file.binary && hunks.length > 0 && (
          <fieldset className="diff-mode">
            <legend className="visually-hidden">View of {file.path}</legend>
            {(["unified", "split"] as const).map((m) => (
              <button
                key={m}
                type="button"
                aria-pressed={mode === m}
                onClick={() => setMode(m)}
                data-testid={`diff-mode-${m}`}
              >
                {m === "unified" ? "Unified" : "Split"}
              </button>
            ))}
          </fieldset>
        )}
      </header>
      {placed.top.length > 0 && (
        <div className="review-inline review-top" data-testid="review-file-top">
          {placed.top.map((t) => (
            <ThreadView key={t.id} thread={t} sessionId={sessionId} canControl={canControl} showCode />
          ))}
        </div>
      )}
      {file.binary ? (
        <p className="diff-empty">Binary file: no line diff to show.</p>
      ) : hunks.length === 0 ? (
        <p className="diff-empty">No line changes (mode or name only).</p>
      ) : (
        <DiffTable
          hunks={hunks}
          mode={mode}
          isSelected={isSelected}
          renderAfter={renderAfter}
          {...(commentable
            ? {
                onLineClick: (t: LineTarget, o: { shiftKey: boolean }) => setSelection((s) => select(s, t, o.shiftKey)),
              }
            : {})}
        />
      )}
      {file.truncated && <p className="diff-empty">The patch is cut at 256 KiB; the rest of the file is not shown.</p>}
    </section>
  );
}

function CommentForm({
  file,
  selection,
  sessionId,
  draft,
  setDraft,
  onDone,
}: {
  file: FileChange;
  selection: Selection;
  sessionId: string;
  draft: string;
  setDraft: (d: string) => void;
  onDone: (saved: boolean) => void;
}) {
  const store = useStoreThread(sessionId);
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const path = selection.side === "old" ? (file.old_path ?? file.path) : file.path;
  const where = rangeLabel(path, selection.start, selection.end);
  // The box takes the focus when it opens, so a keyboard user can type at once.
  useEffect(() => {
    box.current?.focus();
  }, []);
  const create = useMutation({
    mutationFn: (body: string) =>
      reviewApi.comment(sessionId, {
        path,
        side: selection.side,
        start_line: selection.start,
        end_line: selection.end,
        body,
      }),
    onSuccess: (thread) => {
      store(thread);
      onDone(true);
    },
  });
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (draft.trim()) create.mutate(draft);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") onDone(false);
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit();
  };
  return (
    <form className="review-comment-form" onSubmit={submit} data-testid="comment-form">
      <label htmlFor={id}>
        Comment on <code>{where}</code>
        {selection.side === "old" && " (old lines)"}
        <small> · shift-click another line number for a range</small>
      </label>
      <textarea
        id={id}
        ref={box}
        rows={3}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKey}
        data-testid="comment-input"
      />
      <div className="review-actions">
        <button
          type="submit"
          className="primary"
          disabled={!draft.trim() || create.isPending}
          data-testid="comment-submit"
        >
          Comment
        </button>
        <button type="button" className="link" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
      {create.error && (
        <p className="error" role="alert">
          {create.error.message}
        </p>
      )}
    </form>
  );
}
