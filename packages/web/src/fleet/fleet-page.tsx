import { DISK_WAIT_REASON, SESSION_STATES } from "@strand/protocol";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { useLiveState } from "../events/live-sync.js";
import { NewSessionDialog } from "../sessions/new-session-dialog.js";
import { defaultTeamId, inChoice } from "../teams/team-choice.js";
import { useTeamChoice } from "../teams/use-team-choice.js";
import { countByState, filterSessions, type StateFilter } from "./filter.js";
import { SessionCard } from "./session-card.js";

const FILTERS: StateFilter[] = ["all", "active", ...SESSION_STATES];

/** Every session you can see, live: thumbnails, state and why, and what each one runs. */
export function FleetPage() {
  const sessions = useQuery({ queryKey: queryKeys.sessions, queryFn: api.listSessions });
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me });
  // Cards name their project; one list read serves every card.
  const projects = useQuery({ queryKey: queryKeys.projects, queryFn: api.listProjects });
  const { choice, team, teams, unknownTeam } = useTeamChoice({ reflect: true });
  const live = useLiveState();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const state = (params.get("state") ?? "all") as StateFilter;
  const query = params.get("q") ?? "";
  const [creating, setCreating] = useState(params.get("new") === "1");
  const setParam = (key: string, value: string, empty: string) =>
    setParams(
      (p) => {
        if (value === empty) p.delete(key);
        else p.set(key, value);
        return p;
      },
      { replace: true },
    );

  const everything = sessions.data ?? [];
  // The team switcher's choice first; the state filter and search work within it.
  const all = useMemo(
    () => everything.filter((s) => inChoice(s, choice, teams, me.data?.id)),
    [everything, choice, teams, me.data?.id],
  );
  const projectById = useMemo(
    () => new Map((projects.data?.items ?? []).map((p) => [p.id, p] as const)),
    [projects.data],
  );
  // Until the teams and who you are are known, a team or personal choice cannot be applied.
  const choosing = choice.kind !== "all" && (!teams || !me.data);
  const shown = useMemo(() => filterSessions(all, state, query), [all, state, query]);
  const counts = useMemo(() => countByState(all), [all]);
  // Said once on top, not only on each card: it is the host, not the session, that needs attention.
  const diskWait = everything.find((s) => s.state === "pending" && s.state_reason?.startsWith(DISK_WAIT_REASON));

  return (
    <section className="fleet">
      <div className="fleet-toolbar">
        <h1>Sessions</h1>
        <input
          type="search"
          placeholder="Search by name, model, id…"
          aria-label="Search sessions"
          data-testid="fleet-search"
          value={query}
          onChange={(e) => setParam("q", e.target.value, "")}
        />
        <select
          aria-label="Filter by state"
          data-testid="fleet-state-filter"
          value={state}
          onChange={(e) => setParam("state", e.target.value, "all")}
        >
          {FILTERS.map((f) => (
            <option key={f} value={f}>
              {f} ({counts[f] ?? 0})
            </option>
          ))}
        </select>
        <span className={`live-indicator live-${live}`} title="Live updates" data-testid="live-indicator">
          {live === "live" ? "● live" : live === "connecting" ? "○ connecting" : "○ offline"}
        </span>
        <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-session">
          New session
        </button>
      </div>
      {diskWait && (
        <p className="page-status error" role="alert" data-testid="fleet-disk-wait">
          New sessions are waiting. {diskWait.state_reason}
        </p>
      )}
      {unknownTeam && choice.kind === "team" && (
        <p className="page-status error" role="alert" data-testid="fleet-unknown-team">
          You are not a member of a team "{choice.slug}". Pick another team at the top, or ask one of its owners to add
          you.
        </p>
      )}
      {(sessions.isPending || choosing) && <p className="page-status">Loading sessions…</p>}
      {sessions.error && <p className="page-status error">{sessions.error.message}</p>}
      {sessions.data && !choosing && !unknownTeam && all.length === 0 && (
        <p className="page-status" data-testid="fleet-empty">
          {team
            ? `${team.name} has no sessions yet.`
            : choice.kind === "personal"
              ? "You have no personal sessions yet."
              : "No sessions yet."}{" "}
          {team?.role !== "viewer" && (
            <>
              Start one with <strong>New session</strong>.
            </>
          )}
        </p>
      )}
      {sessions.data && !choosing && all.length > 0 && shown.length === 0 && (
        <p className="page-status" data-testid="fleet-none-match">
          No session matches.
        </p>
      )}
      <ul className="session-grid" data-testid="session-grid">
        {shown.map((s) => (
          <SessionCard
            key={s.id}
            session={s}
            project={s.project_id ? projectById.get(s.project_id) : undefined}
            team={s.team_id && choice.kind === "all" ? teams?.find((t) => t.id === s.team_id) : undefined}
          />
        ))}
      </ul>
      {creating && (
        <NewSessionDialog
          teamId={defaultTeamId(choice, teams)}
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            navigate(`/sessions/${s.id}`);
          }}
        />
      )}
    </section>
  );
}
