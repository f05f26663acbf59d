import { spawn } from "node:child_process";
import { PassThrough, type Readable } from "node:stream";
import { GitError } from "./errors.js";
import { gitEnv } from "./run-git.js";

export const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

export type GitService = "upload-pack" | "receive-pack";

/**
 * Which smart-HTTP service a request is for: the ref advertisement (`info/refs?service=git-…`) or the
 * service call itself (POST `…/git-upload-pack`). Null for anything else, including git's dumb
 * protocol, which Strand does not serve.
 */
export function gitServiceOf(pathInfo: string, query: URLSearchParams): GitService | null {
  if (pathInfo.endsWith("/info/refs")) {
    const service = query.get("service");
    if (service === "git-upload-pack") return "upload-pack";
    if (service === "git-receive-pack") return "receive-pack";
    return null;
  }
  if (pathInfo.endsWith("/git-upload-pack")) return "upload-pack";
  if (pathInfo.endsWith("/git-receive-pack")) return "receive-pack";
  return null;
}

export interface HttpBackendRequest {
  /** GIT_PROJECT_ROOT: the directory pathInfo is relative to (RepoStore.root). */
  projectRoot: string;
  /** `/<project>/<repo>.git/info/refs` and the like. */
  pathInfo: string;
  method: string;
  query: URLSearchParams;
  contentType?: string;
  contentEncoding?: string;
  /** The client's `Git-Protocol` header (`version=2`). */
  gitProtocol?: string;
  /** Who is pushing; git records it in reflogs. */
  remoteUser?: string;
  remoteAddr?: string;
  /** The request body (a POST's pack data); none for GET. */
  body?: NodeJS.ReadableStream;
  /** More variables for git and its hooks (prePushEnv). */
  env?: Record<string, string>;
  /** Aborting kills git-http-backend and everything it started. */
  signal?: AbortSignal;
}

export interface HttpBackendResponse {
  status: number;
  /** Lower-case names, as the CGI header block gave them. */
  headers: Record<string, string>;
  body: Readable;
  /** Settles when git-http-backend has exited; never rejects. Its stderr is for the log. */
  done: Promise<{ exitCode: number | null; stderr: string }>;
}

export class HttpBackendError extends GitError {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message, 500, "git_http_backend_failed");
  }
}

const STDERR_KEEP = 16 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Runs one request through Debian's `git http-backend` as a CGI program and answers with the status
 * and headers it printed and a stream of the rest. Whatever happens to the client (abort, disconnect
 * mid-push) ends in killing git, never in an unhandled error.
 */
export function runHttpBackend(req: HttpBackendRequest): Promise<HttpBackendResponse> {
  const cgi: Record<string, string> = {
    GIT_PROJECT_ROOT: req.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: req.pathInfo,
    REQUEST_METHOD: req.method.toUpperCase(),
    QUERY_STRING: req.query.toString(),
  };
  const optional: [string, string | undefined][] = [
    ["CONTENT_TYPE", req.contentType],
    ["HTTP_CONTENT_ENCODING", req.contentEncoding],
    ["GIT_PROTOCOL", req.gitProtocol],
    ["REMOTE_USER", req.remoteUser],
    ["REMOTE_ADDR", req.remoteAddr],
  ];
  for (const [name, value] of optional) if (value) cgi[name] = value;

  return new Promise((resolve, reject) => {
    if (req.signal?.aborted) {
      reject(new HttpBackendError("the request was aborted before git-http-backend started", ""));
      return;
    }
    // Its own process group, so killing it also kills the upload-pack or receive-pack it started.
    const child = spawn(HTTP_BACKEND, [], {
      env: gitEnv({ ...req.env, ...cgi }),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    let headersDone = false;
    let head = Buffer.alloc(0);
    const body = new PassThrough();

    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const onAbort = () => {
      kill();
      if (!headersDone) reject(new HttpBackendError("the request was aborted", stderr));
      else body.destroy();
    };
    req.signal?.addEventListener("abort", onAbort, { once: true });

    const done = new Promise<{ exitCode: number | null; stderr: string }>((settle) => {
      child.on("close", (code) => {
        req.signal?.removeEventListener("abort", onAbort);
        settle({ exitCode: code, stderr });
      });
    });

    child.on("error", (err) => {
      if (!headersDone) reject(new HttpBackendError(`could not run ${HTTP_BACKEND}: ${err.message}`, stderr));
      else body.destroy(err);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      if (stderr.length > STDERR_KEEP * 2) stderr = stderr.slice(-STDERR_KEEP);
    });

    child.stdin.on("error", () => {
      // EPIPE: git stopped reading (it refused the request or was killed). Its answer says why.
    });
    if (req.body) {
      const stream = req.body as Partial<Readable>;
      // A body that already failed would never end git's input, and git would wait for it forever.
      if (stream.destroyed || stream.readableAborted || stream.errored) kill();
      req.body.on("error", kill);
      req.body.on("close", () => {
        if (stream.readableEnded === false) kill();
      });
      req.body.pipe(child.stdin);
    } else child.stdin.end();

    // A consumer that stops reading early (the client went away) must not leave git running.
    body.on("close", () => {
      if (!body.readableEnded) kill();
    });
    body.on("drain", () => child.stdout.resume());

    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        if (!body.write(chunk)) child.stdout.pause();
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = splitCgiHead(head);
      if (!parsed) {
        if (head.length > MAX_HEADER_BYTES) {
          kill();
          reject(new HttpBackendError("git-http-backend sent no end to its CGI headers", stderr));
        }
        return;
      }
      headersDone = true;
      if (parsed.rest.length > 0 && !body.write(parsed.rest)) child.stdout.pause();
      resolve({ status: parsed.status, headers: parsed.headers, body, done });
    });
    child.stdout.on("end", () => {
      if (headersDone) body.end();
      else {
        // Exited without answering: report what it said once it is gone.
        void done.then(({ exitCode }) =>
          reject(
            new HttpBackendError(
              `git-http-backend exited ${exitCode} without a response: ${stderr.trim() || "no message"}`,
              stderr,
            ),
          ),
        );
      }
    });
  });
}

/** Splits the CGI header block off the output; null until the blank line that ends it has arrived. */
function splitCgiHead(data: Buffer): { status: number; headers: Record<string, string>; rest: Buffer } | null {
  const crlf = data.indexOf("\r\n\r\n");
  const lf = data.indexOf("\n\n");
  let end: number;
  let sep: number;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    end = crlf;
    sep = 4;
  } else if (lf !== -1) {
    end = lf;
    sep = 2;
  } else return null;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of data.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") {
      const code = Number.parseInt(value, 10);
      if (code >= 100 && code <= 599) status = code;
    } else headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
  }
  return { status, headers, rest: data.subarray(end + sep) };
}
