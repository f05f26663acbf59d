import {
  DESKTOPS,
  type Desktop,
  RESOLUTIONS,
  RESOURCE_BOUNDS,
  type Resolution,
  RUNTIMES,
  type Session,
} from "@strand/protocol";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { accessTo, workableTeams } from "../teams/team-choice.js";
import { Dialog } from "../ui/dialog.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { memory } from "../ui/format.js";
import {
  branchPreview,
  INITIAL_FORM,
  SESSION_FIELDS,
  type SessionFormState,
  toCreateBody,
  withProjectDefaults,
} from "./session-form.js";

/** Desktops offered here; gnome exists in the protocol but has no image yet. */
const OFFERED_DESKTOPS: Desktop[] = DESKTOPS.filter((d) => d !== "gnome");

/**
 * `teamId` is the default owner (the team switcher's team); `projectId` preselects a project (its
 * page's New session), whose team then owns the session.
 */
export function NewSessionDialog({
  onClose,
  onCreated,
  teamId,
  projectId,
}: {
  onClose: () => void;
  onCreated: (s: Session) => void;
  teamId?: string | undefined;
  projectId?: string | undefined;
}) {
  const client = useQueryClient();
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  // Trusted mode is root on the host: only admins may choose it, so only they see it.
  const isAdmin = me?.is_admin === true;
  const [form, setForm] = useState<SessionFormState>(() => ({
    ...INITIAL_FORM,
    team_id: teamId ?? "",
    project_id: projectId ?? "",
  }));
  const touched = useRef(new Set<string>());
  const models = useProviderModels();
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items;
  const projects = useQuery({ queryKey: queryKeys.projects, queryFn: api.listProjects }).data?.items;
  const ownerTeams = workableTeams(teams);
  // A viewer's team is no owner to offer: the API would refuse the session.
  const teamValue = teams === undefined || ownerTeams.some((t) => t.id === form.team_id) ? form.team_id : "";
  const project = projects?.find((p) => p.id === form.project_id || p.slug === form.project_id);
  // Projects you can start work in, within the chosen owner (a project's session is its team's).
  const projectOptions = (projects ?? []).filter(
    (p) => accessTo(p, teams, me?.id) === "control" && (p.team_id ?? "") === teamValue,
  );
  const repos = useQuery({
    queryKey: queryKeys.repos(project?.slug ?? ""),
    queryFn: () => api.listRepos(project?.slug ?? ""),
    enabled: project !== undefined,
  }).data?.items;
  const repoName = form.repo || repos?.[0]?.name || "";
  const repo = useQuery({
    queryKey: queryKeys.repo(project?.slug ?? "", repoName),
    queryFn: () => api.getRepo(project?.slug ?? "", repoName),
    enabled: project !== undefined && repoName !== "",
  }).data;
  const baseValue = form.base || repo?.default_branch || "";

  // Choosing a project (or none) fills what it has defaults for, unless you changed those fields.
  const appliedFor = useRef<string | undefined>(undefined);
  useEffect(() => {
    const key = project?.id ?? "";
    if (appliedFor.current === key || (form.project_id && !project)) return;
    appliedFor.current = key;
    setForm((f) => withProjectDefaults(f, project, touched.current));
  }, [project, form.project_id]);
  const create = useMutation({
    mutationFn: () => api.createSession(toCreateBody({ ...form, team_id: teamValue })),
    onSuccess: (s) => {
      client.setQueryData<Session[]>(queryKeys.sessions, (l) =>
        l?.some((x) => x.id === s.id) ? l : [s, ...(l ?? [])],
      );
      onCreated(s);
    },
  });
  const errors = create.error ? formErrors(create.error, SESSION_FIELDS) : NO_ERRORS;
  const set = <K extends keyof SessionFormState>(key: K, value: SessionFormState[K]) => {
    touched.current.add(key);
    setForm((f) => ({ ...f, [key]: value }));
  };
  const chooseProject = (id: string) => {
    const p = projects?.find((x) => x.id === id);
    setForm((f) => ({
      ...f,
      project_id: id,
      team_id: p ? (p.team_id ?? "") : f.team_id,
      repo: "",
      base: "",
      branch: "",
    }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };

  return (
    <Dialog title="New session" onClose={onClose}>
      {/* noValidate: the API's messages, next to each field, are the single source of the rules. */}
      <form onSubmit={submit} noValidate className="form" data-testid="new-session-form">
        <Field label="Name" name="name" error={errors.fields.name}>
          {(p) => (
            <input
              {...p}
              name="name"
              value={form.name}
              onChange={(e) => set("name", e.target.value)}
              placeholder="e.g. Fix the login bug"
              autoFocus
            />
          )}
        </Field>
        <div className="form-row">
          <Field
            label="Team"
            name="team_id"
            error={errors.fields.team_id}
            hint={
              project ? "A project's sessions belong to its team." : "Its members see it; members and up control it."
            }
          >
            {(p) => (
              <select
                {...p}
                value={project ? (project.team_id ?? "") : teamValue}
                disabled={project !== undefined}
                onChange={(e) => setForm((f) => ({ ...f, team_id: e.target.value, project_id: "" }))}
              >
                <option value="">Personal</option>
                {ownerTeams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Project"
            name="project_id"
            error={errors.fields.project_id}
            hint={project ? undefined : "Optional: work on a clone of one of its repos, on a branch of its own."}
          >
            {(p) => (
              <select {...p} value={project?.id ?? ""} onChange={(e) => chooseProject(e.target.value)}>
                <option value="">None (empty workspace)</option>
                {projectOptions.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
                {project && !projectOptions.includes(project) && <option value={project.id}>{project.name}</option>}
              </select>
            )}
          </Field>
        </div>
        {project && (
          <div className="form-row" data-testid="session-git-fields">
            <Field label="Repo" name="repo" error={errors.fields.repo}>
              {(p) => (
                <select
                  {...p}
                  value={repoName}
                  onChange={(e) => {
                    // The last answer was about the repo before: its complaint no longer applies.
                    create.reset();
                    setForm((f) => ({ ...f, repo: e.target.value, base: "" }));
                  }}
                >
                  {repos?.length === 0 && <option value="">no repos yet</option>}
                  {(repos ?? []).map((r) => (
                    <option key={r.id} value={r.name}>
                      {r.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Base branch"
              name="base"
              error={errors.fields.base}
              hint={
                repo && repo.branches.length === 0 ? "The repo is empty: push a first commit to it first." : undefined
              }
            >
              {(p) => (
                <select {...p} value={baseValue} onChange={(e) => set("base", e.target.value)}>
                  {repo?.branches.length === 0 && <option value="">{repo.default_branch}</option>}
                  {(repo?.branches ?? []).map((b) => (
                    <option key={b.name} value={b.name}>
                      {b.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Branch" name="branch" error={errors.fields.branch} hint="Optional: the session's own branch.">
              {(p) => (
                <input
                  {...p}
                  value={form.branch}
                  onChange={(e) => set("branch", e.target.value)}
                  placeholder={branchPreview(project.branch_prefix, form.name)}
                />
              )}
            </Field>
          </div>
        )}
        <div className="form-row">
          <Field label="Desktop" name="desktop" error={errors.fields.desktop}>
            {(p) => (
              <select {...p} value={form.desktop} onChange={(e) => set("desktop", e.target.value as Desktop)}>
                {OFFERED_DESKTOPS.map((d) => (
                  <option key={d} value={d}>
                    {d === "xfce" ? "xfce (X11)" : d === "sway" ? "sway (Wayland)" : d}
                  </option>
                ))}
                {/* A project may default to a desktop not offered here; it stays visible as chosen. */}
                {!OFFERED_DESKTOPS.includes(form.desktop) && <option value={form.desktop}>{form.desktop}</option>}
              </select>
            )}
          </Field>
          <Field label="Resolution" name="resolution" error={errors.fields.resolution}>
            {(p) => (
              <select {...p} value={form.resolution} onChange={(e) => set("resolution", e.target.value as Resolution)}>
                {RESOLUTIONS.map((r) => (
                  <option key={r} value={r}>
                    {r === "720p" ? "720p (1280×720)" : "1080p (1920×1080)"}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Runtime" name="runtime" error={errors.fields.runtime}>
            {(p) => (
              <select
                {...p}
                value={form.runtime}
                onChange={(e) => set("runtime", e.target.value as SessionFormState["runtime"])}
              >
                {RUNTIMES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Model"
          name="model"
          error={errors.fields.model}
          hint={
            models.length
              ? "provider/model: pick one of your providers' models or type one."
              : "provider/model. Add an AI provider under Account to pick from its models; empty uses the server's default."
          }
        >
          {(p) => (
            <>
              <input
                {...p}
                list="model-options"
                value={form.model}
                onChange={(e) => set("model", e.target.value)}
                placeholder="e.g. work-anthropic/claude-sonnet-4-5"
              />
              <datalist id="model-options">
                {models.map((m) => (
                  <option key={m.model} value={m.model}>
                    {m.display_name ?? m.id}
                  </option>
                ))}
              </datalist>
            </>
          )}
        </Field>
        <fieldset className="form-row">
          <legend>Resources</legend>
          <Field
            label="CPUs"
            name="resources.cpus"
            error={errors.fields["resources.cpus"]}
            hint={`${RESOURCE_BOUNDS.cpus.min}–${RESOURCE_BOUNDS.cpus.max}`}
          >
            {(p) => (
              <input {...p} inputMode="decimal" value={form.cpus} onChange={(e) => set("cpus", e.target.value)} />
            )}
          </Field>
          <Field
            label="Memory (MiB)"
            name="resources.memory_mb"
            error={errors.fields["resources.memory_mb"]}
            hint={`${memory(RESOURCE_BOUNDS.memory_mb.min)}–${memory(RESOURCE_BOUNDS.memory_mb.max)}`}
          >
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={form.memory_mb}
                onChange={(e) => set("memory_mb", e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Disk (MiB)"
            name="resources.disk_mb"
            error={errors.fields["resources.disk_mb"]}
            hint={`${memory(RESOURCE_BOUNDS.disk_mb.min)}–${memory(RESOURCE_BOUNDS.disk_mb.max)}; workspace, home, Docker data and /tmp`}
          >
            {(p) => (
              <input {...p} inputMode="numeric" value={form.disk_mb} onChange={(e) => set("disk_mb", e.target.value)} />
            )}
          </Field>
          <Field
            label="Processes"
            name="resources.pids"
            error={errors.fields["resources.pids"]}
            hint={`${RESOURCE_BOUNDS.pids.min}–${RESOURCE_BOUNDS.pids.max}`}
          >
            {(p) => (
              <input {...p} inputMode="numeric" value={form.pids} onChange={(e) => set("pids", e.target.value)} />
            )}
          </Field>
        </fieldset>
        <div className="form-row">
          <Field label="Internet access" name="egress" error={errors.fields.egress}>
            {(p) => (
              <select
                {...p}
                value={form.egress}
                onChange={(e) => set("egress", e.target.value as SessionFormState["egress"])}
              >
                <option value="allow">allowed</option>
                <option value="deny">blocked</option>
              </select>
            )}
          </Field>
          <Field
            label="Spend limit (USD)"
            name="spend_limit_usd"
            error={errors.fields.spend_limit_usd}
            hint="LLM calls stop when reached; empty: none"
          >
            {(p) => (
              <input
                {...p}
                inputMode="decimal"
                value={form.spend_limit_usd}
                onChange={(e) => set("spend_limit_usd", e.target.value)}
              />
            )}
          </Field>
          <Field label="Tool permissions" name="permission_mode" error={errors.fields.permission_mode}>
            {(p) => (
              <select
                {...p}
                value={form.permission_mode}
                onChange={(e) => set("permission_mode", e.target.value as SessionFormState["permission_mode"])}
              >
                <option value="autonomous">autonomous (agent decides)</option>
                <option value="ask">ask me each time</option>
              </select>
            )}
          </Field>
        </div>
        {isAdmin && (
          <Field
            label="Trusted mode"
            name="trusted"
            error={errors.fields.trusted}
            hint="Its own Docker daemon, with emulated privileges: root on this host. Only for agents you trust."
          >
            {(p) => (
              <input {...p} type="checkbox" checked={form.trusted} onChange={(e) => set("trusted", e.target.checked)} />
            )}
          </Field>
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
            {create.isPending ? "Creating…" : "Create and start"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Every model of every provider the user can route to; providers that cannot be asked are skipped. */
function useProviderModels() {
  const providers = useQuery({ queryKey: queryKeys.providers, queryFn: api.listProviders, retry: false });
  const lists = useQueries({
    queries: (providers.data?.items ?? []).map((p) => ({
      queryKey: queryKeys.providerModels(p.id),
      queryFn: () => api.providerModels(p.id),
      retry: false,
      staleTime: 60_000,
    })),
  });
  return lists.flatMap((l) => l.data?.items ?? []);
}
