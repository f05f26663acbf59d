import { MERGE_STRATEGIES, type MergeStrategyName, type Project, type Repo, type Session } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { McpServersPanel } from "../mcp-servers/mcp-servers-panel.js";
import { WebhooksPanel } from "../notifications/webhooks-panel.js";
import { NewSessionDialog } from "../sessions/new-session-dialog.js";
import { accessTo } from "../teams/team-choice.js";
import { Dialog } from "../ui/dialog.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { StateBadge } from "../ui/state-badge.js";
import { PROJECT_FIELDS, type ProjectSettingsForm, repoErrors, settingsFormOf, toUpdateBody } from "./project-form.js";
import { DesktopRuntimeModel } from "./projects-page.js";

/** A project: its repos, its settings (members and up change them), and New session on it. */
export function ProjectPage() {
  const { slug = "" } = useParams();
  const project = useQuery({ queryKey: queryKeys.project(slug), queryFn: () => api.getProject(slug) });
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items;
  const [creatingSession, setCreatingSession] = useState(false);
  const navigate = useNavigate();
  if (project.isPending) return <p className="page-status">Loading project…</p>;
  if (project.error) return <p className="page-status error">{project.error.message}</p>;
  const p = project.data;
  const control = accessTo(p, teams, me?.id) === "control";
  const team = p.team_id ? teams?.find((t) => t.id === p.team_id) : undefined;
  return (
    <section className="page" data-testid="project-page" data-can-control={control}>
      <header className="page-header">
        <Link to="/projects" className="back" aria-label="All projects">
          ←
        </Link>
        <h1>{p.name}</h1>
        <span className="muted">
          {team ? <Link to={`/teams/${team.slug}`}>{team.name}</Link> : p.team_id ? "team" : "personal"}
          {team?.role === "viewer" && " · you are a viewer"}
        </span>
        <span className="spacer" />
        <Link to={`/projects/${p.slug}/board`} data-testid="project-board-link">
          Board
        </Link>
        <Link to={`/projects/${p.slug}/knowledge`} data-testid="project-knowledge-link">
          Knowledge
        </Link>
        {control && (
          <button
            type="button"
            className="primary"
            onClick={() => setCreatingSession(true)}
            data-testid="project-new-session"
          >
            New session
          </button>
        )}
      </header>
      <Repos project={p} control={control} />
      <ProjectSessions project={p} />
      <Settings project={p} control={control} />
      <WebhooksPanel project={p} />
      {creatingSession && (
        <NewSessionDialog
          projectId={p.id}
          teamId={p.team_id ?? undefined}
          onClose={() => setCreatingSession(false)}
          onCreated={(s) => navigate(`/sessions/${s.id}`)}
        />
      )}
      <McpServersPanel owner={{ project_id: p.id }} canManage={control} />
    </section>
  );
}

