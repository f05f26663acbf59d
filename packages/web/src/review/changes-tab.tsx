import {
  type Changes,
  MERGE_STRATEGIES,
  type MergeResult,
  type MergeStrategyName,
  type ReviewThread,
  type Session,
} from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ApiRequestError } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { PullRequestBar } from "../pull-requests/pull-request-bar.js";
import { reviewApi } from "./api.js";
import { FileDiff, fileAnchor } from "./file-diff.js";
import { threadOnFile } from "./patch.js";
import { ThreadView } from "./thread-view.js";

export type SessionTab = "desktop" | "changes";

/** Which tab of the session page is open: `?tab=changes`, for sessions on a project only. */
export function sessionTab(session: Session, params: URLSearchParams): SessionTab {
  return session.project_id && params.get("tab") === "changes" ? "changes" : "desktop";
}

/** Desktop | Changes, above the session's main pane (links, so a tab can be shared and reloaded). */
export function SessionTabs({ active }: { active: SessionTab }) {
  const [params] = useSearchParams();
  const to = (tab: SessionTab) => {
    const next = new URLSearchParams(params);
    if (tab === "desktop") next.delete("tab");
    else next.set("tab", tab);
    const q = next.toString();
    return q ? `?${q}` : "?";
  };
  return (
    <nav className="tabs session-tabs" aria-label="Session views">
      <Link
        to={to("desktop")}
        className={active === "desktop" ? "active" : ""}
        aria-current={active === "desktop" ? "page" : undefined}
      >
        Desktop
      </Link>
      <Link
        to={to("changes")}
        className={active === "changes" ? "active" : ""}
        aria-current={active === "changes" ? "page" : undefined}
        data-testid="tab-changes"
      >
        Changes
      </Link>
    </nav>
  );
}

/**
 * The session branch's changes against its base: the files, each file's diff with its review
 * threads, Send to agent, and Merge. Live: review events (threads, pushes, merges) reload it.
 */
export function ChangesTab({
  session,
  mergeControls = true,
}: {
  session: Session;
  /** Off on a task's page: its Approve merges or opens the pull request, through the task's state machine. */
  mergeControls?: boolean;
}) {
  const id = session.id;
  const changes = useQuery({ queryKey: queryKeys.changes(id), queryFn: () => reviewApi.changes(id) });
  const threads = useQuery({ queryKey: queryKeys.reviewThreads(id), queryFn: () => reviewApi.threads(id) });
  if (changes.isPending || threads.isPending) return <p className="page-status">Loading changes…</p>;
  const error = changes.error ?? threads.error;
  if (error)
    return (
      <p className="page-status error" role="alert">
        {error.message}
      </p>
    );
  const c = changes.data;
  const list = threads.data;
  if (!c || !list) return null;
  return (
    <ChangesView
      session={session}
      changes={c}
      threads={list.items}
      canControl={list.can_control}
      mergeControls={mergeControls}
    />
  );
}

