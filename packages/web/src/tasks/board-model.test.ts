import type { Task, TaskState } from "@strand/protocol";
import { COLUMN_OF_STATE } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import {
  actionsFor,
  actorText,
  filterChoices,
  filtersOf,
  filterTasks,
  groupByColumn,
  isWorking,
  moveTargets,
  NO_FILTERS,
  parseLabels,
  progressOf,
  stateBadgeOf,
  timeInState,
  wipOf,
} from "./board-model.js";

let n = 0;
function task(over: Partial<Task> = {}): Task {
  n++;
  const state = over.state ?? "backlog";
  return {
    id: `tsk_${n}`,
    project_id: "prj_1",
    number: n,
    slug: `task-${n}`,
    title: `Task ${n}`,
    description: "",
    mode: "spec",
    state,
    column: COLUMN_OF_STATE[state],
    state_reason: null,
    waiting: null,
    queued_for: null,
    priority: "medium",
    labels: [],
    assignee_id: null,
    assignee_email: null,
    depends_on: [],
    attachments: [],
    repo: "app",
    session_id: null,
    branch: null,
    spec_path: `specs/${n}-task-${n}`,
    progress: { done: 0, total: 0 },
    pull_request: null,
    state_changed_at: "2026-01-01T00:00:00Z",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...over,
  };
}

describe("groupByColumn", () => {
  it("puts every state in its column: failed, revision and merging tasks beside the main state", () => {
    const states: TaskState[] = [
      "backlog",
      "planning",
      "planning_failed",
      "spec_review",
      "spec_revision",
      "implementing",
      "implementation_failed",
      "code_review",
      "code_revision",
      "merging",
      "done",
      "cancelled",
    ];
    const g = groupByColumn(states.map((state) => task({ state })));
    const statesOf = (c: keyof typeof g) => g[c].map((t) => t.state).sort();
    expect(statesOf("backlog")).toEqual(["backlog"]);
    expect(statesOf("planning")).toEqual(["planning", "planning_failed"]);
    expect(statesOf("spec_review")).toEqual(["spec_review", "spec_revision"]);
    expect(statesOf("in_progress")).toEqual(["implementation_failed", "implementing"]);
    expect(statesOf("code_review")).toEqual(["code_review", "code_revision", "merging"]);
    expect(statesOf("done")).toEqual(["cancelled", "done"]);
  });

  it("orders a column by priority, then longest in its state; done newest first", () => {
    const old = task({ title: "old", state_changed_at: "2026-01-01T00:00:00Z" });
    const recent = task({ title: "recent", state_changed_at: "2026-01-02T00:00:00Z" });
    const urgent = task({ title: "urgent", priority: "urgent", state_changed_at: "2026-01-03T00:00:00Z" });
    const d1 = task({ title: "d1", state: "done", state_changed_at: "2026-01-01T00:00:00Z" });
    const d2 = task({ title: "d2", state: "done", state_changed_at: "2026-01-05T00:00:00Z" });
    const g = groupByColumn([recent, old, urgent, d1, d2]);
    expect(g.backlog.map((t) => t.title)).toEqual(["urgent", "old", "recent"]);
    expect(g.done.map((t) => t.title)).toEqual(["d2", "d1"]);
  });
});

describe("wipOf", () => {
  const limits = { planning: 3, spec_review: 5, in_progress: 1 };
  it("counts the states that hold an agent against the limit, not failed ones", () => {
    const tasks = [
      task({ state: "planning" }),
      task({ state: "planning" }),
      task({ state: "planning_failed" }),
      task({ state: "implementing" }),
      task({ state: "spec_revision" }),
    ];
    expect(wipOf(tasks, limits, "planning")).toEqual({ used: 2, limit: 3, full: false });
    expect(wipOf(tasks, limits, "in_progress")).toEqual({ used: 1, limit: 1, full: true });
    expect(wipOf(tasks, limits, "spec_review")).toEqual({ used: 1, limit: 5, full: false });
  });
  it("has nothing for columns without a limit", () => {
    expect(wipOf([], limits, "backlog")).toBeUndefined();
    expect(wipOf([], limits, "code_review")).toBeUndefined();
    expect(wipOf([], limits, "done")).toBeUndefined();
  });
});

