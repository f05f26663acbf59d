import type { TaskDetail } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { ChatPanel } from "../chat/chat-panel.js";
import { RichText } from "../chat/rich-text.js";
import { ChangesTab } from "../review/changes-tab.js";
import { SpecReview } from "../specs/spec-review.js";
import { StreamViewer } from "../stream/stream-viewer.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { StateBadge } from "../ui/state-badge.js";
import { tasksApi } from "./api.js";
import {
  ACTION_LABELS,
  actionsFor,
  actorText,
  isFailed,
  STATE_LABELS,
  sizeText,
  type TaskAction,
} from "./board-model.js";
import { EditTaskDialog } from "./edit-task-dialog.js";
import { TimeInState } from "./time-in-state.js";
import "./board.css";

/** States after which the branch holds code worth reviewing (the Changes panel shows). */
const CODE_STATES = new Set<TaskDetail["state"]>([
  "implementing",
  "implementation_failed",
  "code_review",
  "code_revision",
  "merging",
  "done",
]);

/**
 * A task: its state and the actions it allows, what it is about, its history, and its work side
 * by side: the spec under review, the live desktop, the chat with its agent, the branch's changes.
 */
export function TaskPage() {
  const { id = "" } = useParams();
  const task = useQuery({
    queryKey: queryKeys.task(id),
    queryFn: () => tasksApi.get(id),
    // Task events keep it current; the slow poll only covers a replica whose event feed dropped.
    refetchInterval: 30_000,
  });
  if (task.isPending) return <p className="page-status">Loading task…</p>;
  if (task.error) return <p className="page-status error">{task.error.message}</p>;
  return <TaskView task={task.data} />;
}

