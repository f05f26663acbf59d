/**
 * Local stand-ins for GitHub, GitLab and Gitea: they speak the pull-request parts of each host's
 * REST API (GitHub REST v3 as GitHub Enterprise serves it under /api/v3, GitLab v4, Gitea v1) and
 * send each host's webhook deliveries, because none of the real hosts is reachable from here. They
 * are as strict as the real ones where Strand could get it wrong: a wrong or missing token gets
 * 401 in the host's error shape, an unknown repository 404, a request without a User-Agent 403 on
 * GitHub, and opening a pull request for a missing branch or twice for the same branch fails with
 * the status that host uses (GitHub 422 for both; GitLab 422 for a missing branch and 409 for a
 * duplicate; Gitea 404 for a missing branch and 409 for a duplicate).
 *
 * A repository added with `addGitRepo` is also a real bare git repository, served over smart HTTP
 * at `<url>/<owner>/<repo>.git` (HTTP Basic, any user name, the token as the password, as the hosts
 * take it), and its branches are whatever was pushed there.
 */
import { createHmac, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHttpBackend } from "../../packages/server/src/git/http-backend.js";
import { runGit } from "../../packages/server/src/git/run-git.js";

export type FakeHostKind = "github" | "gitlab" | "gitea";
export type FakePullState = "open" | "merged" | "closed";

export interface FakePull {
  /** GitHub's and Gitea's `number`, GitLab's `iid`. Unique across the fake host's repositories. */
  number: number;
  /** `owner/repo`, or GitLab's `group/sub/project`. */
  repo: string;
  head: string;
  base: string;
  title: string;
  body: string;
  state: FakePullState;
  createdAt: string;
  mergedAt: string | null;
  closedAt: string | null;
}