describe("filters", () => {
  const a = task({ title: "Fix the login page", labels: ["ui", "bug"], assignee_id: "u1", assignee_email: "a@x" });
  const b = task({ title: "Speed up search", description: "the index is slow", mode: "direct", labels: ["perf"] });
  const c = task({ title: "Docs", number: 42 });
  const all = [a, b, c];
  it("match words in title, description and #number, case-insensitively, all words needed", () => {
    expect(filterTasks(all, { ...NO_FILTERS, q: "LOGIN" })).toEqual([a]);
    expect(filterTasks(all, { ...NO_FILTERS, q: "index slow" })).toEqual([b]);
    expect(filterTasks(all, { ...NO_FILTERS, q: "index fast" })).toEqual([]);
    expect(filterTasks(all, { ...NO_FILTERS, q: "#42" })).toEqual([c]);
  });
  it("by label, assignee (or none) and mode", () => {
    expect(filterTasks(all, { ...NO_FILTERS, label: "ui" })).toEqual([a]);
    expect(filterTasks(all, { ...NO_FILTERS, assignee: "a@x" })).toEqual([a]);
    expect(filterTasks(all, { ...NO_FILTERS, assignee: "none" })).toEqual([b, c]);
    expect(filterTasks(all, { ...NO_FILTERS, mode: "direct" })).toEqual([b]);
    expect(filterTasks(all, NO_FILTERS)).toEqual(all);
  });
  it("come from the URL, ignoring a mode that is not one", () => {
    expect(filtersOf(new URLSearchParams("q=x&label=ui&assignee=a%40x&mode=spec"))).toEqual({
      q: "x",
      label: "ui",
      assignee: "a@x",
      mode: "spec",
    });
    expect(filtersOf(new URLSearchParams("mode=weird")).mode).toBe("");
  });
  it("offer the labels and assignees on the board", () => {
    expect(filterChoices(all)).toEqual({ labels: ["bug", "perf", "ui"], assignees: ["a@x"] });
  });
});

describe("timeInState", () => {
  const at = Date.parse("2026-01-01T00:00:00Z");
  const since = "2026-01-01T00:00:00Z";
  it("reads short at every scale", () => {
    expect(timeInState(since, at + 12_000)).toBe("12s");
    expect(timeInState(since, at + 5 * 60_000 + 10_000)).toBe("5m");
    expect(timeInState(since, at + 3 * 3_600_000)).toBe("3h");
    expect(timeInState(since, at + 3 * 3_600_000 + 20 * 60_000)).toBe("3h 20m");
    expect(timeInState(since, at + 2 * 86_400_000 + 4 * 3_600_000)).toBe("2d 4h");
    expect(timeInState(since, at + 2 * 86_400_000)).toBe("2d");
  });
  it("never goes negative when the clocks disagree", () => {
    expect(timeInState(since, at - 5_000)).toBe("0s");
  });
});

describe("actionsFor", () => {
  const of = (state: TaskState, reason: string | null = null) => actionsFor({ state, state_reason: reason }, true);
  it("offers what the state machine allows", () => {
    expect(of("backlog")).toEqual(["start", "cancel"]);
    expect(of("planning")).toEqual(["cancel"]);
    expect(of("planning", "the turn ended without design.md, tasks.md")).toEqual(["nudge", "cancel"]);
    expect(of("spec_review")).toEqual(["approve", "request_changes", "cancel"]);
    expect(of("code_review")).toEqual(["approve", "request_changes", "cancel"]);
    expect(of("spec_revision")).toEqual(["cancel"]);
    expect(of("implementing")).toEqual(["cancel"]);
    expect(of("merging")).toEqual(["cancel"]);
    expect(of("planning_failed")).toEqual(["retry", "cancel"]);
    expect(of("implementation_failed")).toEqual(["retry", "cancel"]);
    expect(of("cancelled")).toEqual(["reopen"]);
    expect(of("done")).toEqual([]);
  });
  it("offers nothing without control", () => {
    expect(actionsFor({ state: "spec_review", state_reason: null }, false)).toEqual([]);
  });
});

describe("cards", () => {
  it("wear a badge only when the state is not their column's own", () => {
    expect(stateBadgeOf(task({ state: "spec_review" }))).toBeUndefined();
    expect(stateBadgeOf(task({ state: "implementing" }))).toBeUndefined();
    expect(stateBadgeOf(task({ state: "spec_revision" }))).toBe("spec revision");
    expect(stateBadgeOf(task({ state: "merging" }))).toBe("merging");
    expect(stateBadgeOf(task({ state: "implementation_failed" }))).toBe("implementation failed");
    expect(stateBadgeOf(task({ state: "cancelled" }))).toBe("cancelled");
  });
  it("show progress once there is a checklist", () => {
    expect(progressOf(task())).toBeUndefined();
    expect(progressOf(task({ progress: { done: 2, total: 5 } }))).toEqual({ text: "2/5", ratio: 0.4 });
  });
  it("are live while a session works on them", () => {
    expect(isWorking(task({ state: "planning", session_id: "ses_1" }))).toBe(true);
    expect(isWorking(task({ state: "spec_review", session_id: "ses_1" }))).toBe(false);
    expect(isWorking(task({ state: "planning" }))).toBe(false);
  });
  it("hint where a drag may land", () => {
    expect(moveTargets("backlog")).toEqual(["planning", "in_progress"]);
    expect(moveTargets("spec_review")).toEqual(["in_progress"]);
    expect(moveTargets("code_review")).toEqual(["done"]);
    expect(moveTargets("cancelled")).toEqual(["backlog"]);
    expect(moveTargets("implementing")).toEqual([]);
  });
});

describe("small readings", () => {
  it("parses labels", () => {
    expect(parseLabels(" ui, bug ,, ui ")).toEqual(["ui", "bug"]);
  });
  it("names who moved a task", () => {
    expect(actorText({ kind: "user", email: "a@x" })).toBe("a@x");
    expect(actorText({ kind: "agent", email: null })).toBe("the agent");
    expect(actorText({ kind: "system", email: null })).toBe("Strand");
  });
});
