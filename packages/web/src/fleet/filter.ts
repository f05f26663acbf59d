import type { Session, SessionState } from "@strand/protocol";

export type StateFilter = "all" | "active" | SessionState;

/** "active": everything that runs or is on its way (pending, starting, ready, stopping). */
const ACTIVE: readonly SessionState[] = ["pending", "starting", "ready", "stopping"];

/** The sessions to show for a state filter and a search over name, id, model, runtime and desktop. */
export function filterSessions(sessions: readonly Session[], state: StateFilter, query: string): Session[] {
  const q = query.trim().toLowerCase();
  return sessions.filter((s) => {
    if (state === "active" ? !ACTIVE.includes(s.state) : state !== "all" && s.state !== state) return false;
    if (!q) return true;
    return [s.name, s.id, s.model ?? "", s.runtime, s.desktop].some((v) => v.toLowerCase().includes(q));
  });
}

/** How many sessions are in each state, for the filter's labels. */
export function countByState(sessions: readonly Session[]): Record<string, number> {
  const counts: Record<string, number> = { all: sessions.length, active: 0 };
  for (const s of sessions) {
    counts[s.state] = (counts[s.state] ?? 0) + 1;
    if (ACTIVE.includes(s.state)) counts.active = (counts.active ?? 0) + 1;
  }
  return counts;
}

/** The session's LLM spend (`spend_usd`, from the LLM proxy); undefined from a server without it. */
export function spendOf(s: Session): number | undefined {
  return typeof s.spend_usd === "number" ? s.spend_usd : undefined;
}
