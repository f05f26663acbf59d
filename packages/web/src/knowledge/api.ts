import { fillPath, type KnowledgeTestResult, ROUTES, type RouteBody } from "@strand/protocol";
import { ApiRequestError, call } from "../api/client.js";
import { type UploadResult, uploadResult } from "./knowledge-model.js";

/** The knowledge routes as the UI uses them (paths and types from the protocol table). */
export const knowledgeApi = {
  list: (owner: { team_id: string } | { project_id: string }) => call(ROUTES["knowledge.list"], { query: owner }),
  get: (id: string) => call(ROUTES["knowledge.get"], { params: { id } }),
  create: (body: RouteBody<(typeof ROUTES)["knowledge.create"]>) => call(ROUTES["knowledge.create"], { body }),
  remove: (id: string) => call(ROUTES["knowledge.delete"], { params: { id } }),
  sync: (id: string) => call(ROUTES["knowledge.sync"], { params: { id } }),
  documents: (id: string, cursor?: string) =>
    call(ROUTES["knowledge.documents"], { params: { id }, query: { limit: 200, ...(cursor ? { cursor } : {}) } }),
  document: (id: string, docId: string) => call(ROUTES["knowledge.document"], { params: { id, doc_id: docId } }),
  search: (sourceId: string, q: string) =>
    call(ROUTES["search.query"], { query: { q, scope: "knowledge", source_id: sourceId, limit: 50 } }),
  /** Test connection for Jira and Confluence: the server tries the credentials and says what it found. */
  test: async (body: RouteBody<(typeof ROUTES)["knowledge.testConfig"]>): Promise<string> =>
    testAnswer(await call(ROUTES["knowledge.testConfig"], { body })),
  /** Test connection of a saved source, with the credentials stored for it. */
  testSaved: async (id: string): Promise<string> =>
    testAnswer(await call(ROUTES["knowledge.test"], { params: { id } })),
};

/**
 * Uploads one file as multipart to `POST /api/v1/knowledge/:id/files` with XMLHttpRequest, the
 * only browser API that reports upload progress; `onProgress` gets the fraction sent (0 to 1).
 */
export function uploadFile(
  sourceId: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ROUTES["knowledge.upload"].method, fillPath(ROUTES["knowledge.upload"], { id: sourceId }));
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiRequestError(0, "network", "The Strand server cannot be reached."));
    xhr.onload = () => {
      const body = safeJson(xhr.responseText) as { message?: string; error?: string } | undefined;
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(new ApiRequestError(xhr.status, body?.error ?? "http_error", body?.message ?? `HTTP ${xhr.status}`));
        return;
      }
      resolve(uploadResult(body));
    };
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/** `{ok, message}`: a failed test is an error carrying the server's words, a passed one its message. */
function testAnswer(a: KnowledgeTestResult): string {
  if (!a.ok) throw new ApiRequestError(400, "connection_failed", a.message);
  return a.message;
}

function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
