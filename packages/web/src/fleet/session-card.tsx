import type { Project, Session, Team } from "@strand/protocol";
import { Link } from "react-router";
import { ago, usd } from "../ui/format.js";
import { StateBadge } from "../ui/state-badge.js";
import { spendOf } from "./filter.js";
import { Thumbnail } from "./thumbnail.js";

/** `project` and `team` name what the session works on and whom it belongs to, when known. */
export function SessionCard({ session: s, project, team }: { session: Session; project?: Project; team?: Team }) {
  const spend = spendOf(s);
  return (
    <li className="session-card" data-testid="session-card" data-session-id={s.id} data-state={s.state}>
      <Link to={`/sessions/${s.id}`} className="card-link" aria-label={`Open ${s.name}`}>
        <Thumbnail sessionId={s.id} live={s.state === "ready"} label={s.name} />
      </Link>
      <div className="card-body">
        <div className="card-title">
          <Link to={`/sessions/${s.id}`} data-testid="session-name">
            {s.name}
          </Link>
          <StateBadge state={s.state} />
        </div>
        {s.state_reason && (
          <p className={`card-reason${s.state === "failed" ? " error" : ""}`} data-testid="session-reason">
            {s.state_reason}
          </p>
        )}
        <dl className="card-facts">
          {team && (
            <>
              <dt>Team</dt>
              <dd data-testid="session-team">{team.name}</dd>
            </>
          )}
          {s.repo && (
            <>
              <dt>Repo</dt>
              <dd data-testid="session-repo" title={project ? `${project.name} / ${s.repo}` : s.repo}>
                {project ? (
                  <Link to={`/projects/${project.slug}/repos/${s.repo}`}>
                    {project.slug}/{s.repo}
                  </Link>
                ) : (
                  s.repo
                )}
              </dd>
              <dt>Branch</dt>
              <dd data-testid="session-branch" title={s.base ? `${s.branch} from ${s.base}` : undefined}>
                {s.branch}
                {s.base && <span className="muted"> ← {s.base}</span>}
              </dd>
            </>
          )}
          <dt>Desktop</dt>
          <dd>{s.desktop}</dd>
          <dt>Runtime</dt>
          <dd>{s.runtime}</dd>
          <dt>Model</dt>
          <dd title={s.model ?? undefined}>{s.model ?? "default"}</dd>
          <dt>Activity</dt>
          <dd title={s.updated_at}>{ago(s.updated_at)}</dd>
          {spend !== undefined && (
            <>
              <dt>Spend</dt>
              <dd data-testid="session-spend">{usd(spend)}</dd>
            </>
          )}
        </dl>
      </div>
    </li>
  );
}
