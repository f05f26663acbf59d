import {
  BOARD_COLUMNS,
  type BoardColumn,
  COLUMN_OF_STATE,
  TASK_WORKING_STATES,
  type Task,
  type TaskList,
  type TaskMode,
  type TaskPriority,
  type TaskState,
  WIP_COLUMNS,
  WIP_STATES,
  type WipColumn,
} from "@strand/protocol";

/** The state a column is named after; a card in any other state of that column wears a badge. */
export const MAIN_STATE_OF_COLUMN: Readonly<Record<BoardColumn, TaskState>> = {
  backlog: "backlog",
  planning: "planning",
  spec_review: "spec_review",
  in_progress: "implementing",
  code_review: "code_review",
  done: "done",
};

/** How a state reads on a badge. */
export const STATE_LABELS: Readonly<Record<TaskState, string>> = {
  backlog: "backlog",
  planning: "planning",
  spec_review: "spec review",
  spec_revision: "spec revision",
  implementing: "implementing",
  code_review: "code review",
  code_revision: "code revision",
  merging: "merging",
  done: "done",
  planning_failed: "planning failed",
  implementation_failed: "implementation failed",
  cancelled: "cancelled",
};

export const FAILED_STATES: readonly TaskState[] = ["planning_failed", "implementation_failed"];

export function isFailed(state: TaskState): boolean {
  return FAILED_STATES.includes(state);
}

/** A badge only when the card's state is not what its column says (spec revision, merging, failed, …). */
export function stateBadgeOf(task: Pick<Task, "state" | "column">): string | undefined {
  return MAIN_STATE_OF_COLUMN[task.column] === task.state ? undefined : STATE_LABELS[task.state];
}

const PRIORITY_ORDER: Readonly<Record<TaskPriority, number>> = { urgent: 0, high: 1, medium: 2, low: 3 };

/**
 * Tasks by column, each column most urgent first, then the longest waiting in its state (so what
 * needs a person floats up), then by number.
 */
export function groupByColumn(tasks: readonly Task[]): Record<BoardColumn, Task[]> {
  const out = Object.fromEntries(BOARD_COLUMNS.map((c) => [c, [] as Task[]])) as Record<BoardColumn, Task[]>;
  for (const t of tasks) out[COLUMN_OF_STATE[t.state] ?? t.column].push(t);
  for (const c of BOARD_COLUMNS)
    out[c].sort(
      (a, b) =>
        PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] ||
        a.state_changed_at.localeCompare(b.state_changed_at) ||
        a.number - b.number,
    );
  // Done reads best newest first: the latest finished work on top.
  out.done.sort((a, b) => b.state_changed_at.localeCompare(a.state_changed_at) || b.number - a.number);
  return out;
}

/** "2 / 3": tasks counting against a column's WIP limit (all of them, whatever the filters show), of the limit. */
export function wipOf(
  tasks: readonly Task[],
  limits: TaskList["wip_limits"],
  column: BoardColumn,
): { used: number; limit: number; full: boolean } | undefined {
  if (!(WIP_COLUMNS as readonly string[]).includes(column)) return undefined;
  const wip = column as WipColumn;
  const used = tasks.filter((t) => WIP_STATES[wip].includes(t.state)).length;
  const limit = limits[wip];
  return { used, limit, full: used >= limit };
}

export interface BoardFilters {
  q: string;
  label: string;
  assignee: string;
  mode: "" | TaskMode;
}

export const NO_FILTERS: BoardFilters = { q: "", label: "", assignee: "", mode: "" };

/** The board's filters, read from the URL (`?q=&label=&assignee=&mode=`), so a filtered board can be shared. */
export function filtersOf(params: URLSearchParams): BoardFilters {
  const mode = params.get("mode");
  return {
    q: params.get("q") ?? "",
    label: params.get("label") ?? "",
    assignee: params.get("assignee") ?? "",
    mode: mode === "spec" || mode === "direct" ? mode : "",
  };
}