function Repos({ project: p, control }: { project: Project; control: boolean }) {
  const repos = useQuery({ queryKey: queryKeys.repos(p.slug), queryFn: () => api.listRepos(p.slug) });
  const [creating, setCreating] = useState(false);
  const items = repos.data?.items ?? [];
  return (
    <div className="panel">
      <div className="panel-header">
        <h2>Repos</h2>
        {control && (
          <button type="button" onClick={() => setCreating(true)} data-testid="new-repo">
            New repo
          </button>
        )}
      </div>
      {repos.error && <p className="error">{repos.error.message}</p>}
      <table className="table" data-testid="repo-list">
        <thead>
          <tr>
            <th>Repo</th>
            <th>Default branch</th>
            <th>Clone URL</th>
            <th>Imported from</th>
          </tr>
        </thead>
        <tbody>
          {repos.data && items.length === 0 && (
            <tr>
              <td colSpan={4} className="muted" data-testid="repos-empty">
                No repos yet. Sessions on this project need one: create an empty repo or import one.
              </td>
            </tr>
          )}
          {items.map((r) => (
            <tr key={r.id} data-testid="repo-row" data-repo-name={r.name}>
              <td>
                <Link to={`/projects/${p.slug}/repos/${r.name}`}>{r.name}</Link>
              </td>
              <td>
                <code>{r.default_branch}</code>
              </td>
              <td>
                <code className="clone-url">{r.clone_url}</code>
              </td>
              <td className="muted">{r.upstream_url ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {creating && <NewRepoDialog project={p} onClose={() => setCreating(false)} />}
    </div>
  );
}

function NewRepoDialog({ project: p, onClose }: { project: Project; onClose: () => void }) {
  const client = useQueryClient();
  const [source, setSource] = useState<"empty" | "import">("empty");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [branch, setBranch] = useState("");
  const create = useMutation({
    mutationFn: (): Promise<Repo> =>
      api.createRepo(
        p.slug,
        source === "import"
          ? {
              name,
              import_url: url,
              ...(username ? { import_username: username } : {}),
              ...(password ? { import_password: password } : {}),
            }
          : { name, ...(branch.trim() ? { default_branch: branch.trim() } : {}) },
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.repos(p.slug) });
      onClose();
    },
  });
  const errors = create.error ? repoErrors(create.error) : NO_ERRORS;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog title="New repo" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate data-testid="new-repo-form">
        <Field label="Name" name="name" error={errors.fields.name} hint={`Cloned from /git/${p.slug}/<name>.git`}>
          {(f) => (
            <input {...f} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. api" autoFocus />
          )}
        </Field>
        <div className="radio-row" role="radiogroup" aria-label="Start from">
          <label>
            <input type="radio" name="source" checked={source === "empty"} onChange={() => setSource("empty")} /> Empty
            repo
          </label>
          <label>
            <input type="radio" name="source" checked={source === "import"} onChange={() => setSource("import")} />{" "}
            Import from a URL
          </label>
        </div>
        {source === "empty" ? (
          <Field label="Default branch" name="default_branch" error={errors.fields.default_branch} hint="Default: main">
            {(f) => <input {...f} value={branch} onChange={(e) => setBranch(e.target.value)} placeholder="main" />}
          </Field>
        ) : (
          <>
            <Field
              label="Import URL"
              name="import_url"
              error={errors.fields.import_url}
              hint="http(s), ssh or git URL; every branch and tag is copied."
            >
              {(f) => (
                <input
                  {...f}
                  value={url}
                  onChange={(e) => setUrl(e.target.value)}
                  placeholder="https://github.com/acme/api.git"
                />
              )}
            </Field>
            <div className="form-row">
              <Field label="Username" name="import_username" error={errors.fields.import_username} hint="Optional">
                {(f) => (
                  <input {...f} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
                )}
              </Field>
              <Field
                label="Password or token"
                name="import_password"
                error={errors.fields.import_password}
                hint="Optional; stored encrypted, never shown, never in a sandbox."
              >
                {(f) => (
                  <input
                    {...f}
                    type="password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                    autoComplete="new-password"
                  />
                )}
              </Field>
            </div>
          </>
        )}
        {errors.form && (
          <p className="error" role="alert" data-testid="form-error">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending
              ? source === "import"
                ? "Importing…"
                : "Creating…"
              : source === "import"
                ? "Import repo"
                : "Create repo"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The project's sessions, from the fleet list the live events keep current. */
function ProjectSessions({ project: p }: { project: Project }) {
  const sessions = useQuery({ queryKey: queryKeys.sessions, queryFn: api.listSessions });
  const mine = (sessions.data ?? []).filter((s) => s.project_id === p.id);
  if (mine.length === 0) return null;
  return (
    <div className="panel">
      <h2>Sessions</h2>
      <SessionTable sessions={mine} />
    </div>
  );
}

export function SessionTable({ sessions }: { sessions: Session[] }) {
  return (
    <table className="table" data-testid="project-sessions">
      <thead>
        <tr>
          <th>Session</th>
          <th>State</th>
          <th>Repo</th>
          <th>Branch</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.id} data-testid="project-session-row">
            <td>
              <Link to={`/sessions/${s.id}`}>{s.name}</Link>
            </td>
            <td>
              <StateBadge state={s.state} />
            </td>
            <td>{s.repo}</td>
            <td>
              <code>{s.branch}</code>
              {s.base && <span className="muted"> ← {s.base}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Settings({ project: p, control }: { project: Project; control: boolean }) {
  const client = useQueryClient();
  const [form, setForm] = useState<ProjectSettingsForm>(() => settingsFormOf(p));
  const [saved, setSaved] = useState(false);
  // Someone else's change (or ours, answered) replaces the form unless it is being edited.
  const body = toUpdateBody(form, p);
  const dirty = Object.keys(body).length > 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a newer project resets the form
  useEffect(() => {
    if (!dirty) setForm(settingsFormOf(p));
  }, [p.updated_at]);
  const save = useMutation({
    mutationFn: () => api.updateProject(p.slug, body),
    onSuccess: (next) => {
      client.setQueryData(queryKeys.project(p.slug), next);
      void client.invalidateQueries({ queryKey: queryKeys.projects, exact: true });
      setForm(settingsFormOf(next));
      setSaved(true);
    },
  });
  const errors = save.error ? formErrors(save.error, PROJECT_FIELDS) : NO_ERRORS;
  const set = <K extends keyof ProjectSettingsForm>(k: K, v: ProjectSettingsForm[K]) => {
    setSaved(false);
    setForm((f) => ({ ...f, [k]: v }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <div className="panel">
      <h2>Settings</h2>
      {!control && <p className="muted">Members and up change these; you can read them.</p>}
      <form className="form" onSubmit={submit} noValidate data-testid="project-settings">
        <fieldset className="plain" disabled={!control}>
          <div className="form-row">
            <Field label="Project name" name="name" error={errors.fields.name}>
              {(f) => <input {...f} value={form.name} onChange={(e) => set("name", e.target.value)} />}
            </Field>
            <Field
              label="Branch prefix"
              name="branch_prefix"
              error={errors.fields.branch_prefix}
              hint="Sessions' branches start with it."
            >
              {(f) => (
                <input {...f} value={form.branch_prefix} onChange={(e) => set("branch_prefix", e.target.value)} />
              )}
            </Field>
            <Field
              label="Protected branches"
              name="protected_branches"
              error={errors.fields.protected_branches}
              hint="Comma-separated, * allowed; empty: each repo's default branch."
            >
              {(f) => (
                <input
                  {...f}
                  value={form.protected_branches}
                  onChange={(e) => set("protected_branches", e.target.value)}
                  placeholder="each repo's default branch"
                />
              )}
            </Field>
          </div>
          <div className="form-row">
            <Field label="Merge strategy" name="merge_strategy" error={errors.fields.merge_strategy}>
              {(f) => (
                <select
                  {...f}
                  value={form.merge_strategy}
                  onChange={(e) => set("merge_strategy", e.target.value as MergeStrategyName)}
                >
                  {MERGE_STRATEGIES.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Checkpoint commits"
              name="checkpoints"
              error={errors.fields.checkpoints}
              hint="Commit and push uncommitted work at the end of each agent turn."
            >
              {(f) => (
                <input
                  {...f}
                  type="checkbox"
                  checked={form.checkpoints}
                  onChange={(e) => set("checkpoints", e.target.checked)}
                />
              )}
            </Field>
          </div>
          <fieldset className="form-row">
            <legend>Defaults for its sessions</legend>
            <DesktopRuntimeModel
              desktop={form.desktop}
              runtime={form.runtime}
              model={form.model}
              errors={errors.fields}
              onChange={(k, v) => set(k, v as never)}
            />
            <Field label="CPUs" name="resources.cpus" error={errors.fields["resources.cpus"]} hint="empty: 2">
              {(f) => (
                <input {...f} inputMode="decimal" value={form.cpus} onChange={(e) => set("cpus", e.target.value)} />
              )}
            </Field>
            <Field
              label="Memory (MiB)"
              name="resources.memory_mb"
              error={errors.fields["resources.memory_mb"]}
              hint="empty: 4096"
            >
              {(f) => (
                <input
                  {...f}
                  inputMode="numeric"
                  value={form.memory_mb}
                  onChange={(e) => set("memory_mb", e.target.value)}
                />
              )}
            </Field>
          </fieldset>
        </fieldset>
        {errors.form && (
          <p className="error" role="alert" data-testid="settings-error">
            {errors.form}
          </p>
        )}
        {control && (
          <div className="form-actions">
            {saved && !dirty && (
              <span className="test-ok" role="status" data-testid="settings-saved">
                Saved
              </span>
            )}
            <button type="submit" className="primary" disabled={!dirty || save.isPending} data-testid="settings-save">
              Save settings
            </button>
          </div>
        )}
      </form>
    </div>
  );
}
