import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { commitFiles, git, gitResult, initWorkTree, makeTempDir } from "../../packages/server/src/git/test-kit.js";
import { type ScriptedLlm, startScriptedLlm } from "../fixtures/llm/server.js";
import { type Caller, caller } from "../support/http.js";
import { addProvider } from "../support/llm.js";
import { ensureDesktopImage, exec, startSandboxServer } from "../support/sandbox.js";
import { loginCookie } from "../support/server.js";
import { until } from "../support/wait.js";

/**
 * Issue 12's acceptance on real Docker with real git: a team with a member and a viewer, a
 * project whose repo is imported from a bare repository served by `git daemon` on this host, a
 * session on it whose agent (strand-agent, driven by the scripted provider) changes a file; the
 * checkpoint commit lands on the session's branch, review sees it, a line comment reaches the
 * agent as a prompt, the merge lands it on the default branch; the viewer watches but cannot
 * merge, and the desktop cannot push to the default branch.
 */

const PROVIDER_KEY = "sk-provider-secret-projects-77a1";
const WORK = "/home/agent/work";
type Person = { call: Caller; token: string };

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let llm: ScriptedLlm;
let tmp: { path: string; remove: () => Promise<void> };
let daemon: ReturnType<typeof spawn> | undefined;
let member: Person;
let viewer: Person;
let project: { id: string; slug: string };
let cloneUrl: string;
let sessionId: string;

const withToken = (url: string, token: string) => url.replace("http://", `http://strand:${token}@`);

