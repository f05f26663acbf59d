import type { KnowledgeDocument, KnowledgeKind, KnowledgeSource } from "@strand/protocol";

/** The server refuses larger uploads (docs/knowledge.md); the UI says so before sending a byte. */
export const UPLOAD_MAX_BYTES = 200 * 1024 * 1024;

export const KIND_LABELS: Record<KnowledgeKind, string> = {
  files: "Files",
  jira: "Jira",
  confluence: "Confluence",
  api: "API",
};

/** Where a source hangs: a team or a project, as the page's URL names it. */
export type KnowledgeOwner = { kind: "team" | "project"; id: string; slug: string; name: string };

/** Why a file is refused before upload, in the server's words for the same case; null when it may go. */
export function uploadRefusal(file: { name: string; size: number }): string | null {
  if (file.size > UPLOAD_MAX_BYTES) return `${file.name} is ${mb(file.size)}; the limit is ${mb(UPLOAD_MAX_BYTES)}`;
  return null;
}

export function mb(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}

/** "3 of 5 documents · 40 of 60 chunks" while syncing, "5 documents · 60 chunks" when done. */
export function progressText(s: Pick<KnowledgeSource, "state" | "progress">): string {
  const p = s.progress;
  const n = (x: number, one: string) => `${x} ${one}${x === 1 ? "" : "s"}`;
  if (s.state === "syncing")
    return `${p.documents_done} of ${n(p.documents_total, "document")} · ${p.chunks_done} of ${n(p.chunks_total, "chunk")}`;
  return `${n(p.documents_done, "document")} · ${n(p.chunks_done, "chunk")}`;
}

/** A source whose state will change by itself: its page polls while one is shown. */
export function isBusy(s: Pick<KnowledgeSource, "state">): boolean {
  return s.state === "syncing" || s.state === "pending";
}

/** What the add form holds, for every kind (fields of other kinds are ignored). */
export interface SourceForm {
  kind: KnowledgeKind;
  name: string;
  description: string;
  site_url: string;
  deployment: "cloud" | "datacenter";
  email: string;
  token: string;
  jql: string;
  spaces: string;
  schedule: string;
}

export const EMPTY_FORM: SourceForm = {
  kind: "files",
  name: "",
  description: "",
  site_url: "",
  deployment: "cloud",
  email: "",
  token: "",
  jql: "",
  spaces: "",
  schedule: "6h",
};

/**
 * The `config` of a Jira or Confluence source: Cloud takes an email and an API token, Server/Data
 * Center a personal access token (the secret fields are sealed server-side and never come back).
 */
export function configOf(f: SourceForm): Record<string, unknown> {
  if (f.kind !== "jira" && f.kind !== "confluence") return {};
  const cloud = f.deployment === "cloud";
  const config: Record<string, unknown> = {
    site_url: f.site_url.trim(),
    deployment: f.deployment,
    ...(cloud ? { email: f.email.trim(), api_token: f.token } : { personal_access_token: f.token }),
  };
  if (f.kind === "jira") {
    if (f.jql.trim()) config.jql = f.jql.trim();
  } else {
    config.spaces = f.spaces
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return config;
}

/** The create body for the form, attached to the page's team or project. */
export function createBody(f: SourceForm, owner: KnowledgeOwner) {
  const synced = f.kind === "jira" || f.kind === "confluence";
  return {
    name: f.name.trim(),
    kind: f.kind,
    ...(owner.kind === "team" ? { team_id: owner.id } : { project_id: owner.id }),
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    config: configOf(f),
    ...(synced && f.schedule.trim() ? { schedule: f.schedule.trim() } : {}),
  };
}

/** The URL an api source's scripts PUT documents to (shown as a hint on the source). */
export function putUrl(origin: string, sourceId: string): string {
  return `${origin}/api/v1/knowledge/${encodeURIComponent(sourceId)}/documents/<doc_id>`;
}

/** The path of a source's page and of one of its documents (by external id). */
export const sourcePath = (id: string) => `/knowledge/${encodeURIComponent(id)}`;
export const documentPath = (sourceId: string, externalId: string) =>
  `/knowledge/${encodeURIComponent(sourceId)}/documents/${encodeURIComponent(externalId)}`;

/** What one uploaded file became: its documents (a zip is many), each indexed or an error with the reason. */
export interface UploadResult {
  documents: Pick<KnowledgeDocument, "external_id" | "title" | "state" | "error" | "chunk_count">[];
}

/** The upload answer: `{documents: […]}`, a list, or one document, all read as a list. */
export function uploadResult(body: unknown): UploadResult {
  if (Array.isArray(body)) return { documents: body };
  if (body && typeof body === "object" && Array.isArray((body as UploadResult).documents))
    return { documents: (body as UploadResult).documents };
  if (body && typeof body === "object" && "state" in body) return { documents: [body as UploadResult["documents"][0]] };
  return { documents: [] };
}
