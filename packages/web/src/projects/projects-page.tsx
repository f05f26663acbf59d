import { DESKTOPS, type Desktop, type Project, RUNTIMES, type Runtime } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { defaultTeamId, inChoice, workableTeams } from "../teams/team-choice.js";
import { useTeamChoice } from "../teams/use-team-choice.js";
import { Dialog } from "../ui/dialog.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { ago } from "../ui/format.js";
import { NEW_PROJECT, type NewProjectForm, PROJECT_FIELDS, toCreateProjectBody } from "./project-form.js";

/** Projects of the team switcher's choice: name, team, what their sessions start with. */
export function ProjectsPage() {
  const projects = useQuery({ queryKey: queryKeys.projects, queryFn: api.listProjects });
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const { choice, team, teams, unknownTeam } = useTeamChoice({ reflect: true });
  const [creating, setCreating] = useState(false);
  const navigate = useNavigate();
  const shown = useMemo(
    () => (projects.data?.items ?? []).filter((p) => inChoice(p, choice, teams, me?.id)),
    [projects.data, choice, teams, me?.id],
  );
  const teamName = (p: Project) =>
    p.team_id ? (teams?.find((t) => t.id === p.team_id)?.name ?? p.team_id) : "Personal";
  return (
    <section className="page" data-testid="projects-page">
      <header className="page-header">
        <h1>Projects{team ? ` of ${team.name}` : choice.kind === "personal" ? " (personal)" : ""}</h1>
        <span className="spacer" />
        {team?.role !== "viewer" && (
          <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-project">
            New project
          </button>
        )}
      </header>
      {unknownTeam && choice.kind === "team" && (
        <p className="page-status error" role="alert">
          You are not a member of a team "{choice.slug}". Pick another team at the top.
        </p>
      )}
      {projects.error && <p className="page-status error">{projects.error.message}</p>}
      <div className="panel">
        <table className="table" data-testid="project-list">
          <thead>
            <tr>
              <th>Project</th>
              <th>Team</th>
              <th>Desktop · runtime · model</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {projects.data && shown.length === 0 && (
              <tr>
                <td colSpan={4} className="muted" data-testid="projects-empty">
                  No projects here yet. A project holds repos; its sessions work on them, each on a branch of its own.
                </td>
              </tr>
            )}
            {shown.map((p) => (
              <tr key={p.id} data-testid="project-row" data-project-slug={p.slug}>
                <td>
                  <Link to={`/projects/${p.slug}`}>{p.name}</Link> · <Link to={`/projects/${p.slug}/board`}>Board</Link>
                </td>
                <td>{teamName(p)}</td>
                <td className="muted">
                  {p.desktop ?? "xfce"} · {p.runtime ?? "strand-agent"} · {p.model ?? "default model"}
                </td>
                <td title={p.updated_at}>{ago(p.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {creating && (
        <NewProjectDialog
          teamId={defaultTeamId(choice, teams)}
          onClose={() => setCreating(false)}
          onCreated={(p) => navigate(`/projects/${p.slug}`)}
        />
      )}
    </section>
  );
}

function NewProjectDialog({
  teamId,
  onClose,
  onCreated,
}: {
  teamId: string | undefined;
  onClose: () => void;
  onCreated: (p: Project) => void;
}) {
  const client = useQueryClient();
  const teams = workableTeams(useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items);
  const [form, setForm] = useState<NewProjectForm>({ ...NEW_PROJECT, team_id: teamId ?? "" });
  const create = useMutation({
    mutationFn: () => api.createProject(toCreateProjectBody(form)),
    onSuccess: (p) => {
      void client.invalidateQueries({ queryKey: queryKeys.projects });
      onCreated(p);
    },
  });
  const errors = create.error ? formErrors(create.error, PROJECT_FIELDS) : NO_ERRORS;
  const set = <K extends keyof NewProjectForm>(k: K, v: NewProjectForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Dialog title="New project" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate data-testid="new-project-form">
        <div className="form-row">
          <Field label="Name" name="name" error={errors.fields.name}>
            {(p) => (
              <input
                {...p}
                value={form.name}
                onChange={(e) => set("name", e.target.value)}
                placeholder="e.g. Billing"
                autoFocus
              />
            )}
          </Field>
          <Field label="Team" name="team_id" error={errors.fields.team_id} hint="Its members see it and work in it.">
            {(p) => (
              <select {...p} value={form.team_id} onChange={(e) => set("team_id", e.target.value)}>
                <option value="">Personal</option>
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
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
        </fieldset>
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create project
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The three session defaults a project sets; empty means the server's own default. */
export function DesktopRuntimeModel({
  desktop,
  runtime,
  model,
  errors,
  disabled,
  onChange,
}: {
  desktop: Desktop | "";
  runtime: Runtime | "";
  model: string;
  errors: Record<string, string>;
  disabled?: boolean;
  onChange: (key: "desktop" | "runtime" | "model", value: string) => void;
}) {
  return (
    <>
      <Field label="Desktop" name="desktop" error={errors.desktop}>
        {(p) => (
          <select {...p} value={desktop} disabled={disabled} onChange={(e) => onChange("desktop", e.target.value)}>
            <option value="">default (xfce)</option>
            {DESKTOPS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Runtime" name="runtime" error={errors.runtime}>
        {(p) => (
          <select {...p} value={runtime} disabled={disabled} onChange={(e) => onChange("runtime", e.target.value)}>
            <option value="">default (strand-agent)</option>
            {RUNTIMES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Model" name="model" error={errors.model} hint="provider/model; empty: the server's default">
        {(p) => (
          <input
            {...p}
            value={model}
            disabled={disabled}
            onChange={(e) => onChange("model", e.target.value)}
            placeholder="e.g. work-anthropic/claude-sonnet-4-5"
          />
        )}
      </Field>
    </>
  );
}
