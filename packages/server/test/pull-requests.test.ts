import { createHmac } from "node:crypto";
import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { desc, eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGitHost, startFakeGitHost } from "../../../test/support/fake-git-hosts.js";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { issueApiToken } from "../src/auth/api-tokens.js";
import { SecretBox } from "../src/crypto/secret-box.js";
import { events } from "../src/db/schema.js";
import { resolveRef } from "../src/git/index.js";
import { commitFiles, git, gitResult, initWorkTree, makeTempDir } from "../src/git/test-kit.js";
import { ProjectService } from "../src/projects/service.js";
import { PullRequestService } from "../src/pull-requests/service.js";

type Person = { call: Caller; id: string; token: string };

const SECRET = "pull request test server secret";
const HOST_TOKEN = "host-api-token-0123456789";
const WEBHOOK_SECRET = "webhook secret of the repo";

let t: TestServer;
let member: Person;
let viewer: Person;
let tmp: { path: string; remove: () => Promise<void> };
let github: FakeGitHost;
let gitlab: FakeGitHost;
let gitea: FakeGitHost;
let project: { id: string; slug: string };

/** An HTTP git URL carrying a token as the password, as a user would type it. */
const withToken = (url: string, token: string) => url.replace("http://", `http://strand:${token}@`);

/** A repository on a fake host with one commit on main; returns its bare repository's path. */
async function seedUpstream(host: FakeGitHost, owner: string, repo: string): Promise<string> {
  const bare = await host.addGitRepo(owner, repo);
  const seed = join(tmp.path, `seed-${host.kind}-${repo}`);
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": `# ${repo}\n`, "src/app.js": "console.log('v1');\n" }, "first commit");
  await git(seed, "push", "--quiet", bare, "main");
  return bare;
}

/** Imports `owner/repo` from the fake host into the project, with the host token as the git password. */
async function importFrom(host: FakeGitHost, owner: string, repo: string, name: string) {
  const res = await member.call("POST", `/api/v1/projects/${project.id}/repos`, {
    body: { name, import_url: `${host.url}/${owner}/${repo}.git`, import_username: "bot", import_password: HOST_TOKEN },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** A session on `repo` whose branch holds one commit changing `file`, pushed to Strand. */
async function sessionWithWork(name: string, repo: string, cloneUrl: string, file = "src/app.js") {
  const created = await member.call("POST", "/api/v1/sessions", {
    body: { name, project_id: project.id, repo, start: false },
  });
  expect(created.status, created.text).toBe(201);
  const session = created.body;
  const token = (await issueApiToken(t.server.database.db, { userId: member.id, name: "agent", sessionId: session.id }))
    .token;
  const work = join(tmp.path, `work-${session.id}`);
  await git(tmp.path, "clone", "--quiet", withToken(cloneUrl, token), work);
  await git(work, "switch", "--quiet", "-c", session.branch);
  const commit = await commitFiles(work, { [file]: `// ${name}\n` }, `agent: ${name}`);
  const pushed = await gitResult(work, "push", "origin", session.branch);
  expect(pushed.ok, pushed.stderr).toBe(true);
  return { session, commit, work };
}

const configure = (repo: string, body: Record<string, unknown>) =>
  member.call("PATCH", `/api/v1/projects/${project.id}/repos/${repo}`, { body });

const openPr = (sessionId: string, body: Record<string, unknown> = {}) =>
  member.call("POST", `/api/v1/sessions/${sessionId}/pull-request`, { body });

/** A delivery signed the way GitHub signs them. */
function signed(payload: unknown, event: string, secret = WEBHOOK_SECRET) {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
  };
}

const post = (url: string, d: { body: Buffer | string; headers: Record<string, string> }) =>
  fetch(url, { method: "POST", headers: d.headers, body: d.body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, any>,
  }));

/** The poll round the server's timer runs, driven directly (the test server polls never). */
function poller(): PullRequestService {
  const box = new SecretBox(SECRET);
  const projects = new ProjectService(t.server.database.db, join(t.dataDir, "git"), box);
  return new PullRequestService(t.server.database.db, projects, pino({ level: "silent" }));
}

beforeAll(async () => {
  t = await startTestServer({ STRAND_SECRET: SECRET, STRAND_PR_POLL_SECONDS: "0" });
  tmp = await makeTempDir("strand-prs-");
  const owner = await t.newUser("pr-owner@example.com");
  member = await t.newUser("pr-member@example.com");
  viewer = await t.newUser("pr-viewer@example.com");
  const team = (await owner.call("POST", "/api/v1/teams", { body: { name: "PR Team" } })).body;
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: "pr-member@example.com" } });
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, {
    body: { email: "pr-viewer@example.com", role: "viewer" },
  });
  project = (await owner.call("POST", "/api/v1/projects", { body: { name: "PR App", team_id: team.id } })).body;
  github = await startFakeGitHost("github", { token: HOST_TOKEN, webhookSecret: WEBHOOK_SECRET });
  gitlab = await startFakeGitHost("gitlab", { token: HOST_TOKEN, webhookSecret: WEBHOOK_SECRET });
  gitea = await startFakeGitHost("gitea", { token: HOST_TOKEN, webhookSecret: WEBHOOK_SECRET });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([github?.close(), gitlab?.close(), gitea?.close()]);
  await tmp?.remove();
});

