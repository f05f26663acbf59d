import {
  BOARD_COLUMN_TITLES,
  BOARD_COLUMNS,
  type BoardColumn,
  type Project,
  type Session,
  type Task,
  type TaskList,
} from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type DragEvent, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { Thumbnail } from "../fleet/thumbnail.js";
import { accessTo } from "../teams/team-choice.js";
import { tasksApi } from "./api.js";
import {
  type BoardFilters,
  filterChoices,
  filtersOf,
  filterTasks,
  groupByColumn,
  isFailed,
  isWorking,
  moveTargets,
  progressOf,
  stateBadgeOf,
  wipOf,
} from "./board-model.js";
import { NewTaskDialog } from "./new-task-dialog.js";
import { TimeInState } from "./time-in-state.js";
import "./board.css";

/** A board card's desktop refreshes faster than the fleet's: it is where a task's progress shows. */
const CARD_THUMBNAIL_MS = 4_000;
const DRAG_TYPE = "application/x-strand-task";

/** What the last move, start or retry from the board said when the server refused it. */
interface BoardError {
  taskId: string;
  message: string;
}

/** A project's tasks in six columns, live: drag (or "Move to…") where the state machine allows. */
export function BoardPage() {
  const { slug = "" } = useParams();
  const project = useQuery({ queryKey: queryKeys.project(slug), queryFn: () => api.getProject(slug) });
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items;
  if (project.isPending) return <p className="page-status">Loading board…</p>;
  if (project.error) return <p className="page-status error">{project.error.message}</p>;
  const p = project.data;
  return <Board project={p} control={accessTo(p, teams, me?.id) === "control"} />;
}

