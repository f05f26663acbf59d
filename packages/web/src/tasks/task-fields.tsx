import { TASK_PRIORITIES, type Task, type TaskPriority } from "@strand/protocol";
import { Field } from "../ui/field.js";

/** The priority picker of the new-task and edit-task forms. */
export function PriorityField({
  value,
  onChange,
  error,
}: {
  value: TaskPriority;
  onChange: (p: TaskPriority) => void;
  error: string | undefined;
}) {
  return (
    <Field label="Priority" name="priority" error={error}>
      {(f) => (
        <select {...f} value={value} onChange={(e) => onChange(e.target.value as TaskPriority)}>
          {TASK_PRIORITIES.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** What a task waits for: the project's other open tasks, several at once. Nothing shows when there are none. */
export function DependsOnField({
  tasks,
  value,
  onChange,
  error,
}: {
  tasks: readonly Task[];
  value: string[];
  onChange: (ids: string[]) => void;
  error: string | undefined;
}) {
  if (tasks.length === 0) return null;
  return (
    <Field
      label="Depends on"
      name="depends_on"
      error={error}
      hint="It waits until these are done (Ctrl/⌘-click for several)."
    >
      {(f) => (
        <select
          {...f}
          multiple
          size={Math.min(5, tasks.length)}
          value={value}
          onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value))}
        >
          {tasks.map((t) => (
            <option key={t.id} value={t.id}>
              #{t.number} {t.title}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
