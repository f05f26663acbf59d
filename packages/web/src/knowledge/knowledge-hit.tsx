import type { KnowledgeSearchResult } from "@strand/protocol";
import { Link } from "react-router";
import { highlightParts } from "../search/search-model.js";
import { documentPath, sourcePath } from "./knowledge-model.js";
import "./knowledge.css";

/** A knowledge chunk found by search: document, location, snippet with its matches marked, link. */
export function KnowledgeHit({ hit: h, showSource = false }: { hit: KnowledgeSearchResult; showSource?: boolean }) {
  return (
    <li className="knowledge-hit" data-testid="knowledge-hit" data-chunk-id={h.chunk_id}>
      <div className="knowledge-hit-head">
        {showSource && (
          <Link to={sourcePath(h.source_id)} className="muted" data-testid="knowledge-hit-source">
            {h.source_name}
          </Link>
        )}
        <Link
          to={`${documentPath(h.source_id, h.external_id)}?chunk=${encodeURIComponent(h.chunk_id)}`}
          className="knowledge-hit-title"
          data-testid="knowledge-hit-document"
        >
          {h.document_title}
        </Link>
        {h.location && (
          <span className="muted" data-testid="knowledge-hit-location">
            {h.location}
          </span>
        )}
        {h.url && (
          <a href={h.url} target="_blank" rel="noreferrer" data-testid="knowledge-hit-original">
            original ↗
          </a>
        )}
      </div>
      <span className="search-snippet" data-testid="search-snippet">
        {highlightParts(h.snippet, h.highlights).map((p, i) =>
          // Parts never move: their index is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>,
        )}
      </span>
    </li>
  );
}
