import type { Session } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";

const STATE_TEXT = { open: "open", merged: "merged", closed: "closed without merging" } as const;

/**
 * The session's pull request on the repo's upstream host: its number and state (live, from the
 * session's updates), or **Open pull request** when the repo is set up for them, or where to set
 * that up. Nothing for a repo without an upstream: merging on Strand is the way there.
 */
export function PullRequestBar({ session, canControl }: { session: Session; canControl: boolean }) {
  const client = useQueryClient();
  const projectId = session.project_id ?? "";
  const repoName = session.repo ?? "";
  const repo = useQuery({
    queryKey: queryKeys.repo(projectId, repoName),
    queryFn: () => api.getRepo(projectId, repoName),
    enabled: Boolean(session.project_id && session.repo) && !session.pull_request,
  });
  const project = useQuery({
    queryKey: queryKeys.project(projectId),
    queryFn: () => api.getProject(projectId),
    enabled: Boolean(session.project_id),
  });
  const open = useMutation({
    mutationFn: () => api.openPullRequest(session.id),
    onSuccess: (pr) => {
      client.setQueryData(queryKeys.session(session.id), (s: Session | undefined) =>
        s ? { ...s, pull_request: pr } : s,
      );
      void client.invalidateQueries({ queryKey: queryKeys.sessions });
    },
  });

  const pr = session.pull_request ?? open.data;
  if (pr) {
    return (
      <div className="pr-bar" data-testid="pull-request" data-state={pr.state}>
        Pull request{" "}
        <a href={pr.url} target="_blank" rel="noreferrer" data-testid="pull-request-link">
          #{pr.number}
        </a>{" "}
        <span className={`tag tag-pr-${pr.state}`} data-testid="pull-request-state">
          {STATE_TEXT[pr.state]}
        </span>{" "}
        <span className="muted">
          <code>{pr.head}</code> → <code>{pr.base}</code>
        </span>
      </div>
    );
  }
  const r = repo.data;
  if (!canControl || !r?.upstream_url) return null;
  const settings = r.pull_requests;
  const repoPage = project.data ? `/projects/${project.data.slug}/repos/${r.name}` : undefined;
  if (!settings?.token_set) {
    return (
      <p className="pr-bar muted" data-testid="pull-request-setup">
        To open a pull request on <code>{r.upstream_url}</code>, store a host token
        {repoPage ? (
          <>
            {" "}
            on the <Link to={repoPage}>repo's page</Link>
          </>
        ) : null}
        .
      </p>
    );
  }
  return (
    <div className="pr-bar">
      <button type="button" onClick={() => open.mutate()} disabled={open.isPending} data-testid="open-pull-request">
        {open.isPending ? "Opening…" : "Open pull request"}
      </button>{" "}
      <span className="muted">
        pushes <code>{session.branch}</code> to the upstream and asks to merge it into <code>{session.base}</code>
      </span>
      {open.error && (
        <p className="error" role="alert" data-testid="pull-request-error">
          {open.error.message}
        </p>
      )}
    </div>
  );
}
