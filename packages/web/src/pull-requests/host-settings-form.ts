import type { HostKindName, RepoPullRequestSettings, UpdateRepoBody } from "@strand/protocol";

/** The pull-request settings form. Secrets are write-only: an empty field keeps what is stored. */
export interface HostSettingsForm {
  /** "" = let Strand tell from the upstream URL. */
  host_kind: HostKindName | "";
  /** "" = the kind's usual place on the upstream's host. */
  host_api_base: string;
  host_token: string;
  webhook_secret: string;
}

export const HOST_FIELDS = ["host_kind", "host_api_base", "host_token", "webhook_secret"] as const;

/** The form as the repo is now; the secret fields start empty. */
export function hostFormOf(stored: { kind: HostKindName | null; apiBase: string | null }): HostSettingsForm {
  return { host_kind: stored.kind ?? "", host_api_base: stored.apiBase ?? "", host_token: "", webhook_secret: "" };
}

/**
 * The PATCH for what changed, or null when nothing did. Kind and API base are compared with what
 * was chosen before (cleared with null); typed secrets replace the stored ones.
 */
export function toHostBody(
  f: HostSettingsForm,
  stored: { kind: HostKindName | null; apiBase: string | null },
): UpdateRepoBody | null {
  const body: UpdateRepoBody = {};
  const kind = f.host_kind || null;
  if (kind !== stored.kind) body.host_kind = kind;
  const base = f.host_api_base.trim() || null;
  if (base !== stored.apiBase) body.host_api_base = base;
  if (f.host_token.trim()) body.host_token = f.host_token.trim();
  if (f.webhook_secret.trim()) body.webhook_secret = f.webhook_secret.trim();
  return Object.keys(body).length > 0 ? body : null;
}

/**
 * The kind and API base in effect (chosen, or told from the upstream URL), which the form starts
 * from: leaving them as they are sends nothing for them.
 */
export function storedOf(settings: RepoPullRequestSettings | null): {
  kind: HostKindName | null;
  apiBase: string | null;
} {
  return { kind: settings?.host_kind ?? null, apiBase: settings?.api_base ?? null };
}

/** A webhook secret a person need not invent: 32 random bytes, hex. */
export function newWebhookSecret(random: (a: Uint8Array) => Uint8Array = (a) => crypto.getRandomValues(a)): string {
  return Array.from(random(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}