async function newUser(email: string): Promise<Person> {
  const password = "a long enough password";
  const created = await s.admin("POST", "/api/v1/users", { body: { email, password } });
  expect(created.status, created.text).toBe(201);
  const cookie = await loginCookie(s.url, email, password);
  const tok = await caller(s.url, { cookie })("POST", "/api/v1/tokens", { body: { name: "test" } });
  return { call: caller(s.url, { token: tok.body.token }), token: tok.body.token };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A bare repo with two files, served over git:// on loopback (pushes allowed, as a team's git server would). */
let upstreamBare: string;

async function startGitDaemon(): Promise<string> {
  const seed = join(tmp.path, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# shop\n", "src/cart.js": "export const total = 1;\n" }, "first commit");
  const base = join(tmp.path, "served");
  upstreamBare = join(base, "shop.git");
  await git(tmp.path, "clone", "--bare", seed, upstreamBare);
  const port = await freePort();
  daemon = spawn(
    "git",
    [
      "daemon",
      "--reuseaddr",
      "--export-all",
      // Merges on Strand are pushed back to the upstream.
      "--enable=receive-pack",
      `--base-path=${base}`,
      "--listen=127.0.0.1",
      `--port=${port}`,
      base,
    ],
    { stdio: "ignore" },
  );
  const url = `git://127.0.0.1:${port}/shop.git`;
  await until(
    () => gitResult(tmp.path, "ls-remote", url),
    (r) => r.ok,
    "git daemon to serve the bare repo",
    10_000,
  );
  return url;
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  tmp = await makeTempDir("strand-projects-docker-");
  s = await startSandboxServer();
  llm = await startScriptedLlm([], ["scripted-1"], {
    apiKey: PROVIDER_KEY,
    onScript: (body) => Array.isArray(body.tools) && body.tools.length > 0,
  });
  member = await newUser("pd-member@example.com");
  viewer = await newUser("pd-viewer@example.com");
  const team = (await s.admin("POST", "/api/v1/teams", { body: { name: "Shop Team" } })).body;
  for (const [email, role] of [
    ["pd-member@example.com", "member"],
    ["pd-viewer@example.com", "viewer"],
  ]) {
    const added = await s.admin("POST", `/api/v1/teams/${team.id}/members`, { body: { email, role } });
    expect(added.status, added.text).toBe(201);
  }
  await addProvider(s.admin, {
    name: "scripted",
    kind: "anthropic",
    base_url: llm.url,
    api_key: PROVIDER_KEY,
    team_id: team.id,
  });
  const created = await member.call("POST", "/api/v1/projects", {
    body: { name: "Shop", team_id: team.id, runtime: "strand-agent", model: "scripted/scripted-1" },
  });
  expect(created.status, created.text).toBe(201);
  project = created.body;
  const imported = await member.call("POST", `/api/v1/projects/${project.id}/repos`, {
    body: { name: "shop", import_url: await startGitDaemon() },
  });
  expect(imported.status, imported.text).toBe(201);
  cloneUrl = imported.body.clone_url;
}, 600_000);

afterAll(async () => {
  daemon?.kill();
  await llm?.close();
  await s?.stop();
  await tmp?.remove();
}, 120_000);

const inDesktop = async (script: string) => exec(`strand-${sessionId}`, ["bash", "-c", script], "agent");

describe("teams, projects and git on a real desktop", () => {
  it("clones the imported repo over HTTP with an API token", async () => {
    const dir = join(tmp.path, "member-clone");
    await git(tmp.path, "clone", withToken(cloneUrl, member.token), dir);
    expect(await readFile(join(dir, "src/cart.js"), "utf8")).toBe("export const total = 1;\n");
  });

  it("the agent's change becomes a checkpoint commit on the session's branch", async () => {
    const created = await member.call("POST", "/api/v1/sessions", {
      body: { name: "cart fix", project_id: project.id },
    });
    expect(created.status, created.text).toBe(201);
    sessionId = created.body.id;
    expect(created.body).toMatchObject({ repo: "shop", base: "main", branch: expect.stringMatching(/^strand\//) });
    const branch: string = created.body.branch;
    llm.push(
      {
        tool_calls: [{ name: "write_file", arguments: { path: "src/cart.js", content: "export const total = 2;\n" } }],
      },
      { text: "Changed the total to 2." },
    );
    const sent = await member.call("POST", `/api/v1/sessions/${sessionId}/messages`, {
      body: { request_id: "req-cart", content: "Make the total 2" },
    });
    expect(sent.status, sent.text).toBe(201);

    // The workspace is a clone on the session's branch, with no token in git's config.
    const head = await until(
      () => gitResult(tmp.path, "ls-remote", withToken(cloneUrl, member.token), `refs/heads/${branch}`),
      (r) => r.ok && r.stdout.trim() !== "",
      "the checkpoint commit on the session branch",
      240_000,
    );
    const sha = head.stdout.split(/\s/)[0] as string;
    const dir = join(tmp.path, "review-clone");
    await git(tmp.path, "clone", "-b", branch, withToken(cloneUrl, member.token), dir);
    expect(await readFile(join(dir, "src/cart.js"), "utf8")).toBe("export const total = 2;\n");
    expect(await git(dir, "log", "-1", "--format=%s%n%b", sha)).toMatch(/Make the total 2[\s\S]*Co-authored-by: /);
    const config = await inDesktop(`cd ${WORK} && git rev-parse --abbrev-ref HEAD && cat .git/config && env`);
    expect(config.output).toContain(branch);
    expect(config.output).not.toMatch(/strand_[a-z0-9_]{20,}/i);
  });

  it("changes show the diff; a line comment reaches the agent as a prompt", async () => {
    const changes = await member.call("GET", `/api/v1/sessions/${sessionId}/changes`);
    expect(changes.status, changes.text).toBe(200);
    expect(changes.body.files).toEqual([
      expect.objectContaining({ path: "src/cart.js", status: "modified", additions: 1, deletions: 1 }),
    ]);
    expect(changes.body.files[0].patch).toContain("+export const total = 2;");

    const thread = await member.call("POST", `/api/v1/sessions/${sessionId}/review/threads`, {
      body: { path: "src/cart.js", start_line: 1, body: "Use a named constant for the total." },
    });
    expect(thread.status, thread.text).toBe(201);
    const before = llm.requests.length;
    llm.push({ text: "Will do." });
    const send = await member.call("POST", `/api/v1/sessions/${sessionId}/review/send`);
    expect(send.status, send.text).toBe(200);
    const reached = await until(
      async () => llm.requests.slice(before).map((r) => JSON.stringify(r.body)),
      (bodies) => bodies.some((b) => b.includes("Use a named constant for the total.")),
      "the review prompt to reach the model",
      120_000,
    );
    expect(reached.find((b) => b.includes("named constant"))).toMatch(/src\/cart\.js:1/);
  });

  it("the viewer watches the desktop but cannot merge", async () => {
    const ws = new WebSocket(`${s.url.replace("http", "ws")}/api/v1/sessions/${sessionId}/stream`, {
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    const seen = await new Promise<{ init: { view_only?: boolean }; video: boolean }>((resolve, reject) => {
      let init: { view_only?: boolean } | undefined;
      const timer = setTimeout(() => reject(new Error("no picture for the viewer within 60 s")), 60_000);
      ws.on("message", (data, binary) => {
        if (!binary) {
          const msg = JSON.parse(data.toString());
          if (msg.type === "init") init = msg;
        } else if (init) {
          clearTimeout(timer);
          resolve({ init, video: true });
        }
      });
      ws.once("error", reject);
    });
    ws.close();
    expect(seen).toEqual({ init: expect.objectContaining({ view_only: true }), video: true });
    const merge = await viewer.call("POST", `/api/v1/sessions/${sessionId}/merge`, { body: {} });
    expect(merge.status).toBe(403);
  });

  it("the desktop cannot push to the default branch", async () => {
    const push = await inDesktop(`cd ${WORK} && git push origin HEAD:main 2>&1; echo "exit=$?"`);
    expect(push.output).toMatch(/exit=[1-9]/);
    expect(push.output).toMatch(/protected/);
  });

  it("merge lands the change on the default branch, on Strand and upstream", async () => {
    const merge = await member.call("POST", `/api/v1/sessions/${sessionId}/merge`, { body: {} });
    expect(merge.status, merge.text).toBe(200);
    const dir = join(tmp.path, "after-merge");
    await git(tmp.path, "clone", withToken(cloneUrl, member.token), dir);
    expect((await git(dir, "rev-parse", "HEAD")).trim()).toBe(merge.body.commit);
    expect(await readFile(join(dir, "src/cart.js"), "utf8")).toBe("export const total = 2;\n");
    expect(await git(upstreamBare, "rev-parse", "refs/heads/main")).toBe(merge.body.commit);
  });
});