function TaskView({ task: t }: { task: TaskDetail }) {
  const project = useQuery({
    queryKey: queryKeys.project(t.project_id),
    queryFn: () => api.getProject(t.project_id),
    staleTime: 60_000,
  }).data;
  const session = useQuery({
    queryKey: queryKeys.session(t.session_id ?? ""),
    queryFn: () => api.getSession(t.session_id ?? ""),
    enabled: t.session_id !== null,
  }).data;
  const [editing, setEditing] = useState(false);
  const failed = isFailed(t.state);
  const board = project ? `/projects/${project.slug}/board` : undefined;
  const inCode = CODE_STATES.has(t.state);
  const panels: ReactNode[] = [];
  const spec =
    t.mode === "spec" && t.state !== "backlog" ? (
      <Panel key="spec" title="Spec" testId="task-spec-panel">
        <SpecReview taskId={t.id} canControl={t.can_control} />
      </Panel>
    ) : null;
  const changes =
    session && inCode ? (
      <Panel key="changes" title="Changes" testId="task-changes-panel">
        <ChangesTab session={session} mergeControls={false} />
      </Panel>
    ) : null;
  // What needs a person's eyes comes first: the spec while it is planned, the code after.
  if (inCode) panels.push(changes, spec);
  else panels.push(spec, changes);
  if (session) {
    panels.push(
      <Panel key="desktop" title="Desktop" testId="task-desktop-panel" extra={<StateBadge state={session.state} />}>
        {session.state === "ready" ? (
          <StreamViewer sessionId={session.id} viewOnly={!t.can_control} />
        ) : (
          <p className="muted task-desktop-off">
            {session.state === "failed"
              ? `The session failed: ${session.state_reason ?? "no reason recorded"}`
              : `The desktop is ${session.state}.`}{" "}
            <Link to={`/sessions/${session.id}`}>Open the session</Link>
          </p>
        )}
      </Panel>,
      <div key="chat" className="task-panel task-chat" data-testid="task-chat-panel">
        <ChatPanel session={session} readOnly={!t.can_control} />
      </div>,
    );
  }

  return (
    <section className="task-page" data-testid="task-page" data-state={t.state} data-task-id={t.id}>
      <header className="task-header">
        {board && (
          <Link to={board} className="back" aria-label="The board">
            ←
          </Link>
        )}
        <span className="task-number">#{t.number}</span>
        <h1 data-testid="task-page-title">{t.title}</h1>
        <span className={`task-state task-state-${t.state}`} data-testid="task-state">
          {STATE_LABELS[t.state]}
        </span>
        <span className="muted">
          <TimeInState since={t.state_changed_at} state={t.state} prefix="for " />
        </span>
        {t.can_control && (
          <button type="button" onClick={() => setEditing(true)} data-testid="task-edit">
            Edit
          </button>
        )}
        <TaskActions task={t} />
      </header>
      {editing && <EditTaskDialog task={t} project={project} onClose={() => setEditing(false)} />}
      {(t.waiting || t.state_reason) && (
        <div className="task-status">
          {t.waiting && (
            <p className="task-waiting" data-testid="task-waiting">
              {t.waiting}
            </p>
          )}
          {t.state_reason && (
            <p className={failed ? "error" : "muted"} data-testid="task-reason" role={failed ? "alert" : undefined}>
              {t.state_reason}
            </p>
          )}
        </div>
      )}
      <div className="task-info">
        <div className="panel task-about">
          <dl className="task-facts">
            <dt>Mode</dt>
            <dd>{t.mode === "spec" ? "spec first" : "direct"}</dd>
            <dt>Priority</dt>
            <dd>{t.priority}</dd>
            {t.labels.length > 0 && (
              <>
                <dt>Labels</dt>
                <dd>{t.labels.join(", ")}</dd>
              </>
            )}
            <dt>Assignee</dt>
            <dd>{t.assignee_email ?? "nobody"}</dd>
            {t.branch && (
              <>
                <dt>Branch</dt>
                <dd>
                  {project ? <Link to={`/projects/${project.slug}/repos/${t.repo}`}>{t.repo}</Link> : t.repo} ·{" "}
                  <code data-testid="task-branch">{t.branch}</code>
                </dd>
              </>
            )}
            {t.progress.total > 0 && (
              <>
                <dt>Checklist</dt>
                <dd data-testid="task-page-progress">
                  {t.progress.done}/{t.progress.total} done
                </dd>
              </>
            )}
            {t.pull_request && (
              <>
                <dt>Pull request</dt>
                <dd>
                  <a href={t.pull_request.url} target="_blank" rel="noreferrer">
                    {t.pull_request.url}
                  </a>{" "}
                  ({t.pull_request.state})
                </dd>
              </>
            )}
            {t.session_id && (
              <>
                <dt>Session</dt>
                <dd>
                  <Link to={`/sessions/${t.session_id}`}>{session?.name ?? t.session_id}</Link>
                </dd>
              </>
            )}
          </dl>
          <div className="task-about-main">
            <div className="task-description" data-testid="task-description">
              {t.description.trim() ? <RichText text={t.description} /> : <p className="muted">No description.</p>}
            </div>
            <Attachments task={t} />
          </div>
        </div>
        <History task={t} />
      </div>
      {panels.some(Boolean) && <div className="task-work">{panels}</div>}
    </section>
  );
}

function Panel({
  title,
  testId,
  extra,
  children,
}: {
  title: string;
  testId: string;
  extra?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="task-panel" data-testid={testId} aria-label={title}>
      <header className="task-panel-header">
        <h2>{title}</h2>
        {extra}
      </header>
      <div className="task-panel-body">{children}</div>
    </section>
  );
}