function Board({ project: p, control }: { project: Project; control: boolean }) {
  const board = useQuery({
    queryKey: queryKeys.board(p.id),
    queryFn: () => tasksApi.list(p.id),
    // Task events keep it current; the slow poll only covers a replica whose event feed dropped.
    refetchInterval: 30_000,
  });
  // Which task sessions have a desktop up, for the live thumbnails (the fleet list, kept live by events).
  const sessions = useQuery({ queryKey: queryKeys.sessions, queryFn: api.listSessions });
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<BoardError | undefined>();
  const all = board.data?.items ?? [];
  const shown = useMemo(() => groupByColumn(filterTasks(all, filters)), [all, filters]);
  const choices = useMemo(() => filterChoices(all), [all]);
  const readySessions = useMemo(
    () => new Set((sessions.data ?? []).filter((s: Session) => s.state === "ready").map((s) => s.id)),
    [sessions.data],
  );
  const setFilter = (key: keyof BoardFilters, value: string) =>
    setParams(
      (q) => {
        if (value) q.set(key, value);
        else q.delete(key);
        return q;
      },
      { replace: true },
    );
  const filtered = filters.q || filters.label || filters.assignee || filters.mode;

  return (
    <section className="board-page" data-testid="board-page" data-can-control={control}>
      <header className="board-header">
        <Link to={`/projects/${p.slug}`} className="back" aria-label={`Project ${p.name}`}>
          ←
        </Link>
        <h1 className="board-title">
          <Link to={`/projects/${p.slug}`}>{p.name}</Link> · Board
        </h1>
        <search className="board-filters">
          <input
            type="search"
            placeholder="Search title, description, #number…"
            aria-label="Search tasks"
            data-testid="board-search"
            value={filters.q}
            onChange={(e) => setFilter("q", e.target.value)}
          />
          <select
            aria-label="Filter by label"
            data-testid="board-label-filter"
            value={filters.label}
            onChange={(e) => setFilter("label", e.target.value)}
          >
            <option value="">All labels</option>
            {choices.labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <select
            aria-label="Filter by assignee"
            data-testid="board-assignee-filter"
            value={filters.assignee}
            onChange={(e) => setFilter("assignee", e.target.value)}
          >
            <option value="">Anyone</option>
            <option value="none">Unassigned</option>
            {choices.assignees.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <select
            aria-label="Filter by mode"
            data-testid="board-mode-filter"
            value={filters.mode}
            onChange={(e) => setFilter("mode", e.target.value)}
          >
            <option value="">Spec and direct</option>
            <option value="spec">Spec first</option>
            <option value="direct">Direct</option>
          </select>
          {filtered && (
            <button type="button" className="link" onClick={() => setParams({}, { replace: true })}>
              Clear
            </button>
          )}
        </search>
        <span className="spacer" />
        {control && (
          <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-task">
            New task
          </button>
        )}
      </header>
      {board.error && (
        <p className="page-status error" role="alert">
          {board.error.message}
        </p>
      )}
      {error && (
        <div className="board-toast error" role="alert" data-testid="board-error">
          <span>
            #{all.find((t) => t.id === error.taskId)?.number}: {error.message}
          </span>
          <button type="button" className="link" aria-label="Dismiss" onClick={() => setError(undefined)}>
            ✕
          </button>
        </div>
      )}
      {board.isPending ? (
        <p className="page-status">Loading tasks…</p>
      ) : (
        <div className="board-columns" data-testid="board">
          {BOARD_COLUMNS.map((c) => (
            <Column
              key={c}
              column={c}
              tasks={shown[c]}
              all={all}
              limits={board.data?.wip_limits}
              control={control}
              readySessions={readySessions}
              error={error}
              onError={setError}
            />
          ))}
        </div>
      )}
      {creating && (
        <NewTaskDialog
          project={p}
          tasks={all}
          onClose={() => setCreating(false)}
          onCreated={() => setCreating(false)}
        />
      )}
    </section>
  );
}

/** The task's id from a drag that started on one of this page's cards. */
function draggedTask(e: DragEvent): string | undefined {
  return e.dataTransfer.types.includes(DRAG_TYPE) ? e.dataTransfer.getData(DRAG_TYPE) || undefined : undefined;
}

// The card being dragged: dragover cannot read the data, only its type, so the hint needs this.
let dragging: Task | undefined;

function Column({
  column,
  tasks,
  all,
  limits,
  control,
  readySessions,
  error,
  onError,
}: {
  column: BoardColumn;
  tasks: Task[];
  all: Task[];
  limits: TaskList["wip_limits"] | undefined;
  control: boolean;
  readySessions: ReadonlySet<string>;
  error: BoardError | undefined;
  onError: (e: BoardError | undefined) => void;
}) {
  const move = useMove(onError);
  const [over, setOver] = useState(false);
  const wip = limits ? wipOf(all, limits, column) : undefined;
  const title = BOARD_COLUMN_TITLES[column];
  const onDragOver = (e: DragEvent) => {
    if (!control || !e.dataTransfer.types.includes(DRAG_TYPE)) return;
    // Every column takes the drop, so the server can say why a move is not allowed.
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    setOver(true);
  };
  const onDrop = (e: DragEvent) => {
    setOver(false);
    const id = draggedTask(e);
    if (!id) return;
    e.preventDefault();
    const task = all.find((t) => t.id === id);
    if (task && task.column !== column) move.mutate({ task, column });
  };
  const hint = dragging && dragging.column !== column && moveTargets(dragging.state).includes(column);
  return (
    <section
      className={`board-column${over ? " drop-over" : ""}${hint ? " drop-allowed" : ""}`}
      data-testid="board-column"
      data-column={column}
      aria-label={title}
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <header className="column-header">
        <h2>{title}</h2>
        <span className="column-count" data-testid="column-count" title={`${tasks.length} shown`}>
          {tasks.length}
        </span>
        {wip && (
          <span
            className={`column-wip${wip.full ? " full" : ""}`}
            data-testid="column-wip"
            title={`WIP limit: at most ${wip.limit} working here at once; more wait`}
          >
            {wip.used} / {wip.limit}
          </span>
        )}
      </header>
      <ol className="column-cards">
        {tasks.map((t) => (
          <TaskCard
            key={t.id}
            task={t}
            control={control}
            live={t.session_id !== null && isWorking(t) && readySessions.has(t.session_id)}
            error={error?.taskId === t.id ? error.message : undefined}
            onError={onError}
          />
        ))}
        {tasks.length === 0 && <li className="column-empty muted">No tasks</li>}
      </ol>
    </section>
  );
}

/** Moves a task to a column; a refusal (409 with the state machine's words) stays on screen. */
function useMove(onError: (e: BoardError | undefined) => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ task, column }: { task: Task; column: BoardColumn }) => tasksApi.move(task.id, column),
    onMutate: () => onError(undefined),
    onSuccess: (t) => {
      void client.invalidateQueries({ queryKey: queryKeys.board(t.project_id) });
      client.setQueryData(queryKeys.task(t.id), t);
    },
    onError: (e, { task }) => onError({ taskId: task.id, message: e.message }),
  });
}

