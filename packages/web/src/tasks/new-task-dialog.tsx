import type { CreateTaskBody, Project, Task, TaskDetail, TaskMode, TaskPriority } from "@strand/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { queryKeys } from "../api/query-keys.js";
import { Dialog } from "../ui/dialog.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { tasksApi } from "./api.js";
import { parseLabels, sizeText } from "./board-model.js";
import { DependsOnField, PriorityField } from "./task-fields.js";

const TASK_FIELDS = ["title", "description", "mode", "priority", "labels", "depends_on"] as const;
/** The API takes at most 10 MiB per attachment (base64 of it: 14 MB). */
const MAX_ATTACHMENT = 10 * 1024 * 1024;

/** Reads a picked file as base64, without the `data:…;base64,` head. */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(new Error(`${file.name}: could not be read (${r.error?.message ?? "unknown error"})`));
    r.readAsDataURL(file);
  });
}

/** The API's attachment names allow letters, digits, space, . _ and - only. */
function attachmentName(name: string): string {
  return name.replace(/[^A-Za-z0-9._ -]+/g, "_").slice(0, 200) || "attachment";
}

/**
 * New task: title, description, mode, priority, labels, what it depends on, files for the agent.
 * The task is created first, then each file is attached to it; **Create and start** starts it too.
 */
export function NewTaskDialog({
  project: p,
  tasks,
  onClose,
  onCreated,
}: {
  project: Project;
  tasks: Task[];
  onClose: () => void;
  onCreated: (t: TaskDetail) => void;
}) {
  const client = useQueryClient();
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [mode, setMode] = useState<TaskMode>("spec");
  const [priority, setPriority] = useState<TaskPriority>("medium");
  const [labels, setLabels] = useState("");
  const [dependsOn, setDependsOn] = useState<string[]>([]);
  const [files, setFiles] = useState<File[]>([]);
  // Set once the task exists: a failed attachment or start must not create it twice on a retry.
  const [created, setCreated] = useState<TaskDetail | undefined>();
  const [attached, setAttached] = useState<Set<File>>(new Set());
  const [step, setStep] = useState<string | undefined>();

  const tooBig = files.find((f) => f.size > MAX_ATTACHMENT);
  const create = useMutation({
    mutationFn: async (start: boolean): Promise<TaskDetail> => {
      let task = created;
      if (!task) {
        setStep("Creating the task…");
        const body: CreateTaskBody = {
          title,
          description,
          mode,
          priority,
          labels: parseLabels(labels),
          depends_on: dependsOn,
        };
        task = await tasksApi.create(p.id, body);
        setCreated(task);
      }
      for (const f of files) {
        if (attached.has(f)) continue;
        setStep(`Attaching ${f.name}…`);
        await tasksApi.addAttachment(task.id, {
          name: attachmentName(f.name),
          content_type: f.type || "application/octet-stream",
          content_base64: await base64Of(f),
        });
        setAttached((s) => new Set(s).add(f));
      }
      if (start) {
        setStep("Starting…");
        task = await tasksApi.start(task.id);
      }
      return task;
    },
    onSettled: () => {
      setStep(undefined);
      void client.invalidateQueries({ queryKey: queryKeys.board(p.id) });
    },
    onSuccess: onCreated,
  });
  const errors = create.error ? formErrors(create.error, TASK_FIELDS) : NO_ERRORS;
  const submit = (e: FormEvent, start = false) => {
    e.preventDefault();
    if (!tooBig) create.mutate(start);
  };
  const open = tasks.filter((t) => t.state !== "cancelled");
  return (
    <Dialog title="New task" onClose={onClose}>
      <form className="form new-task-form" onSubmit={(e) => submit(e)} noValidate data-testid="new-task-form">
        <fieldset className="plain" disabled={created !== undefined}>
          <Field label="Title" name="title" error={errors.fields.title}>
            {(f) => (
              <input
                {...f}
                value={title}
                onChange={(e) => setTitle(e.target.value)}
                placeholder="e.g. Let people reset their password"
                autoFocus
              />
            )}
          </Field>
          <Field
            label="Description"
            name="description"
            error={errors.fields.description}
            hint="What and why; the agent gets it with its prompt."
          >
            {(f) => <textarea {...f} rows={5} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
          <div className="radio-row" role="radiogroup" aria-label="Mode">
            <label>
              <input type="radio" name="mode" checked={mode === "spec"} onChange={() => setMode("spec")} /> Spec first
              (plan, review, then implement)
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === "direct"} onChange={() => setMode("direct")} /> Direct
              (implement at once)
            </label>
          </div>
          <div className="form-row">
            <PriorityField value={priority} onChange={setPriority} error={errors.fields.priority} />
            <Field label="Labels" name="labels" error={errors.fields.labels} hint="Comma-separated">
              {(f) => (
                <input {...f} value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="ui, auth" />
              )}
            </Field>
          </div>
          <DependsOnField tasks={open} value={dependsOn} onChange={setDependsOn} error={errors.fields.depends_on} />
          <Field
            label="Attachments"
            name="attachments"
            error={tooBig ? `${tooBig.name} is ${sizeText(tooBig.size)}; an attachment is at most 10 MB` : undefined}
            hint="The agent finds them under specs/<number>-<slug>/attachments/ on the task's branch."
          >
            {(f) => <input {...f} type="file" multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />}
          </Field>
        </fieldset>
        {step && (
          <p className="muted" aria-live="polite">
            {step}
          </p>
        )}
        {created && create.error && (
          <p className="muted">
            #{created.number} was created; {create.isPending ? "" : "try again to finish attaching or starting it."}
          </p>
        )}
        {errors.form && (
          <p className="error" role="alert" data-testid="form-error">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <button type="button" onClick={() => (created ? onCreated(created) : onClose())}>
            {created ? "Close" : "Cancel"}
          </button>
          <button type="submit" disabled={create.isPending} data-testid="create-task">
            {created ? "Finish" : "Create"}
          </button>
          <button
            type="button"
            className="primary"
            disabled={create.isPending}
            onClick={(e) => submit(e, true)}
            data-testid="create-start-task"
          >
            {created ? "Finish and start" : "Create and start"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
