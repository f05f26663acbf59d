import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, git, gitResult, initWorkTree } from "../../packages/server/src/git/test-kit.js";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { SessionService } from "../../packages/server/src/sessions/service.js";
import { connectAgent, type ScriptedAgent, sessionToken } from "../support/agent-socket.js";
import { launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { startFakeGitHost } from "../support/fake-git-hosts.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";

/**
 * The Changes tab in real Chromium against a real server and real git, no Docker: the session's
 * "agent" is a scripted agentd (test/support/agent-socket.ts) and its pushes are made with git and
 * the session's own token, as agentd's checkpoint commits would be.
 */

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
let ownerId: string;
let sessions: SessionService;
let project: { id: string; slug: string };
let cloneUrl: string;
const agents: ScriptedAgent[] = [];

const HOST_TOKEN = "github-token-for-the-e2e-0123";
const HOOK_SECRET = "webhook-secret-for-the-e2e";
const VIEWER = { email: "review-viewer@example.com", password: "a long enough password" };
const APP = `${Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;
const withLine = (n: number, text: string, base = APP) =>
  base
    .split("\n")
    .map((l, i) => (i === n - 1 ? text : l))
    .join("\n");
const withToken = (u: string, token: string) => u.replace("http://", `http://strand:${token}@`);
const bareRepo = () => join(dataDir, "git", project.slug, "app.git");

/** A session on the project, ready (a scripted agentd connected), with its branch pushed. */
async function readySessionWithWork(name: string, files: Record<string, string>, repo = { name: "app", cloneUrl: "" }) {
  const created = await admin("POST", "/api/v1/sessions", {
    body: { name, project_id: project.id, repo: repo.name, start: false },
  });
  expect(created.status, created.text).toBe(201);
  await admin("POST", `/api/v1/sessions/${created.body.id}/start`);
  return readyWithWork(created.body, files, repo.cloneUrl || cloneUrl);
}

/** Makes a started session ready as the scheduler and agentd would, and pushes `files` to its branch. */
async function readyWithWork(
  session: { id: string; branch: string },
  files: Record<string, string>,
  repoUrl = cloneUrl,
) {
  await sessions.transition(session.id, "starting", "Starting the desktop.");
  const token = await sessionToken(server.database.db, ownerId, session.id);
  const agent = await connectAgent(url, session.id, token, `inst-${session.id}`);
  agents.push(agent);
  const work = join(dataDir, "work", session.id);
  await git(dataDir, "clone", "--quiet", withToken(repoUrl, token), work);
  await git(work, "switch", "--quiet", "-c", session.branch);
  const push = async (more: Record<string, string>, message: string) => {
    await commitFiles(work, more, message);
    const pushed = await gitResult(work, "push", "origin", session.branch);
    expect(pushed.ok, pushed.stderr).toBe(true);
  };
  await push(files, "agent: work");
  return { ...session, agent, push };
}

async function page(path: string, as = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }): Promise<Page> {
  const context = await newContext(browser, url);
  const p = await context.newPage();
  await login(p, as.email, as.password, path);
  return p;
}