function TaskCard({
  task: t,
  control,
  live,
  error,
  onError,
}: {
  task: Task;
  control: boolean;
  live: boolean;
  error: string | undefined;
  onError: (e: BoardError | undefined) => void;
}) {
  const client = useQueryClient();
  const move = useMove(onError);
  const act = useMutation({
    mutationFn: (what: "start" | "retry") => (what === "start" ? tasksApi.start(t.id) : tasksApi.retry(t.id)),
    onMutate: () => onError(undefined),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.board(t.project_id) }),
    onError: (e) => onError({ taskId: t.id, message: e.message }),
  });
  const badge = stateBadgeOf(t);
  const progress = progressOf(t);
  const failed = isFailed(t.state);
  return (
    <li
      className={`task-card${failed ? " failed" : ""}${error ? " refused" : ""}`}
      title={error}
      data-testid="task-card"
      data-task-id={t.id}
      data-task-number={t.number}
      data-state={t.state}
      draggable={control}
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_TYPE, t.id);
        e.dataTransfer.setData("text/plain", `#${t.number} ${t.title}`);
        e.dataTransfer.effectAllowed = "move";
        dragging = t;
      }}
      onDragEnd={() => {
        dragging = undefined;
      }}
    >
      {t.session_id && live && (
        <Link to={`/tasks/${t.id}`} className="card-link" tabIndex={-1} aria-hidden="true">
          <Thumbnail sessionId={t.session_id} live={live} label={`#${t.number}`} refreshMs={CARD_THUMBNAIL_MS} />
        </Link>
      )}
      <div className="task-card-body">
        <div className="task-card-title">
          <span className="task-number">#{t.number}</span>
          <Link to={`/tasks/${t.id}`} data-testid="task-title" draggable={false}>
            {t.title}
          </Link>
        </div>
        {(badge || t.priority === "urgent" || t.priority === "high" || t.mode === "direct") && (
          <div className="task-badges">
            {badge && (
              <span className={`task-state task-state-${t.state}`} data-testid="task-state-badge">
                {badge}
              </span>
            )}
            {(t.priority === "urgent" || t.priority === "high") && (
              <span className={`tag priority-${t.priority}`}>{t.priority}</span>
            )}
            {t.mode === "direct" && <span className="tag">direct</span>}
          </div>
        )}
        {t.labels.length > 0 && (
          <ul className="task-labels" aria-label="Labels">
            {t.labels.map((l) => (
              <li key={l} className="task-label">
                {l}
              </li>
            ))}
          </ul>
        )}
        {t.waiting && (
          <p className="task-waiting" data-testid="task-waiting">
            {t.waiting}
          </p>
        )}
        {t.state_reason && (
          <p className={`task-reason${failed ? " error" : ""}`} data-testid="task-reason">
            {t.state_reason}
          </p>
        )}
        {progress && (
          <div className="task-progress" data-testid="task-progress" title={`${progress.text} of the checklist done`}>
            <span className="progress-bar" aria-hidden="true">
              <span style={{ width: `${Math.round(progress.ratio * 100)}%` }} />
            </span>
            <span>{progress.text}</span>
          </div>
        )}
        <div className="task-card-foot">
          <span className="task-assignee" title="Assignee">
            {t.assignee_email ?? ""}
          </span>
          <TimeInState since={t.state_changed_at} state={t.state} />
        </div>
        {control && (
          <div className="task-card-actions">
            {t.state === "backlog" && (
              <button
                type="button"
                onClick={() => act.mutate("start")}
                disabled={act.isPending}
                data-testid="card-start"
              >
                Start
              </button>
            )}
            {failed && (
              <button
                type="button"
                onClick={() => act.mutate("retry")}
                disabled={act.isPending}
                data-testid="card-retry"
              >
                Retry
              </button>
            )}
            <select
              className="move-to"
              aria-label={`Move #${t.number} to…`}
              data-testid="card-move"
              value=""
              disabled={move.isPending}
              onChange={(e) => {
                const column = e.target.value as BoardColumn;
                if (column) move.mutate({ task: t, column });
              }}
            >
              <option value="">Move to…</option>
              {BOARD_COLUMNS.filter((c) => c !== t.column).map((c) => (
                <option key={c} value={c}>
                  {BOARD_COLUMN_TITLES[c]}
                  {moveTargets(t.state).includes(c) ? "" : " (not allowed now)"}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
    </li>
  );
}
