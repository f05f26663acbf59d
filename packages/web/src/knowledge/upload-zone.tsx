import type { KnowledgeSource } from "@strand/protocol";
import { useQueryClient } from "@tanstack/react-query";
import { type DragEvent, useRef, useState } from "react";
import { uploadFile } from "./api.js";
import { mb, UPLOAD_MAX_BYTES, type UploadResult, uploadRefusal } from "./knowledge-model.js";

/** One file of this page's uploads: sending (with the fraction sent), then what it became. */
interface Upload {
  key: string;
  name: string;
  size: number;
  sent: number;
  status: "refused" | "sending" | "indexing" | "done" | "failed";
  message?: string;
  result?: UploadResult;
}

/**
 * Drag-and-drop zone and file picker of a files source. Files go one at a time (a 200 MB file
 * should not wait behind nine others' bandwidth share), each with its progress and its outcome.
 */
export function UploadZone({ source }: { source: KnowledgeSource }) {
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const patch = (key: string, change: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));

  const add = async (files: File[]) => {
    const batch = files.map((f) => {
      const refusal = uploadRefusal(f);
      const u: Upload = {
        key: `${f.name}-${crypto.randomUUID()}`,
        name: f.name,
        size: f.size,
        sent: 0,
        status: refusal ? "refused" : "sending",
        ...(refusal ? { message: refusal } : {}),
      };
      return { file: f, u };
    });
    setUploads((all) => [...batch.map((b) => b.u), ...all]);
    for (const { file, u } of batch) {
      if (u.status === "refused") continue;
      try {
        const result = await uploadFile(source.id, file, (sent) =>
          patch(u.key, sent >= 1 ? { sent, status: "indexing" } : { sent }),
        );
        const failed = result.documents.filter((d) => d.state === "error");
        patch(u.key, {
          sent: 1,
          status: failed.length > 0 && failed.length === result.documents.length ? "failed" : "done",
          result,
          ...(failed.length > 0 ? { message: failed.map((d) => d.error).join("; ") } : {}),
        });
      } catch (err) {
        patch(u.key, { status: "failed", message: (err as Error).message });
      }
      void client.invalidateQueries({ queryKey: ["knowledge"] });
    }
  };

  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void add([...e.dataTransfer.files]);
  };

  return (
    <div className="panel knowledge-upload">
      <h2>Upload</h2>
      {/* biome-ignore lint/a11y/useSemanticElements: a drop zone is a region with a button inside, not a button itself */}
      <div
        className={`knowledge-drop${over ? " over" : ""}`}
        role="region"
        aria-label="Drop files to upload"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
        data-testid="knowledge-drop"
      >
        <p>
          Drop files here or{" "}
          <button type="button" className="link" onClick={() => input.current?.click()}>
            choose files
          </button>
          .
        </p>
        <p className="muted small" data-testid="knowledge-upload-limit">
          PDF, Markdown, text, HTML, source code, DOCX, or a zip of them; at most {mb(UPLOAD_MAX_BYTES)} per file.
        </p>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          onChange={(e) => {
            void add([...(e.target.files ?? [])]);
            e.target.value = "";
          }}
          data-testid="knowledge-file-input"
        />
      </div>
      {uploads.length > 0 && (
        <ul className="knowledge-uploads" data-testid="knowledge-uploads">
          {uploads.map((u) => (
            <li key={u.key} data-testid="knowledge-upload" data-name={u.name} data-status={u.status}>
              <span className="knowledge-upload-name">{u.name}</span>
              <progress max={1} value={u.sent} aria-label={`${u.name} sent`} />
              <span
                className={u.status === "failed" || u.status === "refused" ? "error" : "muted"}
                data-testid="knowledge-upload-status"
              >
                {statusText(u)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function statusText(u: Upload): string {
  switch (u.status) {
    case "refused":
    case "failed":
      return u.message ?? "failed";
    case "sending":
      return `${Math.round(u.sent * 100)}%`;
    case "indexing":
      return "indexing…";
    case "done": {
      const docs = u.result?.documents ?? [];
      const chunks = docs.reduce((n, d) => n + (d.chunk_count ?? 0), 0);
      const ok = docs.length ? `indexed (${chunks} chunk${chunks === 1 ? "" : "s"})` : "uploaded";
      return u.message ? `${ok}; ${u.message}` : ok;
    }
  }
}
