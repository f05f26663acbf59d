import {
  type CreateSessionBody,
  DEFAULT_RESOURCES,
  type Desktop,
  type EgressPolicy,
  type PermissionMode,
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
};

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
  };
}
