import type { Project, TaskDetail, TaskPriority } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { Dialog } from "../ui/dialog.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { tasksApi } from "./api.js";
import { parseLabels } from "./board-model.js";
import { changesOf } from "./edit-task-model.js";
import { DependsOnField, PriorityField } from "./task-fields.js";

const EDIT_FIELDS = ["title", "description", "priority", "labels", "assignee_id", "depends_on"] as const;

/**
 * Edit a task: title, description, priority, labels, assignee and what it waits for. The slug and
 * branch keep their first names (an agent may already be working on the branch).
 */
export function EditTaskDialog({
  task: t,
  project: p,
  onClose,
}: {
  task: TaskDetail;
  project: Project | undefined;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const [title, setTitle] = useState(t.title);
  const [description, setDescription] = useState(t.description);
  const [priority, setPriority] = useState<TaskPriority>(t.priority);
  const [labels, setLabels] = useState(t.labels.join(", "));
  const [assignee, setAssignee] = useState<string | null>(t.assignee_id);
  const [dependsOn, setDependsOn] = useState<string[]>(t.depends_on);
  const teamId = p?.team_id ?? null;
  const members = useQuery({
    queryKey: queryKeys.members(teamId ?? ""),
    queryFn: () => api.listMembers(teamId ?? ""),
    enabled: teamId !== null,
  }).data?.items;
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const others = useQuery({
    queryKey: queryKeys.board(t.project_id),
    queryFn: () => tasksApi.list(t.project_id),
  }).data?.items.filter((x) => x.id !== t.id && x.state !== "cancelled");
  // A personal project has one person to assign: its owner.
  const people =
    members?.map((m) => ({ id: m.user_id, email: m.email })) ?? (me ? [{ id: me.id, email: me.email }] : []);
  if (assignee && t.assignee_email && !people.some((x) => x.id === assignee)) {
    people.push({ id: assignee, email: t.assignee_email });
  }

  const save = useMutation({
    mutationFn: () =>
      tasksApi.update(
        t.id,
        changesOf(t, {
          title,
          description,
          priority,
          labels: parseLabels(labels),
          assignee_id: assignee,
          depends_on: dependsOn,
        }),
      ),
    onSuccess: (saved) => {
      client.setQueryData(queryKeys.task(t.id), saved);
      void client.invalidateQueries({ queryKey: queryKeys.board(t.project_id) });
      onClose();
    },
  });
  const errors = save.error ? formErrors(save.error, EDIT_FIELDS) : NO_ERRORS;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Dialog title={`Edit #${t.number}`} onClose={onClose}>
      <form className="form new-task-form" onSubmit={submit} noValidate data-testid="edit-task-form">
        <Field label="Title" name="title" error={errors.fields.title}>
          {(f) => <input {...f} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />}
        </Field>
        <Field
          label="Description"
          name="description"
          error={errors.fields.description}
          hint="Prompts sent from now on carry the new words; a running turn keeps the old ones."
        >
          {(f) => <textarea {...f} rows={6} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="form-row">
          <PriorityField value={priority} onChange={setPriority} error={errors.fields.priority} />
          <Field label="Labels" name="labels" error={errors.fields.labels} hint="Comma-separated">
            {(f) => <input {...f} value={labels} onChange={(e) => setLabels(e.target.value)} />}
          </Field>
          <Field label="Assignee" name="assignee_id" error={errors.fields.assignee_id}>
            {(f) => (
              <select {...f} value={assignee ?? ""} onChange={(e) => setAssignee(e.target.value || null)}>
                <option value="">nobody</option>
                {people.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.email}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <DependsOnField
          tasks={others ?? []}
          value={dependsOn}
          onChange={setDependsOn}
          error={errors.fields.depends_on}
        />
        {errors.form && (
          <p className="error" role="alert" data-testid="form-error">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.isPending} data-testid="save-task">
            {save.isPending ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
