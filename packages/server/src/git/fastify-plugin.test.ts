import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitHttpPlugin } from "./fastify-plugin.js";
import { resolveRef } from "./inspect.js";
import { PRE_RECEIVE_SCRIPT, prePushEnv } from "./push-env.js";
import type { PushPolicy } from "./push-policy.js";
import { RepoStore } from "./repo-store.js";
import { basicCredentials, commitFiles, git, gitResult, httpError, makeTempDir, startGitServer } from "./test-kit.js";

const PASSWORDS: Record<string, string> = {
  alice: "alice-pw",
  viewer: "viewer-pw",
  agent: "agent-pw",
  leaver: "leaver-pw",
};
const SESSION_BRANCH = "strand/fix-login";

describe("gitHttpPlugin: clone and push through git http-backend", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: RepoStore;
  let server: Awaited<ReturnType<typeof startGitServer>>;
  let repoPath: string;
  let onLeaverAuthorized = () => {};
  const repoUrl = (user?: string, password = user ? PASSWORDS[user] : undefined) =>
    `${server.base.replace("http://", `http://${user ? `${user}:${password}@` : ""}`)}/git/acme/app.git`;

  beforeAll(async () => {
    tmp = await makeTempDir();
    store = new RepoStore(join(tmp.path, "repos"));
    repoPath = await store.create("acme", "app");
    server = await startGitServer(store, async (req, { service }) => {
      const creds = basicCredentials(req);
      if (!creds) throw httpError(401, "sign in with your Strand token");
      if (PASSWORDS[creds.user] !== creds.password) throw httpError(401, "wrong token");
      if (creds.user === "leaver") onLeaverAuthorized();
      if (creds.user === "viewer" && service === "receive-pack") throw httpError(403, "viewers cannot push");
      const policy: PushPolicy =
        creds.user === "agent"
          ? { kind: "session", branch: SESSION_BRANCH, protectedBranches: ["main"] }
          : { kind: "user", canPush: creds.user !== "viewer", protectedBranches: ["main"] };
      return { remoteUser: creds.user, env: prePushEnv(policy) };
    });
  });
  afterAll(async () => {
    await server?.close();
    await tmp?.remove();
  });

  it("points the hook at the compiled pre-receive.js in dist", () => {
    expect(PRE_RECEIVE_SCRIPT).toMatch(/\/packages\/server\/dist\/git\/pre-receive\.js$/);
    expect(existsSync(PRE_RECEIVE_SCRIPT)).toBe(true);
  });

  it("asks for credentials with 401 and WWW-Authenticate: Basic", async () => {
    const res = await fetch(`${repoUrl()}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="Strand"');
    expect(await res.text()).toContain("sign in with your Strand token");
    const clone = await gitResult(tmp.path, "clone", repoUrl(), join(tmp.path, "anon"));
    expect(clone.ok).toBe(false);
    // git tried to prompt for a username, which is what a credential helper answers.
    expect(clone.stderr).toMatch(/could not read Username/);
  });

  it("answers 404 with a clear message for an unknown repository", async () => {
    const auth = `Basic ${Buffer.from("alice:alice-pw").toString("base64")}`;
    const res = await fetch(`${server.base}/git/acme/nope.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth },
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("repository acme/nope does not exist\n");
    const dumb = await fetch(`${server.base}/git/acme/app.git/HEAD`, { headers: { authorization: auth } });
    expect(dumb.status).toBe(404);
  });

  it("lets a member push main and others clone it", async () => {
    const work = join(tmp.path, "alice");
    await git(tmp.path, "clone", "--quiet", repoUrl("alice"), work);
    const first = await commitFiles(work, { "README.md": "# app\n" }, "first");
    await git(work, "push", "--quiet", "origin", "main");
    expect(await resolveRef(repoPath, "main")).toBe(first);

    const copy = join(tmp.path, "alice-copy");
    await git(tmp.path, "clone", "--quiet", repoUrl("viewer"), copy);
    expect(await git(copy, "rev-parse", "HEAD")).toBe(first);
  });

  it("streams a push larger than git's post buffer (chunked request body)", async () => {
    const work = join(tmp.path, "alice");
    await git(work, "switch", "--quiet", "-c", "big");
    const big = await commitFiles(work, { "blob.bin": randomBytes(3 * 1024 * 1024) }, "big blob");
    await git(work, "push", "--quiet", "origin", "big");
    expect(await resolveRef(repoPath, "big")).toBe(big);
    const copy = join(tmp.path, "big-copy");
    await git(tmp.path, "clone", "--quiet", "--branch", "big", repoUrl("alice"), copy);
    expect(await git(copy, "rev-parse", "HEAD")).toBe(big);
    await git(work, "switch", "--quiet", "main");
  });

  it("refuses a member's non-fast-forward push to protected main, with the reason in git's output", async () => {
    const work = join(tmp.path, "alice");
    const before = await resolveRef(repoPath, "main");
    await git(work, "commit", "--quiet", "--amend", "-m", "rewritten");
    const push = await gitResult(work, "push", "--force", "origin", "main");
    expect(push.ok).toBe(false);
    expect(push.stderr).toMatch(
      /remote: strand: refused refs\/heads\/main: main is protected: force-push refused: main is at [0-9a-f]{12}, which is not an ancestor/,
    );
    expect(await resolveRef(repoPath, "main")).toBe(before);
    await git(work, "reset", "--quiet", "--hard", "origin/main");
  });

  it("lets a session push its own branch and nothing else", async () => {
    const work = join(tmp.path, "agent");
    await git(tmp.path, "clone", "--quiet", repoUrl("agent"), work);
    await git(work, "switch", "--quiet", "-c", SESSION_BRANCH);
    const fix = await commitFiles(work, { "login.ts": "export const ok = true;\n" }, "fix login");
    const own = await gitResult(work, "push", "origin", SESSION_BRANCH);
    expect(own.ok).toBe(true);
    expect(await resolveRef(repoPath, SESSION_BRANCH)).toBe(fix);

    const mainBefore = await resolveRef(repoPath, "main");
    const toMain = await gitResult(work, "push", "origin", `${SESSION_BRANCH}:main`);
    expect(toMain.ok).toBe(false);
    expect(toMain.stderr).toContain(
      "remote: strand: refused refs/heads/main: main is protected: open a merge from the Strand UI instead",
    );
    expect(await resolveRef(repoPath, "main")).toBe(mainBefore);

    const other = await gitResult(work, "push", "origin", `${SESSION_BRANCH}:feature/other`);
    expect(other.ok).toBe(false);
    expect(other.stderr).toContain(
      `strand: refused refs/heads/feature/other: a session may push only its own branch ${SESSION_BRANCH}`,
    );
    expect(await resolveRef(repoPath, "feature/other")).toBeNull();
  });

  it("refuses a session's force-push and branch deletion", async () => {
    const work = join(tmp.path, "agent");
    const pushed = await resolveRef(repoPath, SESSION_BRANCH);
    await git(work, "commit", "--quiet", "--amend", "-m", "fix login, reworded");
    const force = await gitResult(work, "push", "--force", "origin", SESSION_BRANCH);
    expect(force.ok).toBe(false);
    expect(force.stderr).toMatch(
      /remote: strand: refused refs\/heads\/strand\/fix-login: force-push refused: strand\/fix-login is at [0-9a-f]{12}, which is not an ancestor of [0-9a-f]{12}/,
    );
    expect(await resolveRef(repoPath, SESSION_BRANCH)).toBe(pushed);

    const del = await gitResult(work, "push", "origin", `:${SESSION_BRANCH}`);
    expect(del.ok).toBe(false);
    expect(del.stderr).toContain(`remote: strand: refused refs/heads/${SESSION_BRANCH}: deleting branches is refused`);
    expect(await resolveRef(repoPath, SESSION_BRANCH)).toBe(pushed);
  });

  it("refuses a viewer's push with 403", async () => {
    const work = join(tmp.path, "viewer");
    await git(tmp.path, "clone", "--quiet", repoUrl("viewer"), work);
    await git(work, "switch", "--quiet", "-c", "viewer-branch");
    await commitFiles(work, { "v.txt": "v\n" }, "viewer work");
    const push = await gitResult(work, "push", "origin", "viewer-branch");
    expect(push.ok).toBe(false);
    expect(push.stderr).toContain("The requested URL returned error: 403");
    expect(await resolveRef(repoPath, "viewer-branch")).toBeNull();
  });

  it("survives a client that disconnects in the middle of a push", async () => {
    const { request } = await import("node:http");
    const port = new URL(server.base).port;
    await new Promise<void>((resolve) => {
      const req = request({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/git/acme/app.git/git-receive-pack",
        headers: {
          authorization: `Basic ${Buffer.from("leaver:leaver-pw").toString("base64")}`,
          "content-type": "application/x-git-receive-pack-request",
          "transfer-encoding": "chunked",
        },
      });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      const zero = "0".repeat(40);
      const line = `${zero} ${"1".repeat(40)} refs/heads/half\0report-status\n`;
      req.write(`${(line.length + 4).toString(16).padStart(4, "0")}${line}0000PACK`);
      // The server has the request and is starting git when the client vanishes.
      onLeaverAuthorized = () => setImmediate(() => req.destroy());
    });
    // The server is still serving, and nothing of the half push arrived.
    const again = await gitResult(tmp.path, "ls-remote", repoUrl("alice"));
    expect(again.ok).toBe(true);
    expect(again.stdout).toContain("refs/heads/main");
    expect(await resolveRef(repoPath, "half")).toBeNull();
  });
});

