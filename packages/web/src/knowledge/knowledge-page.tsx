import { KNOWLEDGE_KINDS, type KnowledgeKind, type KnowledgeSource } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { ago } from "../ui/format.js";
import { knowledgeApi } from "./api.js";
import {
  configOf,
  createBody,
  EMPTY_FORM,
  isBusy,
  KIND_LABELS,
  type KnowledgeOwner,
  progressText,
  type SourceForm,
  sourcePath,
} from "./knowledge-model.js";
import "./knowledge.css";

/** `/teams/:slug/knowledge`: the sources every agent of the team can search. */
export function TeamKnowledgePage() {
  const { slug = "" } = useParams();
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams });
  const team = teams.data?.items.find((t) => t.slug === slug);
  if (teams.isPending) return <p className="page-status">Loading…</p>;
  if (!team) return <p className="error">You are not a member of a team "{slug}".</p>;
  return (
    <KnowledgeList
      owner={{ kind: "team", id: team.id, slug: team.slug, name: team.name }}
      back={`/teams/${team.slug}`}
    />
  );
}

/** `/projects/:slug/knowledge`: the sources every agent working on the project can search. */
export function ProjectKnowledgePage() {
  const { slug = "" } = useParams();
  const project = useQuery({ queryKey: queryKeys.project(slug), queryFn: () => api.getProject(slug) });
  if (project.isPending) return <p className="page-status">Loading…</p>;
  if (project.error) return <p className="error">{project.error.message}</p>;
  const p = project.data;
  return (
    <KnowledgeList owner={{ kind: "project", id: p.id, slug: p.slug, name: p.name }} back={`/projects/${p.slug}`} />
  );
}

function ownerQuery(owner: KnowledgeOwner) {
  return owner.kind === "team" ? { team_id: owner.id } : { project_id: owner.id };
}

function KnowledgeList({ owner, back }: { owner: KnowledgeOwner; back: string }) {
  const [adding, setAdding] = useState(false);
  // No knowledge events on the live feed: a page showing a source that is syncing asks again every 2 s.
  const sources = useQuery({
    queryKey: queryKeys.knowledge(ownerQuery(owner)),
    queryFn: () => knowledgeApi.list(ownerQuery(owner)),
    refetchInterval: (q) => (q.state.data?.sources.some(isBusy) ? 2_000 : false),
  });
  const list = sources.data?.sources ?? [];
  return (
    <section className="page knowledge-page" data-testid="knowledge-page">
      <header className="page-header">
        <Link to={back} className="back" aria-label={`Back to ${owner.name}`}>
          ←
        </Link>
        <h1>Knowledge</h1>
        <span className="muted">
          {owner.kind} {owner.name}: documents every agent working here can search
        </span>
        <span className="spacer" />
        {!adding && (
          <button type="button" className="primary" onClick={() => setAdding(true)} data-testid="knowledge-add">
            Add source
          </button>
        )}
      </header>
      {adding && <AddSource owner={owner} onDone={() => setAdding(false)} />}
      {sources.error && <p className="error">{sources.error.message}</p>}
      {sources.data && list.length === 0 && !adding && (
        <p className="muted" data-testid="knowledge-empty">
          No sources yet. Add files, a Jira or Confluence site, or documents your scripts push.
        </p>
      )}
      <ul className="knowledge-sources" data-testid="knowledge-sources">
        {list.map((s) => (
          <SourceRow key={s.id} source={s} />
        ))}
      </ul>
    </section>
  );
}

function SourceRow({ source: s }: { source: KnowledgeSource }) {
  const client = useQueryClient();
  const sync = useMutation({
    mutationFn: () => knowledgeApi.sync(s.id),
    onSettled: () => client.invalidateQueries({ queryKey: ["knowledge"] }),
  });
  return (
    <li className="knowledge-source panel" data-testid="knowledge-source" data-source-id={s.id} data-state={s.state}>
      <div className="knowledge-source-head">
        <Link to={sourcePath(s.id)} className="knowledge-source-name" data-testid="knowledge-source-link">
          {s.name}
        </Link>
        <span className="knowledge-kind">{KIND_LABELS[s.kind]}</span>
        <SourceState source={s} />
        <span className="spacer" />
        {(s.kind === "jira" || s.kind === "confluence") && (
          <button
            type="button"
            onClick={() => sync.mutate()}
            disabled={sync.isPending || s.state === "syncing"}
            data-testid="knowledge-sync"
          >
            Sync now
          </button>
        )}
      </div>
      {s.description && <p className="muted">{s.description}</p>}
      <SourceFacts source={s} />
      {sync.error && <p className="error">{sync.error.message}</p>}
    </li>
  );
}

export function SourceState({ source: s }: { source: KnowledgeSource }) {
  return (
    <>
      <span className={`state knowledge-state-${s.state}`} data-testid="knowledge-state">
        {s.state}
      </span>
      {s.state_reason && (
        <span className={s.state === "error" ? "error" : "muted"} data-testid="knowledge-state-reason">
          {s.state_reason}
        </span>
      )}
    </>
  );
}

export function SourceFacts({ source: s }: { source: KnowledgeSource }) {
  return (
    <dl className="knowledge-facts">
      <dt>Progress</dt>
      <dd data-testid="knowledge-progress">{progressText(s)}</dd>
      {s.document_errors > 0 && (
        <>
          <dt>Errors</dt>
          <dd className="error" data-testid="knowledge-document-errors">
            {s.document_errors} document{s.document_errors === 1 ? "" : "s"} could not be indexed
          </dd>
        </>
      )}
      <dt>Last sync</dt>
      <dd>{s.last_synced_at ? ago(s.last_synced_at) : "never"}</dd>
      {(s.kind === "jira" || s.kind === "confluence") && (
        <>
          <dt>Next sync</dt>
          <dd>{s.next_sync_at ? new Date(s.next_sync_at).toLocaleString() : "only on Sync now"}</dd>
          <dt>Credentials</dt>
          <dd data-testid="knowledge-credentials">{s.credentials_set ? "credentials set" : "none"}</dd>
        </>
      )}
    </dl>
  );
}

