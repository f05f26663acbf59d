import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type GitService, gitServiceOf, runHttpBackend } from "./http-backend.js";
import { listBranches } from "./inspect.js";
import { assertProjectSlug, assertRepoName } from "./names.js";
import type { RepoStore } from "./repo-store.js";

export interface GitHttpTarget {
  projectSlug: string;
  repoName: string;
  service: GitService;
}

export interface GitHttpGrant {
  /** Recorded by git as the pusher (reflogs). */
  remoteUser: string;
  /** Handed to git and its hooks; for receive-pack it must hold the push policy (prePushEnv). */
  env?: Record<string, string>;
}

export interface GitHttpPluginOptions {
  store: RepoStore;
  /**
   * Decides whether this request may use the service. Throw an error with `statusCode` 401, 403 or 404
   * and a `message` to refuse; 401 makes git ask for (or send) credentials.
   */
  authorize: (req: FastifyRequest, target: GitHttpTarget) => Promise<GitHttpGrant>;
  /** Route config for the host app's hooks (the server marks these routes `access: "git"`). */
  routeConfig?: Record<string, unknown>;
  /**
   * Told after a push that succeeded which branches it moved (created, moved or deleted), so the
   * host can tell whoever shows them. Its failures are logged, never the push's.
   */
  onPushed?: (target: GitHttpTarget, branches: string[]) => Promise<void>;
}

const PACK_REQUEST_TYPES = ["application/x-git-upload-pack-request", "application/x-git-receive-pack-request"];

/**
 * git's smart HTTP at `/git/<project>/<repo>.git/…`, served by `git http-backend` from the store.
 * Works both as `app.register(gitHttpPlugin, opts)` and called directly; either way its body parsers
 * stay inside its own encapsulated context.
 */
export async function gitHttpPlugin(app: FastifyInstance, opts: GitHttpPluginOptions): Promise<void> {
  await app.register(async (git) => {
    // Pack data goes to git untouched, as a stream: no buffering and no body size limit.
    git.addContentTypeParser(PACK_REQUEST_TYPES, (_req, payload, done) => done(null, payload));
    git.route({
      method: ["GET", "POST"],
      url: "/git/:project/:repo.git/*",
      ...(opts.routeConfig ? { config: opts.routeConfig } : {}),
      handler: (req, reply) => serve(req, reply, opts),
    });
  });
}

type Params = { project: string; repo: string; "*": string };

async function serve(req: FastifyRequest, reply: FastifyReply, opts: GitHttpPluginOptions) {
  // The reply closing before it finished means the client went away: stop git with it. Listening from
  // the start also catches a client that leaves while authorize is still deciding.
  const aborter = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) aborter.abort();
  });
  const { project, repo, "*": rest } = req.params as Params;
  const text = (status: number, message: string) =>
    reply.code(status).type("text/plain; charset=utf-8").send(`${message}\n`);
  const unknownRepo = () => text(404, `repository ${project}/${repo} does not exist`);
  try {
    assertProjectSlug(project);
    assertRepoName(repo);
  } catch {
    return unknownRepo();
  }
  const pathInfo = `/${project}/${repo}.git/${rest}`;
  const query = new URLSearchParams(req.url.split("?")[1] ?? "");
  const service = gitServiceOf(pathInfo, query);
  if (!service || rest.split("/").includes("..")) {
    return text(404, `${pathInfo} is not a git smart-HTTP endpoint (Strand does not serve the dumb protocol)`);
  }
  const wantMethod = rest === "info/refs" ? "GET" : "POST";
  if (req.method !== wantMethod) {
    return reply.header("allow", wantMethod).code(405).type("text/plain; charset=utf-8").send(`use ${wantMethod}\n`);
  }

  let grant: GitHttpGrant;
  try {
    grant = await opts.authorize(req, { projectSlug: project, repoName: repo, service });
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode;
    if (status !== 401 && status !== 403 && status !== 404) throw err;
    if (status === 401) reply.header("www-authenticate", 'Basic realm="Strand"');
    return text(status, (err as Error).message || "refused");
  }
  if (!(await opts.store.exists(project, repo))) return unknownRepo();
  if (service === "receive-pack" && !grant.env?.STRAND_PUSH_POLICY) {
    // A push without a policy would be unchecked; refuse rather than trust that the hook is not needed.
    req.log.error({ project, repo }, "git push authorized without a push policy (authorize must return prePushEnv)");
    return text(500, "push refused: the server has no push policy for this request");
  }

  // Nobody is left to answer once the client has gone; tell Fastify the reply is dealt with.
  const abandon = () => {
    reply.hijack();
  };
  if (aborter.signal.aborted) return abandon();
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  const repoPath = opts.store.pathFor(project, repo);
  // Branch tips before a push, to tell afterwards which ones it moved (git's hooks would need a way back to us).
  const before = service === "receive-pack" && opts.onPushed && req.method === "POST" ? await tips(repoPath) : null;
  const running = runHttpBackend({
    projectRoot: opts.store.root,
    pathInfo,
    method: req.method,
    query,
    contentType: header("content-type"),
    contentEncoding: header("content-encoding"),
    gitProtocol: header("git-protocol"),
    remoteUser: grant.remoteUser,
    remoteAddr: req.ip,
    body: req.method === "POST" ? (req.body as NodeJS.ReadableStream) : undefined,
    env: grant.env,
    signal: aborter.signal,
  });
  let res: Awaited<typeof running>;
  try {
    res = await running;
  } catch (err) {
    if (aborter.signal.aborted) return abandon();
    throw err;
  }
  void res.done.then(async ({ exitCode, stderr }) => {
    if (exitCode !== 0 && !aborter.signal.aborted) {
      req.log.warn({ project, repo, service, exitCode, stderr: stderr.slice(-2000) }, "git http-backend failed");
    }
    if (!before || !opts.onPushed) return;
    try {
      const after = await tips(repoPath);
      const moved = [...new Set([...before.keys(), ...after.keys()])].filter((b) => before.get(b) !== after.get(b));
      if (moved.length > 0) await opts.onPushed({ projectSlug: project, repoName: repo, service }, moved.sort());
    } catch (err) {
      req.log.warn({ err, project, repo }, "could not tell who shows the pushed branches");
    }
  });
  return reply.code(res.status).headers(res.headers).send(res.body);
}

async function tips(repoPath: string): Promise<Map<string, string>> {
  return new Map((await listBranches(repoPath)).map((b) => [b.name, b.commit]));
}
