import type { TaskDetail } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { changesOf } from "./edit-task-model.js";

const task = {
  title: "Add a login page",
  description: "Email and password.",
  priority: "medium",
  labels: ["ui", "auth"],
  assignee_id: null,
  depends_on: ["tsk_a", "tsk_b"],
} as unknown as TaskDetail;
const same = {
  title: task.title,
  description: task.description,
  priority: task.priority,
  labels: ["ui", "auth"],
  assignee_id: null,
  depends_on: ["tsk_b", "tsk_a"],
};

describe("the task edit form", () => {
  it("sends nothing for an unchanged form, whatever order the dependencies come in", () => {
    expect(changesOf(task, same)).toEqual({});
  });

  it("sends only the fields that changed, an unassignment included", () => {
    const assigned = { ...task, assignee_id: "usr_1" } as TaskDetail;
    expect(changesOf(assigned, { ...same, title: "Add a sign-in page", labels: ["ui"], assignee_id: null })).toEqual({
      title: "Add a sign-in page",
      labels: ["ui"],
      assignee_id: null,
    });
  });
});
