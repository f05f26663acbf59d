import {
  type CreateSessionBody,
  DEFAULT_RESOURCES,
  type Desktop,
  type EgressPolicy,
  type PermissionMode,
  type Project,
  type Resolution,
  type Runtime,
} from "@strand/protocol";

/** What the new-session form holds: strings for number fields, so half-typed input survives. */
export interface SessionFormState {
  name: string;
  desktop: Desktop;
  resolution: Resolution;
  runtime: Runtime;
  model: string;
  cpus: string;
  memory_mb: string;
  pids: string;
  disk_mb: string;
  egress: EgressPolicy;
  /** Offered to admins only: the API refuses it for everyone else. */
  trusted: boolean;
  permission_mode: PermissionMode;
  /** USD; empty for no limit. */
  spend_limit_usd: string;
  /** The owning team's id; empty: personal. A project's session belongs to the project's team instead. */
  team_id: string;
  /** Empty: an empty workspace, no project. */
  project_id: string;
  /** Empty: the project's first repo. */
  repo: string;
  /** Empty: the repo's default branch. */
  base: string;
  /** Empty: the project's prefix + the session's name. */
  branch: string;
}

export const INITIAL_FORM: SessionFormState = {
  name: "",
  desktop: "xfce",
  resolution: "720p",
  runtime: "strand-agent",
  model: "",
  cpus: String(DEFAULT_RESOURCES.cpus),
  memory_mb: String(DEFAULT_RESOURCES.memory_mb),
  pids: String(DEFAULT_RESOURCES.pids),
  disk_mb: String(DEFAULT_RESOURCES.disk_mb),
  egress: "allow",
  trusted: false,
  permission_mode: "autonomous",
  spend_limit_usd: "",
  team_id: "",
  project_id: "",
  repo: "",
  base: "",
  branch: "",
};

/** Fields a project gives defaults for (its desktop, runtime, model and resources). */
const PROJECT_DEFAULTED = ["desktop", "runtime", "model", "cpus", "memory_mb"] as const;
export type ProjectDefaulted = (typeof PROJECT_DEFAULTED)[number];

/**
 * The form after choosing a project (or none): fields the user has not touched take the
 * project's defaults, or the form's own when the project sets none. Touched fields are kept.
 */
export function withProjectDefaults(
  f: SessionFormState,
  project: Project | undefined,
  touched: ReadonlySet<string>,
): SessionFormState {
  const fromProject: Partial<Record<ProjectDefaulted, string>> = project
    ? {
        ...(project.desktop ? { desktop: project.desktop } : {}),
        ...(project.runtime ? { runtime: project.runtime } : {}),
        ...(project.model ? { model: project.model } : {}),
        ...(project.resources.cpus ? { cpus: String(project.resources.cpus) } : {}),
        ...(project.resources.memory_mb ? { memory_mb: String(project.resources.memory_mb) } : {}),
      }
    : {};
  const next = { ...f };
  for (const key of PROJECT_DEFAULTED) {
    if (touched.has(key)) continue;
    (next as Record<ProjectDefaulted, string>)[key] = fromProject[key] ?? INITIAL_FORM[key];
  }
  return next;
}

/**
 * What the server will call the branch when it is left empty (prefix + the name made URL-safe),
 * for the field's placeholder; the server numbers it when another session has it.
 */
export function branchPreview(prefix: string, name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${prefix}${slug || "<session name>"}`;
}

/** Fields the API may complain about, as the form names them. */
export const SESSION_FIELDS = [
  "name",
  "desktop",
  "resolution",
  "runtime",
  "model",
  "resources.cpus",
  "resources.memory_mb",
  "resources.pids",
  "resources.disk_mb",
  "egress",
  "trusted",
  "permission_mode",
  "spend_limit_usd",
  "team_id",
  "project_id",
  "repo",
  "base",
  "branch",
] as const;

/**
 * The request body for the form. Numbers are sent as typed (the API checks the bounds and says
 * which field is wrong); a field that is not a number at all is sent as text so the API names it.
 */
export function toCreateBody(f: SessionFormState): CreateSessionBody {
  const num = (s: string): number => (s.trim() === "" ? Number.NaN : Number(s));
  const numOrText = (s: string): number => {
    const n = num(s);
    return (Number.isFinite(n) ? n : s) as number;
  };
  const resources: Record<string, unknown> = {};
  for (const key of ["cpus", "memory_mb", "pids", "disk_mb"] as const) resources[key] = numOrText(f[key]);
  return {
    name: f.name,
    desktop: f.desktop,
    resolution: f.resolution,
    runtime: f.runtime,
    ...(f.model.trim() ? { model: f.model.trim() } : {}),
    resources: resources as CreateSessionBody["resources"],
    egress: f.egress,
    ...(f.trusted ? { trusted: true } : {}),
    permission_mode: f.permission_mode,
    ...(f.spend_limit_usd.trim() ? { spend_limit_usd: numOrText(f.spend_limit_usd) } : {}),
    ...placement(f),
  };
}

/** Where the session works: a project (its team comes along), else personal or a team's empty workspace. */
function placement(f: SessionFormState): Partial<CreateSessionBody> {
  if (!f.project_id) return f.team_id ? { team_id: f.team_id } : {};
  return {
    project_id: f.project_id,
    ...(f.repo ? { repo: f.repo } : {}),
    ...(f.base ? { base: f.base } : {}),
    ...(f.branch.trim() ? { branch: f.branch.trim() } : {}),
  };
}