function ChangesView({
  session,
  changes: c,
  threads,
  canControl,
  mergeControls,
}: {
  session: Session;
  changes: Changes;
  threads: ReviewThread[];
  canControl: boolean;
  mergeControls: boolean;
}) {
  const additions = c.files.reduce((n, f) => n + f.additions, 0);
  const deletions = c.files.reduce((n, f) => n + f.deletions, 0);
  const elsewhere = threads.filter((t) => !c.files.some((f) => threadOnFile(t, f)));
  return (
    <div className="changes" data-testid="changes" data-head={c.head}>
      <div className="changes-bar">
        <span className="changes-summary">
          <code>{c.branch}</code> → <code>{c.base_branch}</code> · {c.files.length} file
          {c.files.length === 1 ? "" : "s"} · <span className="add">+{additions}</span>{" "}
          <span className="remove">−{deletions}</span> · head <code title={c.head}>{c.head.slice(0, 10)}</code>
        </span>
        {canControl && <SendButton sessionId={session.id} threads={threads} />}
      </div>
      {mergeControls && canControl && <MergeBar session={session} hasChanges={c.files.length > 0} />}
      {mergeControls && <PullRequestBar session={session} canControl={canControl} />}
      {c.files.length === 0 ? (
        <p className="diff-empty" data-testid="changes-empty">
          No changes: <code>{c.branch}</code> has nothing that <code>{c.base_branch}</code> lacks.
        </p>
      ) : (
        <nav aria-label="Changed files">
          <ul className="changes-files" data-testid="changes-files">
            {c.files.map((f) => {
              const count = threads.filter((t) => threadOnFile(t, f) && !t.resolved).length;
              return (
                <li key={f.path} data-status={f.status}>
                  <span className={`file-status status-${f.status}`} title={f.status}>
                    {f.status[0]?.toUpperCase()}
                  </span>
                  <a href={`#${fileAnchor(f.path)}`}>{f.path}</a>
                  {f.binary ? (
                    <span className="diff-tag">binary</span>
                  ) : (
                    <span className="diff-stats">
                      <span className="add">+{f.additions}</span> <span className="remove">−{f.deletions}</span>
                    </span>
                  )}
                  {count > 0 && (
                    <span className="tag" title="Open threads">
                      {count} open
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        </nav>
      )}
      {elsewhere.length > 0 && (
        <section className="review-file" aria-label="Threads on files no longer changed">
          <header className="diff-file">Threads on files this branch no longer changes</header>
          <div className="review-inline review-top">
            {elsewhere.map((t) => (
              <ThreadView key={t.id} thread={t} sessionId={session.id} canControl={canControl} showCode />
            ))}
          </div>
        </section>
      )}
      {c.files.map((f) => (
        <FileDiff
          key={f.path}
          file={f}
          threads={threads.filter((t) => threadOnFile(t, f))}
          sessionId={session.id}
          canControl={canControl}
        />
      ))}
    </div>
  );
}

/** "Send to agent (N)": N open threads with comments the agent has not had yet. */
function SendButton({ sessionId, threads }: { sessionId: string; threads: ReviewThread[] }) {
  const client = useQueryClient();
  const open = threads.filter((t) => !t.resolved && t.unsent).length;
  const send = useMutation({
    mutationFn: () => reviewApi.send(sessionId),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.reviewThreads(sessionId) }),
  });
  return (
    <span className="changes-send">
      <button
        type="button"
        className="primary"
        onClick={() => send.mutate()}
        disabled={open === 0 || send.isPending}
        data-testid="review-send"
      >
        Send to agent ({open})
      </button>
      <span role="status" className="changes-note">
        {send.data && `Sent ${send.data.sent} thread${send.data.sent === 1 ? "" : "s"} to the agent.`}
      </span>
      {send.error && (
        <span className="error" role="alert">
          {send.error.message}
        </span>
      )}
    </span>
  );
}

/** Merge with a strategy (the project's by default); on a conflict, the files and "Ask the agent to resolve". */
function MergeBar({ session, hasChanges }: { session: Session; hasChanges: boolean }) {
  const client = useQueryClient();
  const project = useQuery({
    queryKey: ["project", session.project_id],
    queryFn: () => reviewApi.project(session.project_id as string),
    enabled: session.project_id !== null,
  });
  const [strategy, setStrategy] = useState<MergeStrategyName | undefined>(undefined);
  useEffect(() => {
    if (strategy === undefined && project.data) setStrategy(project.data.merge_strategy);
  }, [project.data, strategy]);
  const [result, setResult] = useState<MergeResult | null>(null);
  const merge = useMutation({
    // Without the project (it failed to load) the server applies the project's strategy itself.
    mutationFn: () => reviewApi.merge(session.id, strategy),
    onSuccess: (r) => {
      setResult(r);
      void client.invalidateQueries({ queryKey: queryKeys.changes(session.id) });
      void client.invalidateQueries({ queryKey: queryKeys.reviewThreads(session.id) });
    },
  });
  const ask = useMutation({ mutationFn: () => reviewApi.resolveConflicts(session.id) });
  const conflict = merge.error instanceof ApiRequestError && merge.error.code === "merge_conflict" ? merge.error : null;
  const files = conflictFiles(conflict?.details);
  return (
    <div className="merge-bar" data-testid="merge-bar">
      <label>
        Strategy{" "}
        <select
          value={strategy ?? "merge"}
          onChange={(e) => setStrategy(e.target.value as MergeStrategyName)}
          disabled={project.isPending}
          data-testid="merge-strategy"
        >
          {MERGE_STRATEGIES.map((s) => (
            <option key={s} value={s}>
              {s}
              {s === project.data?.merge_strategy ? " (project default)" : ""}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        onClick={() => {
          setResult(null);
          ask.reset();
          merge.mutate();
        }}
        disabled={!hasChanges || project.isPending || merge.isPending}
        data-testid="merge"
      >
        Merge into {session.base}
      </button>
      <div role="status" className="merge-result" data-testid="merge-result">
        {result && (
          <>
            Merged into <code>{result.base_branch}</code> ({result.strategy}) as{" "}
            <code data-testid="merge-commit">{result.commit.slice(0, 12)}</code>.
          </>
        )}
      </div>
      {merge.error && !conflict && (
        <p className="error" role="alert">
          {merge.error.message}
        </p>
      )}
      {conflict && (
        <div className="merge-conflict" role="alert" data-testid="merge-conflict">
          <p>
            <code>{session.branch}</code> does not merge cleanly into <code>{session.base}</code>
            {files.length > 0 ? ": conflicts in" : "."}
          </p>
          {files.length > 0 && (
            <ul>
              {files.map((f) => (
                <li key={f}>
                  <code>{f}</code>
                </li>
              ))}
            </ul>
          )}
          <button
            type="button"
            onClick={() => ask.mutate()}
            disabled={ask.isPending || ask.isSuccess}
            data-testid="ask-resolve"
          >
            Ask the agent to resolve
          </button>
          {ask.isSuccess && <span className="changes-note"> Asked: the prompt is in the chat.</span>}
          {ask.error && <span className="error"> {ask.error.message}</span>}
        </div>
      )}
    </div>
  );
}

function conflictFiles(details: unknown): string[] {
  const files = (details as { files?: unknown } | undefined)?.files;
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
}