describe(`pull requests on the upstream host (${process.env.STRAND_TEST_DB})`, () => {
  let app: { clone_url: string; id: string };
  let upstream: string;

  beforeAll(async () => {
    upstream = await seedUpstream(github, "acme", "app");
    app = await importFrom(github, "acme", "app", "app");
  });

  it("says what to configure: the host kind of an unknown host, then a token", async () => {
    expect(app).toMatchObject({ upstream_url: `${github.url}/acme/app.git`, pull_requests: null });
    const { session } = await sessionWithWork("Needs config", "app", app.clone_url);
    const noKind = await openPr(session.id);
    expect(noKind.status).toBe(422);
    expect(noKind.body).toMatchObject({ error: "pull_requests_not_configured" });
    expect(noKind.body.message).toMatch(/cannot tell which software serves 127\.0\.0\.1/);
    expect(noKind.body.message).toContain(`strand repos update ${project.slug} app --host github|gitlab|gitea`);

    const kind = await configure("app", { host_kind: "github" });
    expect(kind.status, kind.text).toBe(200);
    expect(kind.body.pull_requests).toEqual({
      host_kind: "github",
      api_base: `${github.url}/api/v3`,
      token_set: false,
      webhook_secret_set: false,
      webhook_url: `${t.url}/api/v1/webhooks/repos/${app.id}`,
    });
    const noToken = await openPr(session.id);
    expect(noToken.status).toBe(422);
    expect(noToken.body.message).toMatch(/has no token for GitHub's API at http:\/\/127\.0\.0\.1:\d+\/api\/v3/);
    expect(noToken.body.message).toContain(`strand repos update ${project.slug} app --host-token-file`);
    expect(github.pulls).toEqual([]);

    const wrongKind = await configure("app", { host_kind: "gitlab", host_api_base: "ftp://x" });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.message).toMatch(/host_api_base must be an http\(s\) URL/);
    expect(
      (await viewer.call("PATCH", `/api/v1/projects/${project.id}/repos/app`, { body: { host_token: "x" } })).status,
    ).toBe(403);
    const born = await member.call("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "local" } });
    expect(born.status).toBe(201);
    const local = await configure("local", { host_kind: "github" });
    expect(local.status).toBe(409);
    expect(local.body).toMatchObject({ error: "no_upstream", message: expect.stringMatching(/not imported/) });
  });

  it("opens a pull request, and a webhook saying merged shows on the session", async () => {
    const set = await configure("app", { host_token: HOST_TOKEN, webhook_secret: WEBHOOK_SECRET });
    expect(set.status, set.text).toBe(200);
    expect(set.body.pull_requests).toMatchObject({ token_set: true, webhook_secret_set: true });
    expect(set.text).not.toContain(HOST_TOKEN);
    expect(set.text).not.toContain(WEBHOOK_SECRET);
    const webhookUrl: string = set.body.pull_requests.webhook_url;

    const { session, commit } = await sessionWithWork("Fix login", "app", app.clone_url);
    expect((await viewer.call("POST", `/api/v1/sessions/${session.id}/pull-request`, { body: {} })).status).toBe(403);
    const opened = await openPr(session.id);
    expect(opened.status, opened.text).toBe(201);
    expect(opened.body).toMatchObject({
      number: expect.any(Number),
      url: `${github.url}/acme/app/pull/${opened.body.number}`,
      state: "open",
      host_kind: "github",
      head: "strand/fix-login",
      base: "main",
    });
    // The branch reached the upstream, and the host got the pull request Strand asked for.
    expect(await resolveRef(upstream, "refs/heads/strand/fix-login")).toBe(commit);
    const posted = github.requests.filter((r) => r.method === "POST" && r.url === "/api/v3/repos/acme/app/pulls");
    expect(posted).toHaveLength(1);
    expect(posted[0]?.headers.authorization).toBe(`Bearer ${HOST_TOKEN}`);
    expect(posted[0]?.body).toMatchObject({ head: "strand/fix-login", base: "main", title: "Fix login" });
    const description = (posted[0]?.body as { body?: string } | undefined)?.body;
    expect(description).toContain(`${t.url}/sessions/${session.id}`);
    expect(description).toContain("- agent: Fix login");

    const shown = await viewer.call("GET", `/api/v1/sessions/${session.id}`);
    expect(shown.body.pull_request).toMatchObject({ number: opened.body.number, state: "open" });
    const listed = await viewer.call("GET", "/api/v1/sessions");
    expect(listed.body.items.find((s: { id: string }) => s.id === session.id).pull_request.state).toBe("open");
    expect((await viewer.call("GET", `/api/v1/sessions/${session.id}/pull-request`)).body).toEqual(opened.body);

    const again = await openPr(session.id, { title: "ignored" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(opened.body);
    expect(github.requests.filter((r) => r.method === "POST")).toHaveLength(1);

    // A delivery whose signature does not match changes nothing.
    const forged = github.webhook(opened.body.number, "merged");
    forged.headers["x-hub-signature-256"] = `sha256=${"0".repeat(64)}`;
    const refused = await post(webhookUrl, forged);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: "invalid_signature" });
    expect(refused.body.message).toContain("webhook secret");
    expect((await viewer.call("GET", `/api/v1/sessions/${session.id}`)).body.pull_request.state).toBe("open");

    const delivered = await github.sendWebhook(webhookUrl, opened.body.number, "merged");
    expect(delivered.status, delivered.text).toBe(200);
    expect(JSON.parse(delivered.text)).toMatchObject({ outcome: "updated" });
    const merged = await viewer.call("GET", `/api/v1/sessions/${session.id}`);
    expect(merged.body.pull_request).toMatchObject({ number: opened.body.number, state: "merged" });
    // Live views hear it as a session update carrying the pull request.
    const [last] = await t.server.database.db
      .select()
      .from(events)
      .where(eq(events.sessionId, session.id))
      .orderBy(desc(events.id))
      .limit(1);
    expect(last?.type).toBe("session.updated");
    expect((last?.payload as { pull_request?: { state: string } } | undefined)?.pull_request?.state).toBe("merged");
    // A replay of the same delivery is fine and changes nothing.
    const replay = await post(webhookUrl, github.webhook(opened.body.number, "merged"));
    expect(replay).toMatchObject({ status: 200, body: { outcome: "unchanged" } });
  });

  it("acknowledges deliveries about nothing it tracks, and refuses unknown repos and bad bodies", async () => {
    const url = `${t.url}/api/v1/webhooks/repos/${app.id}`;
    const ping = await post(url, signed({ zen: "Keep it logically awesome.", hook_id: 1 }, "ping"));
    expect(ping).toMatchObject({ status: 202, body: { outcome: "ignored" } });
    const foreign = await post(
      url,
      signed(
        {
          action: "closed",
          number: 999,
          pull_request: { number: 999, merged: true },
          repository: { full_name: "acme/app" },
        },
        "pull_request",
      ),
    );
    expect(foreign).toMatchObject({
      status: 202,
      body: { outcome: "ignored", message: expect.stringMatching(/#999 .*not opened by Strand/) },
    });
    const otherRepo = await post(
      url,
      signed(
        {
          action: "closed",
          number: 1,
          pull_request: { number: 1, merged: true },
          repository: { full_name: "evil/app" },
        },
        "pull_request",
      ),
    );
    expect(otherRepo.status).toBe(202);
    const broken = Buffer.from("{not json");
    const malformed = await post(url, {
      body: broken,
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(broken).digest("hex")}`,
      },
    });
    expect(malformed).toMatchObject({ status: 400, body: { error: "invalid_json" } });
    const unsigned = await post(url, { body: "{}", headers: { "content-type": "text/plain" } });
    expect(unsigned.status).toBe(401);
    const unknown = await post(`${t.url}/api/v1/webhooks/repos/repo_nope`, signed({}, "ping"));
    expect(unknown).toMatchObject({ status: 404, body: { error: "not_found" } });
  });

  it("a pull request closed on the host shows closed after a poll round", async () => {
    const { session } = await sessionWithWork("Polled", "app", app.clone_url);
    const opened = await openPr(session.id);
    expect(opened.status, opened.text).toBe(201);
    github.setState(opened.body.number, "closed");
    const report = await poller().pollRound({ olderThanMs: 0 });
    expect(report.errors).toEqual([]);
    expect(report.changed).toEqual([{ id: expect.any(String), state: "closed" }]);
    expect((await member.call("GET", `/api/v1/sessions/${session.id}`)).body.pull_request.state).toBe("closed");
    // Closed and merged ones are not asked about again.
    expect((await poller().pollRound({ olderThanMs: 0 })).checked).toBe(0);
  });

  it("a host that cannot be reached answers 502 saying so, and records nothing", async () => {
    const { session } = await sessionWithWork("Host down", "app", app.clone_url);
    expect((await configure("app", { host_api_base: "http://127.0.0.1:1/api/v3" })).status).toBe(200);
    const down = await openPr(session.id);
    expect(down.status).toBe(502);
    expect(down.body).toMatchObject({ error: "host_error", details: { host: "github", host_status: 0 } });
    expect(down.body.message).toMatch(/GitHub could not be reached while opening a pull request .*127\.0\.0\.1:1/);
    expect((await member.call("GET", `/api/v1/sessions/${session.id}/pull-request`)).status).toBe(404);
    expect((await member.call("GET", `/api/v1/sessions/${session.id}`)).body.pull_request).toBeNull();

    expect((await configure("app", { host_api_base: null })).status).toBe(200);
    github.apiDown = true;
    const outage = await openPr(session.id);
    github.apiDown = false;
    expect(outage.status).toBe(502);
    expect(outage.body.message).toMatch(/GitHub answered 503 .*try again later/);
    expect((await openPr(session.id)).status).toBe(201);
  });

  it("opens merge requests on GitLab and pull requests on Gitea", async () => {
    await seedUpstream(gitlab, "group/sub", "svc");
    const glRepo = await importFrom(gitlab, "group/sub", "svc", "svc");
    expect(
      (await configure("svc", { host_kind: "gitlab", host_token: HOST_TOKEN, webhook_secret: WEBHOOK_SECRET })).status,
    ).toBe(200);
    const gl = await sessionWithWork("GitLab work", "svc", glRepo.clone_url);
    const mr = await openPr(gl.session.id, { title: "A merge request", body: "by hand" });
    expect(mr.status, mr.text).toBe(201);
    expect(mr.body).toMatchObject({
      host_kind: "gitlab",
      state: "open",
      url: expect.stringContaining("/-/merge_requests/"),
    });
    expect(
      gitlab.requests.find((r) => r.method === "POST" && r.url === "/api/v4/projects/group%2Fsub%2Fsvc/merge_requests")
        ?.body,
    ).toMatchObject({
      source_branch: gl.session.branch,
      target_branch: "main",
      title: "A merge request",
      description: "by hand",
    });
    const hook = await gitlab.sendWebhook(`${t.url}/api/v1/webhooks/repos/${glRepo.id}`, mr.body.number, "merged");
    expect(hook.status, hook.text).toBe(200);
    expect((await member.call("GET", `/api/v1/sessions/${gl.session.id}`)).body.pull_request.state).toBe("merged");

    await seedUpstream(gitea, "acme", "web");
    const giteaRepo = await importFrom(gitea, "acme", "web", "web");
    expect((await configure("web", { host_kind: "gitea", host_token: HOST_TOKEN })).status).toBe(200);
    const gt = await sessionWithWork("Gitea work", "web", giteaRepo.clone_url);
    const pr = await openPr(gt.session.id);
    expect(pr.status, pr.text).toBe(201);
    expect(pr.body).toMatchObject({
      host_kind: "gitea",
      state: "open",
      url: `${gitea.url}/acme/web/pulls/${pr.body.number}`,
    });
    // No webhook secret on this repo: deliveries cannot be trusted and say how to fix it.
    const untrusted = await post(`${t.url}/api/v1/webhooks/repos/${giteaRepo.id}`, signed({}, "pull_request"));
    expect(untrusted).toMatchObject({ status: 409, body: { error: "webhook_not_configured" } });
    expect(untrusted.body.message).toContain("--webhook-secret");
  });
});

describe(`merges and the upstream (${process.env.STRAND_TEST_DB})`, () => {
  let repo: { clone_url: string };
  let upstream: string;
  let upstreamWork: string;

  beforeAll(async () => {
    upstream = await seedUpstream(github, "acme", "lib");
    repo = await importFrom(github, "acme", "lib", "lib");
    upstreamWork = join(tmp.path, "upstream-lib-work");
    await git(tmp.path, "clone", "--quiet", upstream, upstreamWork);
  });

  it("a merge while the upstream moved lands on top of it and reaches the upstream", async () => {
    const { session, commit } = await sessionWithWork("Lib change", "lib", repo.clone_url, "src/lib.js");
    // Someone pushes to the upstream's main after the session started.
    const moved = await commitFiles(upstreamWork, { "CHANGELOG.md": "upstream\n" }, "upstream moved");
    await git(upstreamWork, "push", "--quiet", "origin", "main");

    const merged = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
    expect(merged.status, merged.text).toBe(200);
    const tip = await resolveRef(upstream, "refs/heads/main");
    expect(tip).toBe(merged.body.commit);
    await git(upstreamWork, "fetch", "--quiet", "origin");
    expect((await gitResult(upstreamWork, "merge-base", "--is-ancestor", moved, "origin/main")).ok).toBe(true);
    expect((await gitResult(upstreamWork, "merge-base", "--is-ancestor", commit, "origin/main")).ok).toBe(true);
    await git(upstreamWork, "merge", "--quiet", "--ff-only", "origin/main");
  });

  it("a base that moved on both sides is refused with what to do, and nothing moves", async () => {
    const { session } = await sessionWithWork("Diverged", "lib", repo.clone_url, "src/other.js");
    // Strand's main gets a commit the upstream lacks (a member's fast-forward push)…
    const strandWork = join(tmp.path, "strand-lib-work");
    await git(tmp.path, "clone", "--quiet", withToken(repo.clone_url, member.token), strandWork);
    await commitFiles(strandWork, { "strand.txt": "strand\n" }, "on Strand only");
    expect((await gitResult(strandWork, "push", "origin", "main")).ok).toBe(true);
    const ahead = await member.call("POST", `/api/v1/projects/${project.id}/repos/lib/fetch`);
    expect(ahead.status, ahead.text).toBe(200);
    expect(ahead.body).toMatchObject({ ahead: ["refs/heads/main"], rejected: [] });
    // …and the upstream one Strand lacks.
    await commitFiles(upstreamWork, { "upstream.txt": "upstream\n" }, "on the upstream only");
    await git(upstreamWork, "push", "--quiet", "origin", "main");
    const upstreamTip = await resolveRef(upstream, "refs/heads/main");

    const refused = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: "upstream_diverged" });
    expect(refused.body.message).toMatch(/main of repo lib has commits on Strand that the upstream .* lacks/);
    expect(await resolveRef(upstream, "refs/heads/main")).toBe(upstreamTip);

    const fetched = await member.call("POST", `/api/v1/projects/${project.id}/repos/lib/fetch`);
    expect(fetched.body.rejected).toEqual([{ ref: "refs/heads/main", reason: expect.stringMatching(/diverged/) }]);
    const pushed = await member.call("POST", `/api/v1/projects/${project.id}/repos/lib/push`, { body: {} });
    expect(pushed.status).toBe(409);
    expect(pushed.body.message).toMatch(/refused refs\/heads\/main/);

    // Brought together on Strand (the upstream's main merged in), the merge goes through.
    await git(
      strandWork,
      "pull",
      "--quiet",
      "--no-rebase",
      "--no-edit",
      withToken(`${github.url}/acme/lib.git`, HOST_TOKEN),
      "main",
    );
    expect((await gitResult(strandWork, "push", "origin", "main")).ok).toBe(true);
    const merged = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
    expect(merged.status, merged.text).toBe(200);
    expect(await resolveRef(upstream, "refs/heads/main")).toBe(merged.body.commit);
  });

  it("a merge the upstream refuses to take is undone on Strand", async () => {
    const { session } = await sessionWithWork("Refused", "lib", repo.clone_url, "src/refused.js");
    const strandMain = await member.call("GET", `/api/v1/projects/${project.id}/repos/lib`);
    const before = strandMain.body.branches.find((b: { name: string }) => b.name === "main").commit;
    // The upstream protects main, as a host's branch protection would.
    const hook = join(upstream, "hooks", "pre-receive");
    await writeFile(
      hook,
      '#!/bin/sh\nwhile read old new ref; do [ "$ref" = refs/heads/main ] && echo "main is protected" >&2 && exit 1; done\nexit 0\n',
    );
    await chmod(hook, 0o755);
    try {
      const refused = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: "upstream_refused" });
      expect(refused.body.message).toMatch(/pushing it to the upstream failed: .*the merge was undone on Strand/);
      const after = await member.call("GET", `/api/v1/projects/${project.id}/repos/lib`);
      expect(after.body.branches.find((b: { name: string }) => b.name === "main").commit).toBe(before);
    } finally {
      await rm(hook);
    }
    const merged = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
    expect(merged.status, merged.text).toBe(200);
    expect(await resolveRef(upstream, "refs/heads/main")).toBe(merged.body.commit);
  });

  it("fetches and pushes on demand; viewers may do neither", async () => {
    await git(upstreamWork, "fetch", "--quiet", "origin");
    await git(upstreamWork, "switch", "--quiet", "-c", "feature", "origin/main");
    const feature = await commitFiles(upstreamWork, { "f.txt": "f\n" }, "feature");
    await git(upstreamWork, "push", "--quiet", "origin", "feature");
    expect((await viewer.call("POST", `/api/v1/projects/${project.id}/repos/lib/fetch`)).status).toBe(403);
    const fetched = await member.call("POST", `/api/v1/projects/${project.id}/repos/lib/fetch`);
    expect(fetched.body.updated).toEqual([{ ref: "refs/heads/feature", old: null, new: feature }]);
    const up = await member.call("POST", `/api/v1/projects/${project.id}/repos/lib/push`, {
      body: { branches: ["main", "feature"] },
    });
    expect(up.status, up.text).toBe(200);
    // git reports refs in its own order.
    const byRef = (a: { ref: string }, b: { ref: string }) => a.ref.localeCompare(b.ref);
    expect([...up.body.pushed].sort(byRef)).toEqual([
      { ref: "refs/heads/feature", status: "up_to_date", summary: expect.any(String) },
      { ref: "refs/heads/main", status: "up_to_date", summary: expect.any(String) },
    ]);
    const missing = await member.call("POST", `/api/v1/projects/${project.id}/repos/lib/push`, {
      body: { branches: ["nope"] },
    });
    expect(missing).toMatchObject({ status: 404, body: { message: expect.stringMatching(/has no branch nope/) } });
    expect((await member.call("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "born" } })).status).toBe(
      201,
    );
    const none = await member.call("POST", `/api/v1/projects/${project.id}/repos/born/fetch`);
    expect(none).toMatchObject({ status: 409, body: { error: "no_upstream" } });
  });
});
