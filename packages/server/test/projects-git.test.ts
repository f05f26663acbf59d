import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { issueApiToken } from "../src/auth/api-tokens.js";
import { commitFiles, git, gitResult, initWorkTree, makeTempDir } from "../src/git/test-kit.js";

type Person = { call: Caller; id: string; token: string };

let t: TestServer;
let owner: Person;
let member: Person;
let viewer: Person;
let tmp: { path: string; remove: () => Promise<void> };
let project: { id: string; slug: string };
let cloneUrl: string;

/** An HTTP git URL carrying a token as the password, as a user would type it. */
const withToken = (url: string, token: string) => url.replace("http://", `http://strand:${token}@`);

beforeAll(async () => {
  t = await startTestServer();
  tmp = await makeTempDir("strand-projects-");
  owner = await t.newUser("p-owner@example.com");
  member = await t.newUser("p-member@example.com");
  viewer = await t.newUser("p-viewer@example.com");
  const team = (await owner.call("POST", "/api/v1/teams", { body: { name: "Repo Team" } })).body;
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: "p-member@example.com" } });
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, {
    body: { email: "p-viewer@example.com", role: "viewer" },
  });
  // The upstream: a repo served by git over HTTP on this host (Strand's own hosting, in another project).
  const upstreamProject = (await owner.call("POST", "/api/v1/projects", { body: { name: "Upstream" } })).body;
  const upstream = await owner.call("POST", `/api/v1/projects/${upstreamProject.id}/repos`, {
    body: { name: "origin" },
  });
  expect(upstream.status, upstream.text).toBe(201);
  const seed = join(tmp.path, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# app\n", "src/app.js": "console.log('v1');\n" }, "first commit");
  await git(seed, "push", withToken(upstream.body.clone_url, owner.token), "main");

  const created = await owner.call("POST", "/api/v1/projects", { body: { name: "App", team_id: team.id } });
  expect(created.status, created.text).toBe(201);
  project = created.body;
  const imported = await owner.call("POST", `/api/v1/projects/${project.id}/repos`, {
    body: { name: "app", import_url: upstream.body.clone_url, import_username: "strand", import_password: owner.token },
  });
  expect(imported.status, imported.text).toBe(201);
  expect(imported.body).toMatchObject({ name: "app", default_branch: "main", upstream_url: upstream.body.clone_url });
  cloneUrl = imported.body.clone_url;
  expect(cloneUrl).toBe(`${t.url}/git/app/app.git`);
});
afterAll(async () => {
  await t?.stop();
  await tmp?.remove();
});

