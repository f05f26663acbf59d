import type {
  CreateProjectBody,
  Desktop,
  MergeStrategyName,
  Project,
  Runtime,
  UpdateProjectBody,
} from "@strand/protocol";
import { ApiRequestError } from "../api/errors.js";
import { type FormErrors, formErrors } from "../ui/field-errors.js";

/** A project's settings as its form holds them: strings for numbers and lists, "" for "no default". */
export interface ProjectSettingsForm {
  name: string;
  desktop: Desktop | "";
  runtime: Runtime | "";
  model: string;
  cpus: string;
  memory_mb: string;
  branch_prefix: string;
  /** Comma- or space-separated; empty: each repo's default branch. */
  protected_branches: string;
  merge_strategy: MergeStrategyName;
  checkpoints: boolean;
}

/** Fields the API may name in its errors, as the forms name them. */
export const PROJECT_FIELDS = [
  "name",
  "team_id",
  "desktop",
  "runtime",
  "model",
  "resources.cpus",
  "resources.memory_mb",
  "branch_prefix",
  "protected_branches",
  "merge_strategy",
  "checkpoints",
] as const;

export function settingsFormOf(p: Project): ProjectSettingsForm {
  return {
    name: p.name,
    desktop: p.desktop ?? "",
    runtime: p.runtime ?? "",
    model: p.model ?? "",
    cpus: p.resources.cpus === null ? "" : String(p.resources.cpus),
    memory_mb: p.resources.memory_mb === null ? "" : String(p.resources.memory_mb),
    branch_prefix: p.branch_prefix,
    protected_branches: (p.protected_branches ?? []).join(", "),
    merge_strategy: p.merge_strategy,
    checkpoints: p.checkpoints,
  };
}

/** "main, release/*" → ["main", "release/*"]; empty → null (each repo's default branch). */
export function parseBranchList(text: string): string[] | null {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
}

/** A number as typed, or the text itself when it is not one, so the API names the field. */
const numOrText = (s: string): number => {
  const n = s.trim() === "" ? Number.NaN : Number(s);
  return (Number.isFinite(n) ? n : s) as number;
};

/**
 * The PATCH body: only what differs from the project as loaded, so two people changing different
 * settings do not undo each other. Empty desktop, runtime or model clear the default (null).
 */
export function toUpdateBody(f: ProjectSettingsForm, p: Project): UpdateProjectBody {
  const was = settingsFormOf(p);
  const body: Record<string, unknown> = {};
  if (f.name.trim() !== was.name) body.name = f.name;
  if (f.desktop !== was.desktop) body.desktop = f.desktop || null;
  if (f.runtime !== was.runtime) body.runtime = f.runtime || null;
  if (f.model.trim() !== was.model) body.model = f.model.trim() || null;
  const resources: Record<string, number> = {};
  // The API cannot unset a resource default, so an emptied field leaves it as it is.
  if (f.cpus.trim() && f.cpus.trim() !== was.cpus) resources.cpus = numOrText(f.cpus);
  if (f.memory_mb.trim() && f.memory_mb.trim() !== was.memory_mb) resources.memory_mb = numOrText(f.memory_mb);
  if (Object.keys(resources).length) body.resources = resources;
  if (f.branch_prefix.trim() !== was.branch_prefix) body.branch_prefix = f.branch_prefix.trim();
  const branches = parseBranchList(f.protected_branches);
  if ((branches ?? []).join(",") !== (p.protected_branches ?? []).join(",")) body.protected_branches = branches;
  if (f.merge_strategy !== was.merge_strategy) body.merge_strategy = f.merge_strategy;
  if (f.checkpoints !== was.checkpoints) body.checkpoints = f.checkpoints;
  return body as UpdateProjectBody;
}

/** The new-project form: a name, its owner, and the defaults its sessions start with. */
export interface NewProjectForm {
  name: string;
  /** Empty: personal. */
  team_id: string;
  desktop: Desktop | "";
  runtime: Runtime | "";
  model: string;
}

export const NEW_PROJECT: NewProjectForm = { name: "", team_id: "", desktop: "", runtime: "", model: "" };

export function toCreateProjectBody(f: NewProjectForm): CreateProjectBody {
  return {
    name: f.name,
    ...(f.team_id ? { team_id: f.team_id } : {}),
    ...(f.desktop ? { desktop: f.desktop } : {}),
    ...(f.runtime ? { runtime: f.runtime } : {}),
    ...(f.model.trim() ? { model: f.model.trim() } : {}),
  };
}

const REPO_FIELDS = ["name", "import_url", "import_username", "import_password", "default_branch"] as const;

/** An import that fails says why (authentication, not found, unreachable…): that belongs to the URL. */
export function repoErrors(err: unknown): FormErrors {
  const errors = formErrors(err, REPO_FIELDS);
  if (err instanceof ApiRequestError && err.code.startsWith("upstream_") && errors.form && !errors.fields.import_url) {
    return { fields: { ...errors.fields, import_url: errors.form }, form: undefined };
  }
  return errors;
}