export interface RecordedHostRequest {
  method: string;
  /** The raw path and query, as sent (GitLab project paths stay URL-encoded). */
  url: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface WebhookDelivery {
  headers: Record<string, string>;
  /** The exact bytes the host signs and sends. */
  body: Buffer;
}

export interface FakeGitHost {
  kind: FakeHostKind;
  /** Where the REST API is: `<url>/api/v3` (GitHub), `/api/v4` (GitLab), `/api/v1` (Gitea). */
  apiBase: string;
  /** The web side: repositories are at `<url>/<owner>/<repo>.git`. */
  url: string;
  pulls: FakePull[];
  requests: RecordedHostRequest[];
  /** Creates (or replaces) a repository with these branches. `owner` may be a GitLab group path. */
  addRepo(owner: string, repo: string, branches: string[]): void;
  /**
   * Creates a repository backed by an empty bare git repository, served at `<url>/<owner>/<repo>.git`;
   * returns its path on disk (push a first commit there directly). Its branches are the git ones.
   */
  addGitRepo(owner: string, repo: string): Promise<string>;
  /** Answer every REST API request with a 503, as a host in an outage would (git keeps working). */
  apiDown: boolean;
  /** Merges, closes or reopens a pull request as someone on the host would. */
  setState(number: number, state: FakePullState): void;
  /** The delivery the host would send when pull request `number` moved to `state`. */
  webhook(number: number, state: FakePullState): WebhookDelivery;
  /** Moves the pull request to `state` and POSTs the host's delivery for it to `targetUrl`. */
  sendWebhook(targetUrl: string, number: number, state: FakePullState): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export interface FakeGitHostOptions {
  token: string;
  /** Signs deliveries (GitHub, Gitea) or is sent as X-Gitlab-Token (GitLab); none when unset. */
  webhookSecret?: string;
}

interface Repo {
  id: number;
  path: string;
  owner: string;
  name: string;
  branches: Set<string>;
  /** The bare repository behind it, for repositories added with addGitRepo. */
  gitDir?: string;
}

interface Reply {
  status: number;
  body: unknown;
}

const apiPrefix: Record<FakeHostKind, string> = { github: "/api/v3", gitlab: "/api/v4", gitea: "/api/v1" };

const sha = (s: string) => createHmac("sha1", "fake").update(s).digest("hex");

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function bearer(req: IncomingMessage, schemes: string[]): string | undefined {
  const auth = req.headers.authorization;
  if (!auth) return undefined;
  const space = auth.indexOf(" ");
  if (space < 0) return undefined;
  return schemes.includes(auth.slice(0, space).toLowerCase()) ? auth.slice(space + 1).trim() : undefined;
}

export async function startFakeGitHost(kind: FakeHostKind, opts: FakeGitHostOptions): Promise<FakeGitHost> {
  const repos = new Map<string, Repo>();
  const pulls: FakePull[] = [];
  const requests: RecordedHostRequest[] = [];
  let nextNumber = 1;
  let nextRepoId = 1;
  let url = "";
  let gitRoot: string | undefined;
  let apiDown = false;

  const findRepo = (path: string) => repos.get(path.toLowerCase());
  const repoOf = (pull: FakePull) => findRepo(pull.repo)!;
  const pullUrl = (p: FakePull) =>
    kind === "github"
      ? `${url}/${p.repo}/pull/${p.number}`
      : kind === "gitea"
        ? `${url}/${p.repo}/pulls/${p.number}`
        : `${url}/${p.repo}/-/merge_requests/${p.number}`;

  // ---- the hosts' JSON for a pull request --------------------------------------------------

  const user = { id: 1, login: "strand-bot", username: "strand-bot", name: "Strand Bot" };

  function githubRepoJson(r: Repo) {
    return {
      id: r.id,
      name: r.name,
      full_name: r.path,
      owner: { login: r.owner, id: 100 + r.id, type: "Organization" },
      private: true,
      html_url: `${url}/${r.path}`,
      clone_url: `${url}/${r.path}.git`,
      default_branch: "main",
    };
  }

  function githubPullJson(p: FakePull, opts: { list?: boolean; as?: FakePullState } = {}) {
    const state = opts.as ?? p.state;
    const r = repoOf(p);
    const json: Record<string, unknown> = {
      url: `${url}/api/v3/repos/${p.repo}/pulls/${p.number}`,
      id: 1000 + p.number,
      html_url: pullUrl(p),
      number: p.number,
      state: state === "open" ? "open" : "closed",
      locked: false,
      title: p.title,
      body: p.body,
      user: { login: user.login, id: user.id, type: "User" },
      created_at: p.createdAt,
      updated_at: p.mergedAt ?? p.closedAt ?? p.createdAt,
      closed_at: state === "open" ? null : (p.closedAt ?? p.mergedAt ?? new Date().toISOString()),
      merged_at: state === "merged" ? (p.mergedAt ?? new Date().toISOString()) : null,
      merge_commit_sha: state === "merged" ? sha(`merge ${p.number}`) : null,
      draft: false,
      head: { label: `${r.owner}:${p.head}`, ref: p.head, sha: sha(p.head), repo: githubRepoJson(r) },
      base: { label: `${r.owner}:${p.base}`, ref: p.base, sha: sha(p.base), repo: githubRepoJson(r) },
    };
    // The list endpoint leaves out the fields that need a merge check.
    if (!opts.list) Object.assign(json, { merged: state === "merged", mergeable: null, comments: 0, commits: 1 });
    return json;
  }

  function giteaRepoJson(r: Repo) {
    return {
      id: r.id,
      owner: { id: 100 + r.id, login: r.owner, username: r.owner },
      name: r.name,
      full_name: r.path,
      private: true,
      html_url: `${url}/${r.path}`,
      clone_url: `${url}/${r.path}.git`,
      default_branch: "main",
    };
  }

  function giteaPullJson(p: FakePull, as?: FakePullState) {
    const state = as ?? p.state;
    const r = repoOf(p);
    const branch = (ref: string) => ({ label: ref, ref, sha: sha(ref), repo_id: r.id, repo: giteaRepoJson(r) });
    return {
      id: 1000 + p.number,
      url: pullUrl(p),
      number: p.number,
      user: { id: user.id, login: user.login, username: user.username },
      title: p.title,
      body: p.body,
      labels: [],
      milestone: null,
      assignee: null,
      assignees: null,
      state: state === "open" ? "open" : "closed",
      is_locked: false,
      comments: 0,
      html_url: pullUrl(p),
      diff_url: `${pullUrl(p)}.diff`,
      patch_url: `${pullUrl(p)}.patch`,
      mergeable: state === "open",
      merged: state === "merged",
      merged_at: state === "merged" ? (p.mergedAt ?? new Date().toISOString()) : null,
      merge_commit_sha: state === "merged" ? sha(`merge ${p.number}`) : null,
      merged_by: state === "merged" ? { id: user.id, login: user.login } : null,
      base: branch(p.base),
      head: branch(p.head),
      merge_base: sha(p.base),
      due_date: null,
      created_at: p.createdAt,
      updated_at: p.mergedAt ?? p.closedAt ?? p.createdAt,
      closed_at: state === "open" ? null : (p.closedAt ?? p.mergedAt ?? new Date().toISOString()),
    };
  }

  const gitlabStates: Record<FakePullState, string> = { open: "opened", merged: "merged", closed: "closed" };

  function gitlabMrJson(p: FakePull) {
    const r = repoOf(p);
    return {
      id: 1000 + p.number,
      iid: p.number,
      project_id: r.id,
      title: p.title,
      description: p.body,
      state: gitlabStates[p.state],
      created_at: p.createdAt,
      updated_at: p.mergedAt ?? p.closedAt ?? p.createdAt,
      merged_at: p.mergedAt,
      closed_at: p.closedAt,
      target_branch: p.base,
      source_branch: p.head,
      source_project_id: r.id,
      target_project_id: r.id,
      author: { id: user.id, username: user.username, name: user.name, state: "active" },
      draft: false,
      work_in_progress: false,
      merge_status: "can_be_merged",
      detailed_merge_status: p.state === "open" ? "mergeable" : "not_open",
      sha: sha(p.head),
      merge_commit_sha: p.state === "merged" ? sha(`merge ${p.number}`) : null,
      references: { short: `!${p.number}`, relative: `!${p.number}`, full: `${p.repo}!${p.number}` },
      web_url: pullUrl(p),
    };
  }

  // ---- the hosts' error bodies ------------------------------------------------------------------

  const githubDocs = "https://docs.github.com/rest";
  const githubError = (status: number, message: string, errors?: unknown[]): Reply => ({
    status,
    body: { message, ...(errors ? { errors } : {}), documentation_url: githubDocs, status: String(status) },
  });
  const giteaError = (status: number, message: string): Reply => ({
    status,
    body: { message, url: `${url}/api/swagger` },
  });
  const giteaNotFound = (): Reply => ({
    status: 404,
    body: { errors: null, message: "The target couldn't be found.", url: `${url}/api/swagger` },
  });
  const gitlabError = (status: number, message: unknown): Reply => ({ status, body: { message } });

  // ---- authentication -------------------------------------------------------------------------

  /** The refusal for this request's credentials, or undefined when they are the token. */
  function refuseAuth(req: IncomingMessage): Reply | undefined {
    if (kind === "github") {
      if (!req.headers["user-agent"])
        return githubError(
          403,
          "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.",
        );
      const presented = bearer(req, ["bearer", "token"]);
      if (presented === undefined) return githubError(401, "Requires authentication");
      if (presented !== opts.token) return githubError(401, "Bad credentials");
      const version = req.headers["x-github-api-version"];
      if (version !== undefined && version !== "2022-11-28")
        return githubError(400, `No API version ${JSON.stringify(version)} exists.`);
      return undefined;
    }
    if (kind === "gitlab") {
      const presented = (req.headers["private-token"] as string | undefined) ?? bearer(req, ["bearer"]);
      return presented === opts.token ? undefined : gitlabError(401, "401 Unauthorized");
    }
    const presented = bearer(req, ["token", "bearer"]);
    return presented === opts.token ? undefined : giteaError(401, "invalid username, password or token");
  }

  // ---- routes -------------------------------------------------------------------------------------

  function newPull(r: Repo, head: string, base: string, title: string, body: string): FakePull {
    const p: FakePull = {
      number: nextNumber++,
      repo: r.path,
      head,
      base,
      title,
      body,
      state: "open",
      createdAt: new Date().toISOString(),
      mergedAt: null,
      closedAt: null,
    };
    pulls.push(p);
    return p;
  }

  const openFor = (r: Repo, head: string, base: string) =>
    pulls.find((p) => p.repo === r.path && p.head === head && p.base === base && p.state === "open");
  const pullIn = (r: Repo, n: string | undefined) =>
    /^\d+$/.test(n ?? "") ? pulls.find((p) => p.repo === r.path && p.number === Number(n)) : undefined;
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

  function githubOrGitea(method: string, segs: string[], query: URLSearchParams, body: unknown): Reply {
    const notFound = () => (kind === "github" ? githubError(404, "Not Found") : giteaNotFound());
    if (segs[0] !== "repos" || segs[3] !== "pulls" || segs.length > 5) return notFound();
    const r = findRepo(`${segs[1]}/${segs[2]}`);
    if (!r) return notFound();
    if (segs.length === 5) {
      const p = pullIn(r, segs[4]);
      if (!p || (method !== "GET" && method !== "PATCH")) return notFound();
      if (method === "PATCH") {
        const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
        if (b.state === "open" && p.state !== "open") {
          if (p.state === "merged")
            return kind === "github"
              ? githubError(422, "Validation Failed", [
                  {
                    resource: "PullRequest",
                    code: "custom",
                    message: "state cannot be changed. The pull request is merged.",
                  },
                ])
              : giteaError(409, "cannot reopen a merged pull request");
          p.state = "open";
          p.closedAt = null;
        }
        // Gitea answers an edit with 201, GitHub with 200.
        return {
          status: kind === "github" ? 200 : 201,
          body: kind === "github" ? githubPullJson(p) : giteaPullJson(p),
        };
      }
      return { status: 200, body: kind === "github" ? githubPullJson(p) : giteaPullJson(p) };
    }
    if (method === "GET") {
      const state = query.get("state") ?? "open";
      let list = pulls.filter((p) => p.repo === r.path);
      if (state !== "all") list = list.filter((p) => (state === "open" ? p.state === "open" : p.state !== "open"));
      list = list.reverse();
      if (kind === "github") {
        const head = query.get("head");
        const base = query.get("base");
        if (head) list = list.filter((p) => `${r.owner}:${p.head}`.toLowerCase() === head.toLowerCase());
        if (base) list = list.filter((p) => p.base === base);
        return { status: 200, body: list.map((p) => githubPullJson(p, { list: true })) };
      }
      const limit = Math.min(Number(query.get("limit") ?? 30) || 30, 50);
      const page = Math.max(Number(query.get("page") ?? 1) || 1, 1);
      return { status: 200, body: list.slice((page - 1) * limit, page * limit).map((p) => giteaPullJson(p)) };
    }
    if (method !== "POST") return notFound();
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const head = str(b.head);
    const base = str(b.base);
    const title = str(b.title);
    if (kind === "github") {
      const missing = (["head", "base", "title"] as const).filter((f) => !str(b[f]));
      if (missing.length > 0)
        return githubError(
          422,
          "Validation Failed",
          missing.map((field) => ({ resource: "PullRequest", code: "missing_field", field })),
        );
      if (!r.branches.has(head!) || !r.branches.has(base!))
        return githubError(
          422,
          "Validation Failed",
          [!r.branches.has(head!) ? "head" : "base"].map((field) => ({
            resource: "PullRequest",
            field,
            code: "invalid",
          })),
        );
      if (head === base)
        return githubError(422, "Validation Failed", [
          { resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${head}` },
        ]);
      if (openFor(r, head!, base!))
        return githubError(422, "Validation Failed", [
          { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${r.owner}:${head}.` },
        ]);
      return { status: 201, body: githubPullJson(newPull(r, head!, base!, title!, str(b.body) ?? "")) };
    }
    if (!head || !base || !title) return giteaError(422, "[Head Base Title]: Required");
    if (head === base)
      return giteaError(422, "Invalid PullRequest: There are no changes between the head and the base");
    if (!r.branches.has(head) || !r.branches.has(base)) return giteaNotFound();
    const existing = openFor(r, head, base);
    if (existing)
      return giteaError(
        409,
        `pull request already exists for these targets [id: ${1000 + existing.number}, issue_id: ${existing.number}, head_repo_id: ${r.id}, base_repo_id: ${r.id}, head_branch: ${head}, base_branch: ${base}]`,
      );
    return { status: 201, body: giteaPullJson(newPull(r, head, base, title, str(b.body) ?? "")) };
  }

  function gitlab(method: string, segs: string[], query: URLSearchParams, body: unknown): Reply {
    if (segs[0] !== "projects" || segs.length < 2) return gitlabError(404, "404 Not Found");
    const id = segs[1]!;
    const r = /^\d+$/.test(id) ? [...repos.values()].find((x) => x.id === Number(id)) : findRepo(id);
    if (!r) return gitlabError(404, "404 Project Not Found");
    if (segs[2] !== "merge_requests" || segs.length > 4) return gitlabError(404, "404 Not Found");
    if (segs.length === 4) {
      if (method !== "GET" && method !== "PUT") return gitlabError(405, "405 Method Not Allowed");
      const p = pullIn(r, segs[3]);
      if (!p) return gitlabError(404, "404 Not found");
      const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
      if (method === "PUT" && b.state_event === "reopen" && p.state === "closed") {
        p.state = "open";
        p.closedAt = null;
      }
      return { status: 200, body: gitlabMrJson(p) };
    }
    if (method === "GET") {
      const state = query.get("state") ?? "all";
      const source = query.get("source_branch");
      const target = query.get("target_branch");
      const list = pulls
        .filter((p) => p.repo === r.path)
        .filter((p) => state === "all" || gitlabStates[p.state] === state)
        .filter((p) => (!source || p.head === source) && (!target || p.base === target))
        .reverse();
      return { status: 200, body: list.map(gitlabMrJson) };
    }
    if (method !== "POST") return gitlabError(405, "405 Method Not Allowed");
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const missing = ["source_branch", "target_branch", "title"].filter((f) => !str(b[f]));
    if (missing.length > 0) return { status: 400, body: { error: missing.map((f) => `${f} is missing`).join(", ") } };
    const head = str(b.source_branch)!;
    const base = str(b.target_branch)!;
    if (head === base) return gitlabError(422, ["You must select different branches"]);
    const problems = [
      ...(r.branches.has(head) ? [] : [`Source branch "${head}" does not exist`]),
      ...(r.branches.has(base) ? [] : [`Target branch "${base}" does not exist`]),
    ];
    if (problems.length > 0) return gitlabError(422, problems);
    const existing = openFor(r, head, base);
    if (existing)
      return gitlabError(409, [
        `Another open merge request already exists for this source branch: !${existing.number}`,
      ]);
    return { status: 201, body: gitlabMrJson(newPull(r, head, base, str(b.title)!, str(b.description) ?? "")) };
  }

  /** Smart HTTP for repositories added with addGitRepo, through git's own http-backend. */
  async function serveGit(req: IncomingMessage, res: ServerResponse, r: Repo, rest: string, query: string) {
    const auth = req.headers.authorization ?? "";
    const decoded = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8") : "";
    if (decoded.slice(decoded.indexOf(":") + 1) !== opts.token || !decoded.includes(":")) {
      res.writeHead(401, { "www-authenticate": `Basic realm="fake ${kind}"`, "content-type": "text/plain" });
      res.end("Authentication required\n");
      return;
    }
    const root = gitRoot as string;
    const answer = await runHttpBackend({
      projectRoot: root,
      pathInfo: `/${r.path}.git${rest}`,
      method: req.method ?? "GET",
      query: new URLSearchParams(query),
      ...(req.headers["content-type"] ? { contentType: req.headers["content-type"] } : {}),
      ...(typeof req.headers["content-encoding"] === "string"
        ? { contentEncoding: req.headers["content-encoding"] }
        : {}),
      ...(typeof req.headers["git-protocol"] === "string" ? { gitProtocol: req.headers["git-protocol"] } : {}),
      remoteUser: "strand-bot",
      ...(req.method === "POST" ? { body: req } : {}),
    });
    res.writeHead(answer.status, answer.headers);
    answer.body.pipe(res);
    await answer.done;
  }

  async function refreshBranches() {
    for (const r of repos.values()) {
      if (!r.gitDir) continue;
      const { stdout } = await runGit(["for-each-ref", "--format=%(refname:short)", "refs/heads/"], {
        gitDir: r.gitDir,
      });
      r.branches = new Set(stdout.split("\n").filter(Boolean));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const gitMatch = /^\/(.+?)\.git(\/[^?]*)(?:\?(.*))?$/.exec(req.url ?? "");
    const gitRepo = gitMatch ? findRepo(gitMatch[1] as string) : undefined;
    if (gitMatch && gitRepo?.gitDir) return serveGit(req, res, gitRepo, gitMatch[2] as string, gitMatch[3] ?? "");
    const raw = await readBody(req);
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // Left as text: the routes treat a non-object body as empty and refuse it.
    }
    const reqUrl = req.url ?? "/";
    requests.push({ method: req.method ?? "GET", url: reqUrl, headers: req.headers, body });
    const [pathPart, queryPart = ""] = reqUrl.split("?", 2) as [string, string?];
    const send = (reply: Reply) => {
      res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(reply.body));
    };
    const prefix = apiPrefix[kind];
    if (apiDown && pathPart.startsWith(`${prefix}/`))
      return send({ status: 503, body: { message: "Service Unavailable: the fake host is down for maintenance" } });
    if (!pathPart.startsWith(`${prefix}/`))
      return send(
        kind === "github" ? githubError(404, "Not Found") : { status: 404, body: { message: "404 Not Found" } },
      );
    const refused = refuseAuth(req);
    if (refused) return send(refused);
    // Split before decoding: GitLab's project path arrives as one %2F-encoded segment.
    const segs = pathPart
      .slice(prefix.length + 1)
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
    const query = new URLSearchParams(queryPart);
    const method = req.method ?? "GET";
    await refreshBranches();
    send(kind === "gitlab" ? gitlab(method, segs, query, body) : githubOrGitea(method, segs, query, body));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the fake git host has no TCP address");
  url = `http://127.0.0.1:${address.port}`;

  // ---- state changes and webhooks ---------------------------------------------------------------

  function pullNumbered(number: number): FakePull {
    const p = pulls.find((x) => x.number === number);
    if (!p) throw new Error(`the fake ${kind} host has no pull request #${number}: open one through its API first`);
    return p;
  }

  function setState(number: number, state: FakePullState) {
    const p = pullNumbered(number);
    if (p.state === "merged" && state !== "merged")
      throw new Error(`pull request #${number} is merged: a merged pull request cannot be reopened or closed`);
    const now = new Date().toISOString();
    p.state = state;
    if (state === "merged") p.mergedAt = now;
    if (state === "closed") p.closedAt = now;
    if (state === "open") p.closedAt = null;
  }

  function webhook(number: number, state: FakePullState): WebhookDelivery {
    const p = pullNumbered(number);
    const r = repoOf(p);
    const reopening = state === "open" && p.state !== "open";
    const delivery = randomUUID();
    const headers: Record<string, string> = { "content-type": "application/json" };
    let payload: unknown;
    if (kind === "gitlab") {
      const action = state === "merged" ? "merge" : state === "closed" ? "close" : reopening ? "reopen" : "open";
      payload = {
        object_kind: "merge_request",
        event_type: "merge_request",
        user: { id: user.id, name: user.name, username: user.username },
        project: {
          id: r.id,
          name: r.name,
          web_url: `${url}/${r.path}`,
          git_http_url: `${url}/${r.path}.git`,
          namespace: r.owner,
          path_with_namespace: r.path,
          default_branch: "main",
        },
        object_attributes: { ...gitlabMrJson({ ...p, state }), url: pullUrl(p), action },
        labels: [],
        changes: {},
        repository: { name: r.name, url: `${url}/${r.path}.git`, homepage: `${url}/${r.path}` },
      };
      Object.assign(headers, {
        "user-agent": "GitLab/17.5.0",
        "x-gitlab-event": "Merge Request Hook",
        "x-gitlab-instance": url,
        "x-gitlab-webhook-uuid": randomUUID(),
        "x-gitlab-event-uuid": delivery,
        ...(opts.webhookSecret ? { "x-gitlab-token": opts.webhookSecret } : {}),
      });
    } else {
      const action = state === "open" ? (reopening ? "reopened" : "opened") : "closed";
      const pr = kind === "github" ? githubPullJson(p, { as: state }) : giteaPullJson(p, state);
      const repository = kind === "github" ? githubRepoJson(r) : giteaRepoJson(r);
      payload = {
        action,
        number: p.number,
        pull_request: pr,
        repository,
        sender: { login: user.login, id: user.id },
        ...(kind === "gitea" ? { requested_reviewer: null, commit_id: "", review: null } : {}),
      };
      if (kind === "github")
        Object.assign(headers, {
          "user-agent": "GitHub-Hookshot/fake",
          "x-github-event": "pull_request",
          "x-github-delivery": delivery,
          "x-github-hook-id": "1",
        });
      else
        Object.assign(headers, {
          "user-agent": "Go-http-client/1.1",
          "x-gitea-event": "pull_request",
          "x-gitea-event-type": "pull_request",
          "x-gitea-delivery": delivery,
          "x-gogs-event": "pull_request",
          "x-gogs-delivery": delivery,
          "x-github-event": "pull_request",
          "x-github-delivery": delivery,
        });
    }
    const body = Buffer.from(JSON.stringify(payload));
    if (opts.webhookSecret && kind !== "gitlab") {
      const sha256 = createHmac("sha256", opts.webhookSecret).update(body).digest("hex");
      const sha1 = createHmac("sha1", opts.webhookSecret).update(body).digest("hex");
      headers["x-hub-signature-256"] = `sha256=${sha256}`;
      headers["x-hub-signature"] = `sha1=${sha1}`;
      if (kind === "gitea") Object.assign(headers, { "x-gitea-signature": sha256, "x-gogs-signature": sha256 });
    }
    return { headers, body };
  }

  return {
    kind,
    apiBase: `${url}${apiPrefix[kind]}`,
    url,
    pulls,
    requests,
    get apiDown() {
      return apiDown;
    },
    set apiDown(down: boolean) {
      apiDown = down;
    },
    addRepo(owner, repo, branches) {
      const path = `${owner}/${repo}`;
      repos.set(path.toLowerCase(), { id: nextRepoId++, path, owner, name: repo, branches: new Set(branches) });
    },
    async addGitRepo(owner, repo) {
      gitRoot ??= await mkdtemp(join(tmpdir(), `strand-fake-${kind}-`));
      const path = `${owner}/${repo}`;
      const gitDir = join(gitRoot, `${path}.git`);
      await mkdir(gitDir, { recursive: true });
      await runGit(["init", "--quiet", "--bare", "--initial-branch=main", gitDir]);
      await runGit(["config", "http.receivepack", "true"], { gitDir });
      repos.set(path.toLowerCase(), { id: nextRepoId++, path, owner, name: repo, branches: new Set(), gitDir });
      return gitDir;
    },
    setState,
    webhook,
    async sendWebhook(targetUrl, number, state) {
      const delivery = webhook(number, state);
      setState(number, state);
      const res = await fetch(targetUrl, { method: "POST", headers: delivery.headers, body: delivery.body });
      return { status: res.status, text: await res.text() };
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (gitRoot) await rm(gitRoot, { recursive: true, force: true });
    },
  };
}
