import type { Session } from "@strand/protocol";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { ChatPanel } from "../chat/chat-panel.js";
import { spendOf } from "../fleet/filter.js";
import { ChangesTab, SessionTabs, sessionTab } from "../review/changes-tab.js";
import { StreamViewer } from "../stream/stream-viewer.js";
import { accessTo } from "../teams/team-choice.js";
import { usd } from "../ui/format.js";
import { StateBadge } from "../ui/state-badge.js";
import { SessionActions } from "./session-actions.js";
import { SessionMcpServers } from "./session-mcp-servers.js";
import { type StartStep, useStartLog } from "./start-log.js";

/** A session: its desktop on the left, the chat with its agent on the right (stacked on tablets). */
export function SessionPage() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  // Events keep it current; the slow poll only covers a replica whose event feed dropped.
  const session = useQuery({
    queryKey: queryKeys.session(id),
    queryFn: () => api.getSession(id),
    refetchInterval: 30_000,
  });
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items;
  if (session.isPending) return <p className="page-status">Loading session…</p>;
  if (session.error) return <p className="page-status error">{session.error.message}</p>;
  const s = session.data;
  const spend = spendOf(s);
  // A team viewer watches: no buttons the API would refuse (hidden only once that is known).
  const watchOnly = me !== undefined && teams !== undefined && accessTo(s, teams, me.id) !== "control";
  const tab = sessionTab(s, params);
  return (
    <section className="session-page" data-testid="session-page" data-state={s.state}>
      <header className="session-header">
        <Link to="/" className="back" aria-label="All sessions">
          ←
        </Link>
        <h1>{s.name}</h1>
        <StateBadge state={s.state} />
        <span className="session-meta">
          {s.desktop} · {s.runtime} · {s.model ?? "default model"}
          {spend !== undefined && ` · ${usd(spend)}`}
        </span>
        {s.repo && <SessionGit session={s} />}
        <SessionMcpServers session={s} />
        {watchOnly ? (
          <span className="muted session-actions" data-testid="watch-only">
            You can watch this session; your role in its team is viewer.
          </span>
        ) : (
          <SessionActions session={s} only="stop" />
        )}
      </header>
      <div className="session-layout">
        <div className={`session-desktop${s.project_id ? " with-tabs" : ""}`}>
          {s.project_id && <SessionTabs active={tab} />}
          {tab === "changes" ? (
            <ChangesTab session={s} />
          ) : s.state === "ready" ? (
            <StreamViewer sessionId={s.id} viewOnly={watchOnly || params.get("view_only") === "1"} />
          ) : (
            <DesktopPlaceholder session={s} watchOnly={watchOnly} />
          )}
        </div>
        <ChatPanel session={s} readOnly={watchOnly} focusEntry={params.get("entry") ?? undefined} />
      </div>
    </section>
  );
}

/** Which project, repo and branch the session works on, small, in the header. */
function SessionGit({ session: s }: { session: Session }) {
  const project = useQuery({
    queryKey: queryKeys.project(s.project_id ?? ""),
    queryFn: () => api.getProject(s.project_id ?? ""),
    enabled: s.project_id !== null,
    staleTime: 60_000,
  }).data;
  return (
    <span className="session-meta session-git" data-testid="session-git">
      {project ? (
        <Link to={`/projects/${project.slug}/repos/${s.repo}`}>
          {project.slug}/{s.repo}
        </Link>
      ) : (
        s.repo
      )}{" "}
      · <code data-testid="session-branch">{s.branch}</code>
      {s.base && (
        <>
          {" "}
          from <code data-testid="session-base">{s.base}</code>
        </>
      )}
    </span>
  );
}

function DesktopPlaceholder({ session: s, watchOnly }: { session: Session; watchOnly: boolean }) {
  const log = useStartLog(s);
  const starting = s.state === "pending" || s.state === "starting";
  return (
    <div className={`desktop-placeholder placeholder-${s.state}`} data-testid="start-progress">
      {starting && <h2>Starting the desktop…</h2>}
      {s.state === "failed" && <h2>The session failed</h2>}
      {s.state === "stopped" && <h2>The session is stopped</h2>}
      {s.state === "stopping" && <h2>Stopping…</h2>}
      {s.state === "failed" && (
        <p className="error" role="alert" data-testid="failure-reason">
          {s.state_reason ?? "No reason was recorded."}
        </p>
      )}
      {s.state === "stopped" && <p>Its workspace is kept. Start it to pick up where it left off.</p>}
      {/* After a failure the steps are worth showing only when this page watched the start. */}
      {(starting || (s.state === "failed" && log.length > 1)) && <StartSteps log={log} active={starting} />}
      {!watchOnly && (s.state === "failed" || s.state === "stopped") && <SessionActions session={s} only="start" />}
    </div>
  );
}

function StartSteps({ log, active }: { log: StartStep[]; active: boolean }) {
  const t0 = log[0]?.at ?? 0;
  return (
    <ol className="start-steps" aria-live="polite">
      {log.map((step, i) => {
        const current = active && i === log.length - 1;
        return (
          <li
            key={`${step.at}-${step.text}`}
            className={current ? "current" : step.state === "failed" ? "failed" : "done"}
          >
            <span className="step-mark" aria-hidden="true">
              {current ? "◐" : step.state === "failed" ? "✕" : "✓"}
            </span>
            <span className="step-text" data-testid="start-step">
              {step.text}
            </span>
            <small>{((step.at - t0) / 1000).toFixed(1)} s</small>
          </li>
        );
      })}
    </ol>
  );
}