/** The add form: one set of fields per kind, Test connection for the ones that reach a site. */
function AddSource({ owner, onDone }: { owner: KnowledgeOwner; onDone: () => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [f, setF] = useState<SourceForm>(EMPTY_FORM);
  const set = (change: Partial<SourceForm>) => setF((old) => ({ ...old, ...change }));
  const create = useMutation({
    mutationFn: () => knowledgeApi.create(createBody(f, owner)),
    onSuccess: (s) => {
      void client.invalidateQueries({ queryKey: ["knowledge"] });
      onDone();
      // A files source is empty until something is uploaded: its page has the drop zone.
      if (s.kind === "files" || s.kind === "api") navigate(sourcePath(s.id));
    },
  });
  const test = useMutation({ mutationFn: () => knowledgeApi.test({ kind: f.kind, config: configOf(f) }) });
  const synced = f.kind === "jira" || f.kind === "confluence";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const errors = create.error ? formErrors(create.error, ["name", "description", "config", "schedule"]) : NO_ERRORS;
  const issue = (field: string) => errors.fields[field];
  return (
    <form className="panel card-form knowledge-add" onSubmit={submit} data-testid="knowledge-add-form">
      <h2>Add a source</h2>
      <fieldset className="knowledge-kinds" data-testid="knowledge-kind">
        <legend>Kind</legend>
        {KNOWLEDGE_KINDS.map((k: KnowledgeKind) => (
          <label key={k} className={`kind-chip${f.kind === k ? " on" : ""}`}>
            <input type="radio" name="kind" value={k} checked={f.kind === k} onChange={() => set({ kind: k })} />
            {KIND_LABELS[k]}
          </label>
        ))}
      </fieldset>
      <Field label="Name" name="name" error={issue("name")}>
        {(p) => (
          <input {...p} value={f.name} onChange={(e) => set({ name: e.target.value })} required maxLength={100} />
        )}
      </Field>
      <Field label="Description" name="description" hint="Agents read it to decide when to search this source.">
        {(p) => <textarea {...p} value={f.description} onChange={(e) => set({ description: e.target.value })} />}
      </Field>
      {synced && (
        <>
          <Field label="Site URL" name="site_url" error={issue("config")}>
            {(p) => (
              <input
                {...p}
                type="url"
                placeholder={f.kind === "jira" ? "https://example.atlassian.net" : "https://example.atlassian.net/wiki"}
                value={f.site_url}
                onChange={(e) => set({ site_url: e.target.value })}
                required
              />
            )}
          </Field>
          <Field label="Deployment" name="deployment">
            {(p) => (
              <select
                {...p}
                value={f.deployment}
                onChange={(e) => set({ deployment: e.target.value as SourceForm["deployment"] })}
              >
                <option value="cloud">Cloud</option>
                <option value="datacenter">Server / Data Center</option>
              </select>
            )}
          </Field>
          {f.deployment === "cloud" && (
            <Field label="Email" name="email">
              {(p) => (
                <input {...p} type="email" value={f.email} onChange={(e) => set({ email: e.target.value })} required />
              )}
            </Field>
          )}
          <Field
            label={f.deployment === "cloud" ? "API token" : "Personal access token"}
            name="token"
            hint="Stored encrypted; never shown again and never sent into a sandbox."
          >
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="new-password"
                value={f.token}
                onChange={(e) => set({ token: e.target.value })}
                required
              />
            )}
          </Field>
          {f.kind === "jira" ? (
            <Field label="JQL" name="jql" hint="Which issues to index, e.g. project = PAY AND type = Bug (no ORDER BY)">
              {(p) => <input {...p} value={f.jql} onChange={(e) => set({ jql: e.target.value })} required />}
            </Field>
          ) : (
            <Field label="Spaces" name="spaces" hint="Space keys, separated by commas">
              {(p) => <input {...p} value={f.spaces} onChange={(e) => set({ spaces: e.target.value })} required />}
            </Field>
          )}
          <Field
            label="Schedule"
            name="schedule"
            error={issue("schedule")}
            hint="e.g. 6h, 30m, 1d; empty: only Sync now"
          >
            {(p) => <input {...p} value={f.schedule} onChange={(e) => set({ schedule: e.target.value })} />}
          </Field>
        </>
      )}
      {f.kind === "files" && (
        <p className="muted">
          After adding it, drop files on the source's page (PDF, Markdown, text, HTML, code, DOCX, zip).
        </p>
      )}
      {f.kind === "api" && (
        <p className="muted">
          Your scripts push documents with <code>PUT /api/v1/knowledge/&lt;id&gt;/documents/&lt;doc_id&gt;</code>; the
          source's page shows its URL.
        </p>
      )}
      {test.data && (
        <p className="ok" role="status" data-testid="knowledge-test-result">
          {test.data}
        </p>
      )}
      {test.error && (
        <p className="error" role="alert" data-testid="knowledge-test-result">
          {test.error.message}
        </p>
      )}
      {errors.form && (
        <p className="error" role="alert" data-testid="knowledge-add-error">
          {errors.form}
        </p>
      )}
      <div className="form-actions">
        {synced && (
          <button type="button" onClick={() => test.mutate()} disabled={test.isPending} data-testid="knowledge-test">
            {test.isPending ? "Testing…" : "Test connection"}
          </button>
        )}
        <button type="submit" className="primary" disabled={create.isPending} data-testid="knowledge-create">
          Add
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