const fileSection = (p: Page, path: string) => p.locator(`[data-testid=review-file][data-path="${path}"]`);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-review-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  ownerId = (await admin("GET", "/api/v1/me")).body.id;
  sessions = new SessionService(server.database.db);

  // A team project with a viewer, and a repo whose main holds src/app.js.
  expect((await admin("POST", "/api/v1/users", { body: VIEWER })).status).toBe(201);
  const team = (await admin("POST", "/api/v1/teams", { body: { name: "Reviewers" } })).body;
  await admin("POST", `/api/v1/teams/${team.id}/members`, { body: { email: VIEWER.email, role: "viewer" } });
  project = (await admin("POST", "/api/v1/projects", { body: { name: "Shop", team_id: team.id } })).body;
  const repo = await admin("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "app" } });
  expect(repo.status, repo.text).toBe(201);
  cloneUrl = repo.body.clone_url;
  const seed = join(dataDir, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "src/app.js": APP, "README.md": "# shop\n" }, "first commit");
  await git(seed, "push", "--quiet", withToken(cloneUrl, ADMIN_TOKEN), "main");
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the Changes tab (real server, real git, scripted agentd, Chromium)", () => {
  it("a new session on the project: shows the diff, takes a line comment, sends it to the agent, follows a push, and merges", async () => {
    // Made from the project page's New session, as a person would.
    const p = await page(`/projects/${project.slug}`);
    await p.getByTestId("project-new-session").click();
    const form = p.getByTestId("new-session-form");
    await form.getByTestId("session-git-fields").waitFor();
    await form.getByLabel("Name").fill("Polish line three");
    await expect.poll(() => form.getByLabel("Base branch").inputValue()).toBe("main");
    await form.getByRole("button", { name: "Create and start" }).click();
    await p.waitForURL(/\/sessions\/ses_/);
    const id = new URL(p.url()).pathname.split("/").pop() as string;
    const created = (await admin("GET", `/api/v1/sessions/${id}`)).body;
    expect(created).toMatchObject({
      project_id: project.id,
      repo: "app",
      base: "main",
      branch: "strand/polish-line-three",
    });
    const s = await readyWithWork(created, { "src/app.js": withLine(3, "line three") });
    await p.getByTestId("tab-changes").click();
    await p.waitForURL(/tab=changes/);
    const file = fileSection(p, "src/app.js");
    await file.waitFor();
    expect(await p.getByTestId("changes-files").textContent()).toContain("src/app.js");
    expect(await file.locator("tr.diff-add").textContent()).toContain("line three");
    expect(await file.locator("tr.diff-remove").textContent()).toContain("line 3");

    // Side by side, then back.
    await file.getByTestId("diff-mode-split").click();
    await file.locator("table.diff-split").waitFor();
    await file.getByTestId("diff-mode-unified").click();

    // A comment on the new line 3.
    await file.getByRole("button", { name: "Comment on new line 3" }).click();
    await p.getByTestId("comment-input").fill("Keep the numbers as digits, like the other lines.");
    await p.getByTestId("comment-submit").click();
    const thread = file.getByTestId("review-thread");
    await thread.waitFor();
    expect(await thread.textContent()).toContain("src/app.js:3");
    expect(await thread.getAttribute("data-outdated")).toBe("false");
    await screenshot(p, "review-comment");

    // Send to agent: the scripted agent gets one prompt naming path:line, with the code and the comment.
    const send = p.getByTestId("review-send");
    expect(await send.textContent()).toBe("Send to agent (1)");
    await send.click();
    const prompt = await s.agent.prompt(1);
    expect(prompt.content).toContain("## 1. src/app.js:3");
    expect(prompt.content).toContain("3 line three");
    expect(prompt.content).toContain(`${ADMIN_EMAIL}: Keep the numbers as digits, like the other lines.`);
    await expect.poll(() => send.textContent()).toBe("Send to agent (0)");
    await thread.getByText("Sent to agent").waitFor();

    // The agent pushes a fix: the tab follows on its own, and the thread is now outdated.
    await s.push({ "src/app.js": withLine(3, "line 3 (digits)") }, "agent: digits");
    await expect.poll(() => thread.getAttribute("data-outdated"), { timeout: 10_000 }).toBe("true");
    await thread.getByTestId("thread-outdated").waitFor();
    // The thread and the diff are refetched apart: the diff may repaint a moment after the thread.
    await expect
      .poll(() => file.locator("tr.diff-add").textContent(), { timeout: 10_000 })
      .toContain("line 3 (digits)");

    // Merge with the project's strategy.
    expect(await p.getByTestId("merge-strategy").inputValue()).toBe("merge");
    await p.getByTestId("merge").click();
    await expect.poll(() => p.getByTestId("merge-result").textContent()).toContain("Merged into main");
    const shown = (await p.getByTestId("merge-commit").textContent()) ?? "";
    const tip = await git(dataDir, "--git-dir", bareRepo(), "rev-parse", "main");
    expect(tip.startsWith(shown)).toBe(true);
    expect(await git(dataDir, "--git-dir", bareRepo(), "show", "main:src/app.js")).toContain("line 3 (digits)");
    await p.getByTestId("changes-empty").waitFor();
    await screenshot(p, "review-merged");
    await p.context().close();
  });

  it("on a conflict lists the files and asks the agent to resolve; viewers only read", async () => {
    const main = await readMain();
    const s = await readySessionWithWork("Clash on line five", { "src/app.js": withLine(5, "line five, mine", main) });
    // Meanwhile main gets another line 5.
    const other = join(dataDir, "other");
    await git(dataDir, "clone", "--quiet", withToken(cloneUrl, ADMIN_TOKEN), other);
    await commitFiles(other, { "src/app.js": withLine(5, "line five, theirs", main) }, "main: line 5");
    expect((await gitResult(other, "push", "origin", "main")).ok).toBe(true);

    const p = await page(`/sessions/${s.id}?tab=changes`);
    await fileSection(p, "src/app.js").waitFor();
    await fileSection(p, "src/app.js").getByRole("button", { name: "Comment on new line 5" }).click();
    await p.getByTestId("comment-input").fill("Talk to whoever changed main.");
    await p.getByTestId("comment-submit").click();
    await p.getByTestId("review-thread").waitFor();
    await p.getByTestId("merge").click();
    const conflict = p.getByTestId("merge-conflict");
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain("src/app.js");
    await conflict.getByTestId("ask-resolve").click();
    const prompt = await s.agent.prompt(1);
    expect(prompt.content).toContain("they conflict in `src/app.js`");
    expect(prompt.content).toContain("git merge origin/main");
    await screenshot(p, "review-conflict");
    await p.context().close();

    // A viewer sees the diff and the thread, and nothing to act with.
    const v = await page(`/sessions/${s.id}?tab=changes`, VIEWER);
    const file = fileSection(v, "src/app.js");
    await file.getByTestId("review-thread").waitFor();
    expect(await file.getByTestId("review-comment").textContent()).toContain("Talk to whoever changed main.");
    expect(await file.getByRole("button", { name: /Comment on/ }).count()).toBe(0);
    expect(await v.getByTestId("thread-reply-input").count()).toBe(0);
    expect(await v.getByTestId("merge-bar").count()).toBe(0);
    expect(await v.getByTestId("review-send").count()).toBe(0);
    await v.context().close();
  });

  it("sets up pull requests on the repo page, opens one from the Changes tab, and shows it merged", async () => {
    const github = await startFakeGitHost("github", { token: HOST_TOKEN, webhookSecret: HOOK_SECRET });
    try {
      const bare = await github.addGitRepo("acme", "shop");
      const seed = join(dataDir, "pr-seed");
      await initWorkTree(seed);
      await commitFiles(seed, { "src/app.js": APP }, "first commit");
      await git(seed, "push", "--quiet", bare, "main");
      const imported = await admin("POST", `/api/v1/projects/${project.id}/repos`, {
        body: {
          name: "shop",
          import_url: `${github.url}/acme/shop.git`,
          import_username: "bot",
          import_password: HOST_TOKEN,
        },
      });
      expect(imported.status, imported.text).toBe(201);
      // Strand cannot tell a loopback host's software from its URL: the repo page asks.
      await admin("PATCH", `/api/v1/projects/${project.id}/repos/shop`, { body: { host_kind: "github" } });

      const repoPage = await page(`/projects/${project.slug}/repos/shop`);
      const settings = repoPage.getByTestId("host-settings");
      await settings.waitFor();
      await repoPage.getByTestId("host-token").fill(HOST_TOKEN);
      await repoPage.getByTestId("webhook-secret").fill(HOOK_SECRET);
      await repoPage.getByTestId("save-host-settings").click();
      await settings.getByText("Saved.").waitFor();
      const webhookUrl = await repoPage.getByTestId("webhook-url").inputValue();
      expect(webhookUrl).toMatch(/\/api\/v1\/webhooks\/repos\/[a-z]+_\w+$/);
      expect(await repoPage.content()).not.toContain(HOST_TOKEN);
      await repoPage.context().close();

      const s = await readySessionWithWork(
        "Digits everywhere",
        { "src/app.js": withLine(2, "line two") },
        {
          name: "shop",
          cloneUrl: imported.body.clone_url,
        },
      );
      const p = await page(`/sessions/${s.id}?tab=changes`);
      await p.getByTestId("open-pull-request").click();
      const pr = p.getByTestId("pull-request");
      await pr.waitFor();
      expect(await pr.getAttribute("data-state")).toBe("open");
      const number = Number((await p.getByTestId("pull-request-link").textContent())?.replace("#", ""));
      expect(github.pulls.map((x) => x.number)).toContain(number);
      expect(await git(dataDir, "--git-dir", bare, "rev-parse", s.branch)).toMatch(/^[0-9a-f]{40}$/);

      // The host says merged: the open page follows, from the session's live update.
      const delivered = await github.sendWebhook(webhookUrl, number, "merged");
      expect(delivered.status, delivered.text).toBe(200);
      await p.locator('[data-testid=pull-request][data-state="merged"]').waitFor();
      expect(await p.getByTestId("pull-request-state").textContent()).toBe("merged");
      await screenshot(p, "review-pull-request-merged");
    } finally {
      await github.close();
    }
  });
});

async function readMain(): Promise<string> {
  return `${await git(dataDir, "--git-dir", bareRepo(), "show", "main:src/app.js")}\n`;
}
