import type { TaskDetail, UpdateTaskBody } from "@strand/protocol";

/** Only what changed is sent, so an edit never overwrites a field someone else changed meanwhile. */
export function changesOf(
  t: TaskDetail,
  next: Required<Omit<UpdateTaskBody, "assignee_id">> & { assignee_id: string | null },
): UpdateTaskBody {
  const body: UpdateTaskBody = {};
  if (next.title !== t.title) body.title = next.title;
  if (next.description !== t.description) body.description = next.description;
  if (next.priority !== t.priority) body.priority = next.priority;
  if (next.labels.join("\n") !== t.labels.join("\n")) body.labels = next.labels;
  if (next.assignee_id !== t.assignee_id) body.assignee_id = next.assignee_id;
  if ([...next.depends_on].sort().join() !== [...t.depends_on].sort().join()) body.depends_on = next.depends_on;
  return body;
}
