import { isKnowledgeResult, type KnowledgeSource } from "@strand/protocol";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiRequestError } from "../api/errors.js";
import { queryKeys } from "../api/query-keys.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { ago } from "../ui/format.js";
import { knowledgeApi } from "./api.js";
import { KnowledgeHit } from "./knowledge-hit.js";
import { documentPath, isBusy, KIND_LABELS, putUrl } from "./knowledge-model.js";
import { SourceFacts, SourceState } from "./knowledge-page.js";
import { UploadZone } from "./upload-zone.js";
import "./knowledge.css";

/** `/knowledge/:id`: one source with its state, upload (files), its documents and a search inside it. */
export function SourcePage() {
  const { id = "" } = useParams();
  const client = useQueryClient();
  const navigate = useNavigate();
  const source = useQuery({
    queryKey: queryKeys.knowledgeSource(id),
    queryFn: () => knowledgeApi.get(id),
    refetchInterval: (q) => (q.state.data && isBusy(q.state.data) ? 2_000 : false),
  });
  const sync = useMutation({
    mutationFn: () => knowledgeApi.sync(id),
    onSettled: () => client.invalidateQueries({ queryKey: ["knowledge"] }),
  });
  const test = useMutation({ mutationFn: () => knowledgeApi.testSaved(id) });
  const remove = useMutation({
    mutationFn: () => knowledgeApi.remove(id),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["knowledge"] });
      navigate(-1);
    },
  });
  if (source.isPending) return <p className="page-status">Loading…</p>;
  if (source.error) return <p className="error">{source.error.message}</p>;
  const s = source.data;
  return (
    <section className="page knowledge-page" data-testid="knowledge-source-page" data-state={s.state}>
      <header className="page-header">
        <button type="button" className="back link" aria-label="Back" onClick={() => navigate(-1)}>
          ←
        </button>
        <h1>{s.name}</h1>
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
        <ConfirmButton
          label="Delete"
          confirmLabel="Delete the source and its documents"
          onConfirm={() => remove.mutate()}
        />
      </header>
      {s.description && <p className="muted">{s.description}</p>}
      <SourceFacts source={s} />
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
      {(sync.error || remove.error) && <p className="error">{(sync.error ?? remove.error)?.message}</p>}
      {s.kind === "files" && <UploadZone source={s} />}
      {s.kind === "api" && <PushHint source={s} />}
      <SourceSearch source={s} />
      <Documents source={s} />
    </section>
  );
}

function PushHint({ source: s }: { source: KnowledgeSource }) {
  return (
    <div className="panel knowledge-push" data-testid="knowledge-put-hint">
      <h2>Push documents</h2>
      <p>Your scripts add or replace a document with an API token:</p>
      <pre>
        PUT {putUrl(window.location.origin, s.id)}
        {"\n"}
        {'{"title": "…", "url": "https://…", "text": "# Markdown or plain text"}'}
      </pre>
      <p className="muted">
        <code>DELETE</code> on the same URL removes it. An unchanged document is not indexed again.
      </p>
    </div>
  );
}

function Documents({ source: s }: { source: KnowledgeSource }) {
  // Documents change while the source syncs or files are indexed: read again on the source's beat.
  const docs = useQuery({
    queryKey: [...queryKeys.knowledgeDocuments(s.id), s.updated_at, s.progress.documents_done],
    queryFn: () => knowledgeApi.documents(s.id),
    // The table stays while the next read is on its way, instead of blinking empty.
    placeholderData: keepPreviousData,
  });
  const list = docs.data?.documents ?? [];
  return (
    <div className="panel">
      <h2>Documents</h2>
      {docs.error && <p className="error">{docs.error.message}</p>}
      {docs.data && list.length === 0 && <p className="muted">No documents yet.</p>}
      {list.length > 0 && (
        <table className="table" data-testid="knowledge-documents">
          <thead>
            <tr>
              <th>Title</th>
              <th>Format</th>
              <th>Chunks</th>
              <th>State</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.id} data-testid="knowledge-document" data-state={d.state} data-external-id={d.external_id}>
                <td>
                  <Link to={documentPath(s.id, d.external_id)}>{d.title}</Link>
                  <div className="muted small">{d.external_id}</div>
                </td>
                <td>{d.format}</td>
                <td>{d.chunk_count}</td>
                <td>
                  {d.state === "error" ? (
                    <span className="error" data-testid="knowledge-document-error">
                      {d.error}
                    </span>
                  ) : (
                    d.state
                  )}
                </td>
                <td>{ago(d.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {docs.data?.next_cursor && <p className="muted">Only the first {list.length} documents are shown.</p>}
    </div>
  );
}

function SourceSearch({ source: s }: { source: KnowledgeSource }) {
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const results = useQuery({
    queryKey: queryKeys.search({ q, scope: "knowledge", source_id: s.id }),
    queryFn: () => knowledgeApi.search(s.id, q),
    enabled: q !== "",
    retry: (n, err) => !(err instanceof ApiRequestError && err.status >= 400 && err.status < 500) && n < 1,
  });
  const hits = (results.data?.results ?? []).filter(isKnowledgeResult);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQ(text.trim());
  };
  return (
    <div className="panel knowledge-search">
      <h2>Search this source</h2>
      <form onSubmit={submit} className="knowledge-search-form">
        <input
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='Words, "quoted phrases" or identifiers'
          aria-label={`Search ${s.name}`}
          data-testid="knowledge-search-input"
        />
        <button type="submit" disabled={!text.trim()} data-testid="knowledge-search-submit">
          Search
        </button>
      </form>
      {results.error && <p className="error">{results.error.message}</p>}
      {results.data && hits.length === 0 && (
        <p className="muted" data-testid="knowledge-search-empty">
          Nothing in {s.name} matches “{q}”.
        </p>
      )}
      <ul className="search-hits" data-testid="knowledge-search-results">
        {hits.map((h) => (
          <KnowledgeHit key={h.chunk_id} hit={h} />
        ))}
      </ul>
    </div>
  );
}
