import type { SessionState } from "@strand/protocol";

export function StateBadge({ state }: { state: SessionState }) {
  return (
    <span className={`state state-${state}`} data-testid="session-state">
      {state}
    </span>
  );
}
