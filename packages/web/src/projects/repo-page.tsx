import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { HostSettings } from "../pull-requests/host-settings.js";
import { accessTo, canManage } from "../teams/team-choice.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { CopyButton } from "../ui/copy-button.js";
import { ago } from "../ui/format.js";
import { SessionTable } from "./project-page.js";

/** A hosted repo: how to clone it, its branches, the latest commits on its default branch, its sessions. */
export function RepoPage() {
  const { slug = "", name = "" } = useParams();
  const client = useQueryClient();
  const navigate = useNavigate();
  const project = useQuery({ queryKey: queryKeys.project(slug), queryFn: () => api.getProject(slug) });
  const repo = useQuery({ queryKey: queryKeys.repo(slug, name), queryFn: () => api.getRepo(slug, name) });
  const sessions = useQuery({ queryKey: queryKeys.sessions, queryFn: api.listSessions });
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items;
  const remove = useMutation({
    mutationFn: () => api.deleteRepo(slug, name),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.repos(slug) });
      navigate(`/projects/${slug}`);
    },
  });
  if (repo.isPending) return <p className="page-status">Loading repo…</p>;
  if (repo.error) return <p className="page-status error">{repo.error.message}</p>;
  const r = repo.data;
  const p = project.data;
  // Deleting takes the project's owner, or the team's owners and admins (as the API decides).
  const mayDelete =
    p !== undefined &&
    (p.team_id ? canManage(teams?.find((t) => t.id === p.team_id)?.role) : accessTo(p, teams, me?.id) === "control");
  const onRepo = (sessions.data ?? []).filter((s) => s.project_id === r.project_id && s.repo === r.name);
  return (
    <section className="page" data-testid="repo-page">
      <header className="page-header">
        <Link to={`/projects/${slug}`} className="back" aria-label="Back to the project">
          ←
        </Link>
        <h1>
          <Link to={`/projects/${slug}`}>{p?.name ?? slug}</Link> / {r.name}
        </h1>
        <span className="muted">
          default branch <code data-testid="repo-default-branch">{r.default_branch}</code>
          {r.upstream_url && (
            <>
              {" "}
              · imported from <code>{r.upstream_url}</code>
            </>
          )}
        </span>
      </header>
      <div className="panel">
        <h2>Clone</h2>
        <div className="copy-row">
          <input
            className="secret-input"
            readOnly
            value={r.clone_url}
            aria-label="Clone URL"
            data-testid="clone-url"
            onFocus={(e) => e.currentTarget.select()}
          />
          <CopyButton text={r.clone_url} testId="copy-clone-url" />
        </div>
        <p className="muted hint-line">
          Any user name, an <Link to="/account/tokens">API token</Link> as the password:{" "}
          <code>git clone {r.clone_url.replace("://", "://me@")}</code>
        </p>
      </div>
      <div className="panel">
        <h2>Branches</h2>
        {r.branches.length === 0 ? (
          <p className="muted" data-testid="repo-empty">
            The repo is empty. Push a first commit to <code>{r.default_branch}</code> to start sessions on it.
          </p>
        ) : (
          <table className="table" data-testid="branch-list">
            <thead>
              <tr>
                <th>Branch</th>
                <th>Commit</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {r.branches.map((b) => (
                <tr key={b.name} data-testid="branch-row" data-branch={b.name}>
                  <td>
                    <code>{b.name}</code>
                    {b.name === r.default_branch && <span className="tag">default</span>}
                  </td>
                  <td>
                    <code>{b.commit.slice(0, 8)}</code>
                  </td>
                  <td title={b.updated_at}>{ago(b.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {r.recent_commits.length > 0 && (
        <div className="panel">
          <h2>
            Recent commits on <code>{r.default_branch}</code>
          </h2>
          <table className="table" data-testid="commit-list">
            <tbody>
              {r.recent_commits.map((c) => (
                <tr key={c.sha} data-testid="commit-row">
                  <td>
                    <code title={c.sha}>{c.sha.slice(0, 8)}</code>
                  </td>
                  <td data-testid="commit-subject">{c.subject}</td>
                  <td title={c.author_email}>{c.author_name}</td>
                  <td title={c.authored_at}>{ago(c.authored_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {r.upstream_url && p && accessTo(p, teams, me?.id) === "control" && <HostSettings projectSlug={slug} repo={r} />}
      {onRepo.length > 0 && (
        <div className="panel">
          <h2>Sessions on this repo</h2>
          <SessionTable sessions={onRepo} />
        </div>
      )}
      {mayDelete && (
        <div className="panel danger-zone">
          <h2>Delete</h2>
          <p className="muted">
            Deletes the repo and its whole history. Its sessions keep running, but their changes can no longer be
            reviewed or merged.
          </p>
          <ConfirmButton
            label="Delete repo"
            confirmLabel={`Delete ${r.name} for good`}
            onConfirm={() => remove.mutate()}
            disabled={remove.isPending}
          />
          {remove.error && (
            <p className="error" role="alert">
              {remove.error.message}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