describe("gitHttpPlugin wiring", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: RepoStore;
  beforeAll(async () => {
    tmp = await makeTempDir();
    store = new RepoStore(join(tmp.path, "repos"));
    await store.create("acme", "app");
  });
  afterAll(() => tmp?.remove());

  it("keeps its pack body parsers to its own routes", async () => {
    const app = Fastify({ logger: false });
    await app.register(gitHttpPlugin, { store, authorize: async () => ({ remoteUser: "x" }) });
    app.post("/other", async () => "ok");
    const res = await app.inject({
      method: "POST",
      url: "/other",
      headers: { "content-type": "application/x-git-upload-pack-request" },
      payload: "0000",
    });
    expect(res.statusCode).toBe(415);
    await app.close();
  });

  it("refuses a push that authorize let through without a push policy", async () => {
    const app = Fastify({ logger: false });
    await app.register(gitHttpPlugin, { store, authorize: async () => ({ remoteUser: "x" }) });
    const res = await app.inject({ url: "/git/acme/app.git/info/refs?service=git-receive-pack" });
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe("push refused: the server has no push policy for this request\n");
    const read = await app.inject({ url: "/git/acme/app.git/info/refs?service=git-upload-pack" });
    expect(read.statusCode).toBe(200);
    expect(read.headers["content-type"]).toBe("application/x-git-upload-pack-advertisement");
    await app.close();
  });
});