/** The buttons the state allows (none without control); Request changes takes optional words for the agent. */
function TaskActions({ task: t }: { task: TaskDetail }) {
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  const [comments, setComments] = useState("");
  const act = useMutation({
    mutationFn: (a: TaskAction) => {
      switch (a) {
        case "start":
          return tasksApi.start(t.id);
        case "approve":
          return tasksApi.approve(t.id);
        case "request_changes":
          return tasksApi.requestChanges(t.id, comments.trim() || undefined);
        case "nudge":
          return tasksApi.nudge(t.id);
        case "retry":
          return tasksApi.retry(t.id);
        case "cancel":
          return tasksApi.cancel(t.id);
        case "reopen":
          return tasksApi.move(t.id, "backlog");
      }
    },
    onSuccess: (next, a) => {
      client.setQueryData(queryKeys.task(t.id), next);
      void client.invalidateQueries({ queryKey: queryKeys.board(t.project_id) });
      if (a === "request_changes") {
        setAsking(false);
        setComments("");
      }
    },
  });
  const actions = actionsFor(t, t.can_control);
  if (actions.length === 0) return null;
  return (
    <div className="task-actions" data-testid="task-actions">
      {actions.map((a) =>
        a === "cancel" ? (
          <ConfirmButton
            key={a}
            label={ACTION_LABELS.cancel}
            confirmLabel="Cancel it now"
            onConfirm={() => act.mutate("cancel")}
            disabled={act.isPending}
          />
        ) : a === "request_changes" ? (
          <button
            key={a}
            type="button"
            onClick={() => setAsking((v) => !v)}
            aria-expanded={asking}
            data-testid="task-request-changes"
          >
            {ACTION_LABELS[a]}
          </button>
        ) : (
          <button
            key={a}
            type="button"
            className={a === "approve" || a === "start" || a === "retry" ? "primary" : undefined}
            onClick={() => act.mutate(a)}
            disabled={act.isPending}
            data-testid={`task-${a}`}
          >
            {a === "approve" ? (t.state === "spec_review" ? "Approve spec" : "Approve code") : ACTION_LABELS[a]}
          </button>
        ),
      )}
      {asking && (
        <form
          className="request-changes"
          data-testid="request-changes-form"
          onSubmit={(e) => {
            e.preventDefault();
            act.mutate("request_changes");
          }}
        >
          <label htmlFor="request-changes-comments">For the agent, beside the open review comments (optional)</label>
          <textarea
            id="request-changes-comments"
            data-testid="request-changes-comments"
            rows={3}
            value={comments}
            onChange={(e) => setComments(e.target.value)}
          />
          <div className="form-actions">
            <button type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={act.isPending} data-testid="request-changes-send">
              Send to the agent
            </button>
          </div>
        </form>
      )}
      {act.error && (
        <p className="error task-action-error" role="alert" data-testid="task-action-error">
          {act.error.message}
        </p>
      )}
    </div>
  );
}

function Attachments({ task: t }: { task: TaskDetail }) {
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: (attachmentId: string) => tasksApi.removeAttachment(t.id, attachmentId),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.task(t.id) }),
  });
  if (t.attachments.length === 0) return null;
  return (
    <div className="task-attachments">
      <h3>Attachments</h3>
      <p className="muted hint-line">
        On the branch under <code>{t.spec_path}/attachments/</code>
      </p>
      <ul data-testid="task-attachments">
        {t.attachments.map((a) => (
          <li key={a.id} data-testid="task-attachment">
            <code>{a.name}</code> <span className="muted">{sizeText(a.size)}</span>
            {t.can_control && t.state === "backlog" && (
              <button
                type="button"
                className="link"
                onClick={() => remove.mutate(a.id)}
                disabled={remove.isPending}
                aria-label={`Remove ${a.name}`}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {remove.error && <p className="error">{remove.error.message}</p>}
    </div>
  );
}

/** Every transition, newest first: from → to, who or what caused it, why, and when. */
function History({ task: t }: { task: TaskDetail }) {
  const items = [...t.transitions].reverse();
  return (
    <div className="panel task-history">
      <h2>History</h2>
      <ol className="task-transitions" data-testid="task-transitions">
        {items.map((x) => (
          <li key={`${x.at}-${x.to}`} data-testid="task-transition" data-to={x.to}>
            <span className="transition-states">
              {/* from = to: a note on the state (why it waits, a start asked for), not a move */}
              {x.from && x.from !== x.to ? `${STATE_LABELS[x.from]} → ` : ""}
              <strong>{STATE_LABELS[x.to]}</strong>
            </span>
            <span className="muted">
              {" "}
              by {actorText(x.by)} · <time dateTime={x.at}>{new Date(x.at).toLocaleString()}</time>
            </span>
            {x.reason && <span className="transition-reason">{x.reason}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}
