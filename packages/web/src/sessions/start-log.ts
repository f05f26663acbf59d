import type { Session } from "@strand/protocol";
import { useEffect, useState } from "react";

/** One step of a start as the scheduler described it, with when this page first saw it. */
export interface StartStep {
  state: Session["state"];
  text: string;
  at: number;
}

/**
 * The steps of the current start, in the order the scheduler wrote them (`state` and
 * `state_reason` of each session event): waiting for a node, network, volumes, container,
 * desktop, then ready or failed. Starts over when the session starts again.
 */
export function nextStartLog(log: readonly StartStep[], s: Pick<Session, "state" | "state_reason">): StartStep[] {
  const restarting = s.state === "pending" && log.length > 0 && log[log.length - 1]?.state !== "pending";
  const base = restarting ? [] : log;
  const text = s.state_reason ?? defaultText(s.state);
  const last = base[base.length - 1];
  if (last && last.state === s.state && last.text === text) return base as StartStep[];
  return [...base, { state: s.state, text, at: Date.now() }];
}

function defaultText(state: Session["state"]): string {
  switch (state) {
    case "ready":
      return "The desktop and its agent are ready.";
    case "pending":
      return "Waiting to be scheduled.";
    case "starting":
      return "Starting.";
    default:
      return state;
  }
}

export function useStartLog(s: Session): StartStep[] {
  const [log, setLog] = useState<StartStep[]>([]);
  const { state, state_reason } = s;
  useEffect(() => {
    setLog((l) => nextStartLog(l, { state, state_reason }));
  }, [state, state_reason]);
  return log;
}
