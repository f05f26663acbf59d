import type { SessionState } from "./sessions.js";

/**
 * The session lifecycle. `pending` waits for a node; `starting` is being brought up by one;
 * `ready` means the desktop runs and its agent daemon is connected. Any state may fail, and a
 * failed or stopped session goes back to `pending` when started again.
 */
export const SESSION_TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  pending: ["starting", "stopped", "failed"],
  starting: ["ready", "stopping", "failed"],
  ready: ["stopping", "failed", "starting"],
  stopping: ["stopped", "failed"],
  stopped: ["pending"],
  failed: ["pending", "stopped"],
};

export function canTransition(from: SessionState, to: SessionState): boolean {
  return from === to || SESSION_TRANSITIONS[from].includes(to);
}

/** States in which the session holds resources on a node. */
export const ACTIVE_STATES: readonly SessionState[] = ["starting", "ready", "stopping"];
