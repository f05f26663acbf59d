import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { queryKeys } from "../api/query-keys.js";
import { knowledgeApi } from "./api.js";
import { sourcePath } from "./knowledge-model.js";
import "./knowledge.css";

/** `/knowledge/:id/documents/:doc_id`: one document's chunks with their locations; `?chunk=` marks one. */
export function DocumentPage() {
  const { id = "", doc_id: docId = "" } = useParams();
  const [params] = useSearchParams();
  const marked = params.get("chunk");
  const doc = useQuery({
    queryKey: queryKeys.knowledgeDocument(id, docId),
    queryFn: () => knowledgeApi.document(id, docId),
  });
  // A search hit opens the document at its chunk.
  useEffect(() => {
    if (marked && doc.data) document.getElementById(`chunk-${marked}`)?.scrollIntoView({ block: "center" });
  }, [marked, doc.data]);
  if (doc.isPending) return <p className="page-status">Loading…</p>;
  if (doc.error) return <p className="error">{doc.error.message}</p>;
  const d = doc.data;
  return (
    <section className="page knowledge-page" data-testid="knowledge-document-page">
      <header className="page-header">
        <Link to={sourcePath(id)} className="back" aria-label="Back to the source">
          ←
        </Link>
        <h1>{d.title}</h1>
        <span className="muted">
          {d.format} · {d.chunk_count} chunk{d.chunk_count === 1 ? "" : "s"}
        </span>
        <span className="spacer" />
        {d.url && (
          <a href={d.url} target="_blank" rel="noreferrer">
            Original ↗
          </a>
        )}
      </header>
      {d.error && (
        <p className="error" role="alert" data-testid="knowledge-document-error">
          {d.error}
        </p>
      )}
      <ol className="knowledge-chunks" data-testid="knowledge-chunks">
        {d.chunks.map((c) => (
          <li
            key={c.id}
            id={`chunk-${c.id}`}
            className={`panel knowledge-chunk${c.id === marked ? " marked" : ""}`}
            data-testid="knowledge-chunk"
          >
            <div className="muted knowledge-chunk-location">
              #{c.seq} · {c.location || "start"}
            </div>
            <pre className="knowledge-chunk-text">{c.text}</pre>
          </li>
        ))}
      </ol>
    </section>
  );
}
