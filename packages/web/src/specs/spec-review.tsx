import { ROUTES } from "@strand/protocol";
import { useQuery } from "@tanstack/react-query";
import { call } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { RichText } from "../chat/rich-text.js";

/**
 * PLACEHOLDER for the board branch only: the spec-review helper's component (comments on a
 * selection, revisions and their diff) replaces this file in the merge. It shows the documents
 * plainly so the task page has something to render meanwhile.
 */
export function SpecReview({ taskId }: { taskId: string; canControl: boolean }) {
  const spec = useQuery({
    queryKey: queryKeys.spec(taskId),
    queryFn: () => call(ROUTES["specs.get"], { params: { id: taskId }, query: {} }),
  });
  if (spec.isPending) return <p className="page-status">Loading the spec…</p>;
  if (spec.error)
    return (
      <p className="page-status error" role="alert">
        {spec.error.message}
      </p>
    );
  const s = spec.data;
  if (s.revision === null) return <p className="muted">No spec pushed yet.</p>;
  return (
    <div className="spec-review" data-testid="spec-review" data-revision={s.revision}>
      <p className="muted">
        Revision {s.revision} · <code>{s.commit?.slice(0, 10)}</code>
      </p>
      {s.documents.map((d) => (
        <article key={d.name} data-testid="spec-document" data-document={d.name}>
          <h3>
            <code>{d.path}</code>
          </h3>
          {d.content === null ? <p className="muted">Not on the branch.</p> : <RichText text={d.content} />}
        </article>
      ))}
    </div>
  );
}
