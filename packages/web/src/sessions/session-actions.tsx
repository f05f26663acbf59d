import type { Session } from "@strand/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";

/**
 * Start (Retry after a failure) and Stop, as the session's state allows; `only` limits it to one
 * kind (the page header shows Stop, the desktop placeholder Start/Retry next to the reason).
 */
export function SessionActions({ session: s, only }: { session: Session; only?: "start" | "stop" }) {
  const client = useQueryClient();
  const onDone = (next: Session) => client.setQueryData(queryKeys.session(next.id), next);
  const start = useMutation({ mutationFn: () => api.startSession(s.id), onSuccess: onDone });
  const stop = useMutation({ mutationFn: () => api.stopSession(s.id), onSuccess: onDone });
  const runningOrOnItsWay = s.desired_state === "running" && s.state !== "failed" && s.state !== "stopped";
  const error = start.error ?? stop.error;
  return (
    <div className="session-actions">
      {only !== "stop" && s.state === "failed" && (
        <button type="button" className="primary" onClick={() => start.mutate()} disabled={start.isPending}>
          Retry
        </button>
      )}
      {only !== "stop" && s.state === "stopped" && (
        <button type="button" className="primary" onClick={() => start.mutate()} disabled={start.isPending}>
          Start
        </button>
      )}
      {only !== "start" && runningOrOnItsWay && (
        <button
          type="button"
          onClick={() => stop.mutate()}
          disabled={stop.isPending || s.state === "stopping"}
          data-testid="session-stop"
        >
          Stop session
        </button>
      )}
      {error && (
        <span className="error" role="alert">
          {error.message}
        </span>
      )}
    </div>
  );
}