/**
 * Cards that pass every filter: words in the title, description or `#number`; a label; an
 * assignee (`none` for unassigned); a mode.
 */
export function filterTasks(tasks: readonly Task[], f: BoardFilters): Task[] {
  const words = f.q.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return tasks.filter((t) => {
    if (f.label && !t.labels.includes(f.label)) return false;
    if (f.assignee === "none" ? t.assignee_id !== null : f.assignee && t.assignee_email !== f.assignee) return false;
    if (f.mode && t.mode !== f.mode) return false;
    if (words.length === 0) return true;
    const hay = `#${t.number} ${t.title} ${t.description}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** The labels and assignees on the board, for the filter menus. */
export function filterChoices(tasks: readonly Task[]): { labels: string[]; assignees: string[] } {
  const labels = new Set<string>();
  const assignees = new Set<string>();
  for (const t of tasks) {
    for (const l of t.labels) labels.add(l);
    if (t.assignee_email) assignees.add(t.assignee_email);
  }
  return { labels: [...labels].sort(), assignees: [...assignees].sort() };
}

/** Time in state, short: "12s", "5m", "3h 20m", "2d 4h". */
export function timeInState(since: string, now: number): string {
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (!Number.isFinite(s)) return "–";
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** Whether a session is working for the task right now (so its desktop is worth a live thumbnail). */
export function isWorking(task: Pick<Task, "state" | "session_id">): boolean {
  return task.session_id !== null && TASK_WORKING_STATES.includes(task.state);
}

export type TaskAction = "start" | "approve" | "request_changes" | "nudge" | "retry" | "cancel" | "reopen";

export const ACTION_LABELS: Readonly<Record<TaskAction, string>> = {
  start: "Start",
  approve: "Approve",
  request_changes: "Request changes",
  nudge: "Nudge",
  retry: "Retry",
  cancel: "Cancel task",
  reopen: "Back to backlog",
};

/**
 * The buttons a task's state offers, as the state machine allows them; none without control.
 * Nudge only while planning and only once the turn ended without the spec (the server says which
 * files are missing in `state_reason`), since a working agent cannot be nudged.
 */
export function actionsFor(task: Pick<Task, "state" | "state_reason">, canControl: boolean): TaskAction[] {
  if (!canControl) return [];
  switch (task.state) {
    case "backlog":
      return ["start", "cancel"];
    case "planning":
      return task.state_reason ? ["nudge", "cancel"] : ["cancel"];
    case "spec_review":
    case "code_review":
      return ["approve", "request_changes", "cancel"];
    case "planning_failed":
    case "implementation_failed":
      return ["retry", "cancel"];
    case "cancelled":
      return ["reopen"];
    case "done":
      return [];
    default:
      return ["cancel"];
  }
}

/**
 * Where a drag from this state may land, as the move route allows (a hint for the drop targets;
 * the server decides and says why not).
 */
export function moveTargets(state: TaskState): BoardColumn[] {
  switch (state) {
    case "backlog":
      return ["planning", "in_progress"];
    case "spec_review":
      return ["in_progress"];
    case "code_review":
      return ["done"];
    case "cancelled":
      return ["backlog"];
    default:
      return [];
  }
}

/** Labels typed as "ui, bug , ui": trimmed, without empties and repeats. */
export function parseLabels(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

/** A card's progress: "3/7" and the bar's fill, or nothing before there is a checklist. */
export function progressOf(task: Pick<Task, "progress">): { text: string; ratio: number } | undefined {
  const { done, total } = task.progress;
  if (total <= 0) return undefined;
  return { text: `${done}/${total}`, ratio: Math.min(1, done / total) };
}

/** Who caused a transition, as the history reads it. */
export function actorText(by: { kind: "user" | "agent" | "system"; email: string | null }): string {
  if (by.kind === "user") return by.email ?? "a person";
  if (by.kind === "agent") return "the agent";
  return "Strand";
}

/** Bytes as "12 KB". */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