describe(`projects and git hosting (${process.env.STRAND_TEST_DB})`, () => {
  it("a project has a slug and settings with defaults", async () => {
    const got = await member.call("GET", `/api/v1/projects/${project.slug}`);
    expect(got.body).toMatchObject({
      slug: "app",
      branch_prefix: "strand/",
      merge_strategy: "merge",
      checkpoints: true,
    });
    const patched = await member.call("PATCH", `/api/v1/projects/${project.id}`, {
      body: { merge_strategy: "squash" },
    });
    expect(patched.body.merge_strategy).toBe("squash");
    expect(
      (await viewer.call("PATCH", `/api/v1/projects/${project.id}`, { body: { checkpoints: false } })).status,
    ).toBe(403);
    await member.call("PATCH", `/api/v1/projects/${project.id}`, { body: { merge_strategy: "merge" } });
  });

  it("clones over HTTP with an API token; a viewer fetches but cannot push; no token asks for one", async () => {
    const dir = join(tmp.path, "viewer-clone");
    await git(tmp.path, "clone", withToken(cloneUrl, viewer.token), dir);
    expect(await readFile(join(dir, "README.md"), "utf8")).toBe("# app\n");
    await commitFiles(dir, { "x.txt": "x\n" }, "viewer change");
    const push = await gitResult(dir, "push", "origin", "HEAD:refs/heads/viewer-branch");
    expect(push.ok).toBe(false);
    expect(push.stderr).toMatch(/403|viewers may fetch/);
    const anonymous = await gitResult(tmp.path, "clone", cloneUrl, join(tmp.path, "anon"));
    expect(anonymous.ok).toBe(false);
    expect(anonymous.stderr).toMatch(/Authentication failed|could not read Username|401/);
    const stranger = await t.newUser("p-stranger@example.com");
    const hidden = await gitResult(tmp.path, "clone", withToken(cloneUrl, stranger.token), join(tmp.path, "s"));
    expect(hidden.ok).toBe(false);
    expect(hidden.stderr).toMatch(/not found|404/);
  });

  it("a revoked token is refused", async () => {
    const tok = (await member.call("POST", "/api/v1/tokens", { body: { name: "short-lived" } })).body;
    await member.call("DELETE", `/api/v1/tokens/${tok.id}`);
    const res = await gitResult(tmp.path, "ls-remote", withToken(cloneUrl, tok.token));
    expect(res.ok).toBe(false);
    expect(res.stderr).toMatch(/Authentication failed|401/);
  });

  it("says what went wrong with a bad import and leaves nothing behind", async () => {
    const fileUrl = await member.call("POST", `/api/v1/projects/${project.id}/repos`, {
      body: { name: "local", import_url: "file:///etc" },
    });
    expect(fileUrl.status).toBe(400);
    expect(fileUrl.body.message).toMatch(/file/);
    const refused = await member.call("POST", `/api/v1/projects/${project.id}/repos`, {
      body: { name: "nowhere", import_url: "http://127.0.0.1:1/none.git" },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.message).toMatch(/127\.0\.0\.1:1/);
    const metadata = await member.call("POST", `/api/v1/projects/${project.id}/repos`, {
      body: { name: "meta", import_url: "http://169.254.169.254/latest/meta-data.git" },
    });
    expect(metadata.status).toBe(400);
    expect(metadata.body.message).toMatch(/169\.254\.0\.0\/16.*never connects/);
    const names = (await member.call("GET", `/api/v1/projects/${project.id}/repos`)).body.items.map(
      (r: { name: string }) => r.name,
    );
    expect(names).toEqual(["app"]);
    const dup = await member.call("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "app" } });
    expect(dup.status).toBe(409);
  });

  it("a session works on its own branch: it pushes there, is refused on main, and its work merges", async () => {
    const created = await member.call("POST", "/api/v1/sessions", {
      body: { name: "Fix login", project_id: project.id, start: false },
    });
    expect(created.status, created.text).toBe(201);
    const session = created.body;
    expect(session).toMatchObject({ project_id: project.id, repo: "app", branch: "strand/fix-login", base: "main" });
    expect(session.team_id).not.toBeNull();
    const token = (
      await issueApiToken(t.server.database.db, { userId: member.id, name: "agent", sessionId: session.id })
    ).token;

    const work = join(tmp.path, "session-work");
    await git(tmp.path, "clone", withToken(cloneUrl, token), work);
    await git(work, "switch", "-c", "strand/fix-login");
    await commitFiles(work, { "src/app.js": "console.log('v2');\n" }, "agent: fix login");
    expect((await gitResult(work, "push", "origin", "strand/fix-login")).ok).toBe(true);
    const toMain = await gitResult(work, "push", "origin", "HEAD:main");
    expect(toMain.ok).toBe(false);
    expect(toMain.stderr).toMatch(/strand: refused refs\/heads\/main/);
    const other = await gitResult(work, "push", "origin", "HEAD:refs/heads/someone-else");
    expect(other.ok).toBe(false);

    const changes = await viewer.call("GET", `/api/v1/sessions/${session.id}/changes`);
    expect(changes.status, changes.text).toBe(200);
    expect(changes.body.files).toEqual([
      expect.objectContaining({ path: "src/app.js", status: "modified", additions: 1, deletions: 1, binary: false }),
    ]);
    expect(changes.body.files[0].patch).toContain("+console.log('v2');");

    expect((await viewer.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} })).status).toBe(403);
    const merged = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
    expect(merged.status, merged.text).toBe(200);
    expect(merged.body).toMatchObject({ base_branch: "main", strategy: "merge" });
    const fresh = join(tmp.path, "fresh");
    await git(tmp.path, "clone", withToken(cloneUrl, member.token), fresh);
    expect(await readFile(join(fresh, "src/app.js"), "utf8")).toBe("console.log('v2');\n");
    const again = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("nothing_to_merge");
  });

  it("a conflicting branch answers 409 merge_conflict with the files", async () => {
    const session = (
      await member.call("POST", "/api/v1/sessions", {
        body: { name: "Conflict", project_id: project.id, start: false },
      })
    ).body;
    const token = (
      await issueApiToken(t.server.database.db, { userId: member.id, name: "agent", sessionId: session.id })
    ).token;
    const work = join(tmp.path, "conflict-work");
    await git(tmp.path, "clone", withToken(cloneUrl, token), work);
    await git(work, "switch", "-c", session.branch, "origin/main~1");
    await commitFiles(work, { "src/app.js": "console.log('v3');\n" }, "agent: other fix");
    expect((await gitResult(work, "push", "origin", session.branch)).ok).toBe(true);
    const res = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: { strategy: "squash" } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: "merge_conflict", details: { files: ["src/app.js"] } });
  });

  it("a session whose repo was deleted says so on review and merge; only managers may delete a repo", async () => {
    const scratch = await member.call("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "scratch" } });
    expect(scratch.status).toBe(201);
    const seed = join(tmp.path, "scratch-seed");
    await initWorkTree(seed);
    await commitFiles(seed, { "a.txt": "a\n" }, "first");
    await git(seed, "push", withToken(scratch.body.clone_url, member.token), "main");
    const session = (
      await member.call("POST", "/api/v1/sessions", {
        body: { name: "On scratch", project_id: project.id, repo: "scratch", start: false },
      })
    ).body;
    expect((await member.call("DELETE", `/api/v1/projects/${project.id}/repos/scratch`)).status).toBe(403);
    expect((await owner.call("DELETE", `/api/v1/projects/${project.id}/repos/scratch`)).status).toBe(204);
    const changes = await member.call("GET", `/api/v1/sessions/${session.id}/changes`);
    expect(changes.status).toBe(409);
    expect(changes.body).toMatchObject({
      error: "repo_gone",
      message: expect.stringMatching(/scratch .* was deleted/),
    });
    const merge = await member.call("POST", `/api/v1/sessions/${session.id}/merge`, { body: {} });
    expect(merge.body.error).toBe("repo_gone");
    const clone = await gitResult(tmp.path, "ls-remote", withToken(scratch.body.clone_url, member.token));
    expect(clone.ok).toBe(false);
  });

  it("refuses a session on a protected branch or an unknown repo, saying why", async () => {
    const main = await member.call("POST", "/api/v1/sessions", {
      body: { name: "x", project_id: project.id, branch: "main", start: false },
    });
    expect(main.status).toBe(400);
    expect(main.body.message).toMatch(/protected/);
    const repo = await member.call("POST", "/api/v1/sessions", {
      body: { name: "x", project_id: project.id, repo: "nope", start: false },
    });
    expect(repo.status).toBe(400);
    expect(repo.body.message).toMatch(/has no repo nope; it has: app/);
    const byViewer = await viewer.call("POST", "/api/v1/sessions", {
      body: { name: "x", project_id: project.id, start: false },
    });
    expect(byViewer.status).toBe(403);
  });
});
