import type { TaskState } from "@strand/protocol";
import { STATE_LABELS, timeInState } from "./board-model.js";
import { useNow } from "./clock.js";

/** How long a task has been in its state, ticking; only this span re-renders each second. */
export function TimeInState({ since, state, prefix = "" }: { since: string; state: TaskState; prefix?: string }) {
  const now = useNow();
  return (
    <span className="task-time" data-testid="task-time" title={`${STATE_LABELS[state]} since ${since}`}>
      {prefix}
      {timeInState(since, now)}
    </span>
  );
}
