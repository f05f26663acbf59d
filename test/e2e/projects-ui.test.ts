import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, git, initWorkTree } from "../../packages/server/src/git/test-kit.js";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";

/**
 * Teams, projects and repos in the web UI, in real Chromium against a real server with real git
 * (no Docker): the team switcher, team members, projects and their settings, empty and imported
 * repos, the repo page, the new-session dialog on a project, and what a viewer is (not) offered.
 */

const VIEWER = { email: "viewer@example.com", password: "a long enough password" };

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
/** A repo served by Strand's own git hosting (another project): what the UI imports from. */
let upstreamUrl: string;
let teamId: string;

async function page(path: string, as = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }): Promise<Page> {
  const context = await newContext(browser, url);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
  const p = await context.newPage();
  await login(p, as.email, as.password, path);
  return p;
}

const card = (p: Page, name: string) => p.getByTestId("session-card").filter({ hasText: name });
const member = (p: Page, email: string) => p.locator(`[data-testid=member-row][data-email="${email}"]`);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-projects-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  expect((await admin("POST", "/api/v1/users", { body: VIEWER })).status).toBe(201);

  // The upstream: two branches of real history, pushed over HTTP with an API token.
  const up = (await admin("POST", "/api/v1/projects", { body: { name: "Upstream" } })).body;
  const repo = await admin("POST", `/api/v1/projects/${up.id}/repos`, { body: { name: "origin" } });
  expect(repo.status, repo.text).toBe(201);
  upstreamUrl = repo.body.clone_url;
  const seed = join(dataDir, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# shop\n" }, "first commit");
  await commitFiles(seed, { "src/cart.js": "export const cart = [];\n" }, "Add the cart");
  await git(seed, "branch", "develop");
  const push = upstreamUrl.replace("http://", `http://strand:${ADMIN_TOKEN}@`);
  await git(seed, "push", push, "main", "develop");
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("teams, projects and repos in the web UI (real server and git, Chromium)", () => {
  it("teams: create one, add a viewer by email; unknown emails and the last owner are explained", async () => {
    const p = await page("/teams");
    await p.getByTestId("team-form").getByLabel("New team").fill("Platform");
    await p.getByRole("button", { name: "Create team" }).click();
    await p.waitForURL(/\/teams\/platform$/);
    await member(p, ADMIN_EMAIL).waitFor();
    teamId = (await admin("GET", "/api/v1/teams")).body.items.find((t: { slug: string }) => t.slug === "platform").id;

    const add = p.getByTestId("add-member-form");
    await add.getByLabel("Add by email").fill("nobody@example.com");
    await add.getByRole("button", { name: "Add member" }).click();
    await expect
      .poll(() => p.getByTestId("add-member-error").textContent())
      .toContain("no Strand user has the email nobody@example.com");

    await add.getByLabel("Add by email").fill(VIEWER.email);
    await add.getByLabel("Role").selectOption("viewer");
    await add.getByRole("button", { name: "Add member" }).click();
    await expect.poll(() => member(p, VIEWER.email).getAttribute("data-role")).toBe("viewer");
    expect(await p.getByTestId("add-member-error").count()).toBe(0);

    // The only owner demoting themselves: refused, in the API's words, and the role stays.
    await member(p, ADMIN_EMAIL).getByTestId("member-role").selectOption("member");
    await expect
      .poll(() => member(p, ADMIN_EMAIL).getByTestId("member-error").textContent())
      .toContain("would leave Platform without an owner");
    expect(await member(p, ADMIN_EMAIL).getByTestId("member-role").inputValue()).toBe("owner");
    await screenshot(p, "team-members");
    await p.context().close();
  });

  it("team switcher: filters the fleet, lives in ?team= and is remembered", async () => {
    await admin("POST", "/api/v1/sessions", { body: { name: "Personal chores", start: false } });
    await admin("POST", "/api/v1/sessions", { body: { name: "Platform upgrade", start: false, team_id: teamId } });
    const p = await page("/");
    await card(p, "Personal chores").waitFor();
    await card(p, "Platform upgrade").waitFor();

    await p.getByTestId("team-switcher").selectOption("platform");
    await p.waitForURL((u) => u.searchParams.get("team") === "platform");
    await expect.poll(() => p.getByTestId("session-card").count()).toBe(1);
    expect(await card(p, "Platform upgrade").count()).toBe(1);

    await p.getByTestId("team-switcher").selectOption({ label: "Personal" });
    await p.waitForURL((u) => u.searchParams.get("team") === "~personal");
    await card(p, "Personal chores").waitFor();
    expect(await p.getByTestId("session-card").count()).toBe(1);

    // Remembered: a link without ?team= gets the last choice, written back into the URL.
    await p.goto("/");
    await p.waitForURL((u) => u.searchParams.get("team") === "~personal");
    await card(p, "Personal chores").waitFor();
    expect(await p.getByTestId("team-switcher").inputValue()).toBe("~personal");
    await p.getByTestId("team-switcher").selectOption({ label: "All teams" });
    await p.waitForURL((u) => !u.searchParams.has("team"));
    await expect.poll(() => p.getByTestId("session-card").count()).toBe(2);
    await p.context().close();
  });

  it("projects: create one in the team, change settings, add an empty and an imported repo; the repo page", async () => {
    const p = await page("/projects?team=platform");
    await p.getByTestId("new-project").click();
    const form = p.getByTestId("new-project-form");
    expect(await form.getByLabel("Team").inputValue()).toBe(teamId);
    await form.getByLabel("Name").fill("Shop");
    await form.getByLabel("Runtime").selectOption("claude-code");
    await form.getByRole("button", { name: "Create project" }).click();
    await p.waitForURL(/\/projects\/shop$/);

    const settings = p.getByTestId("project-settings");
    await settings.getByLabel("Branch prefix").fill("ai/");
    await settings.getByLabel("Protected branches").fill("main, release/*");
    await settings.getByLabel("Merge strategy").selectOption("squash");
    await p.getByTestId("settings-save").click();
    await p.getByTestId("settings-saved").waitFor();
    expect((await admin("GET", "/api/v1/projects/shop")).body).toMatchObject({
      team_id: teamId,
      runtime: "claude-code",
      branch_prefix: "ai/",
      protected_branches: ["main", "release/*"],
      merge_strategy: "squash",
    });

    // An empty repo first (sessions start on a project's first repo by default).
    await p.getByTestId("new-repo").click();
    let repoForm = p.getByTestId("new-repo-form");
    await repoForm.getByLabel("Name").fill("notes");
    await repoForm.getByRole("button", { name: "Create repo" }).click();
    await p.locator("[data-testid=repo-row][data-repo-name=notes]").waitFor();

    // An import with a wrong password says so at the URL and creates nothing; the right one imports.
    await p.getByTestId("new-repo").click();
    repoForm = p.getByTestId("new-repo-form");
    await repoForm.getByLabel("Name").fill("app");
    await repoForm.getByLabel("Import from a URL").check();
    await repoForm.getByLabel("Import URL").fill(upstreamUrl);
    await repoForm.getByLabel("Username").fill("strand");
    await repoForm.getByLabel("Password or token").fill("strand_not_a_real_token");
    await repoForm.getByRole("button", { name: "Import repo" }).click();
    await expect.poll(() => repoForm.getByTestId("error-import_url").textContent()).toMatch(/authentication failed/i);
    expect((await admin("GET", "/api/v1/projects/shop/repos")).body.items.map((r: { name: string }) => r.name)).toEqual(
      ["notes"],
    );
    await screenshot(p, "repo-import-failed");
    await repoForm.getByLabel("Password or token").fill(ADMIN_TOKEN);
    await repoForm.getByRole("button", { name: "Import repo" }).click();
    await p.locator("[data-testid=repo-row][data-repo-name=app]").getByRole("link", { name: "app" }).click();

    await p.waitForURL(/\/projects\/shop\/repos\/app$/);
    await p.getByTestId("branch-list").waitFor();
    expect(await p.getByTestId("repo-default-branch").textContent()).toBe("main");
    expect(await p.locator("[data-testid=branch-row] td:first-child code").allTextContents()).toEqual([
      "develop",
      "main",
    ]);
    expect(await p.getByTestId("commit-subject").allTextContents()).toEqual(["Add the cart", "first commit"]);
    const cloneUrl = `${url}/git/shop/app.git`;
    expect(await p.getByTestId("clone-url").inputValue()).toBe(cloneUrl);
    await p.getByTestId("copy-clone-url").click();
    await expect.poll(() => p.getByTestId("copy-clone-url").textContent()).toBe("Copied");
    expect(await p.evaluate("navigator.clipboard.readText()")).toBe(cloneUrl);
    await screenshot(p, "repo-page");
    await p.context().close();
  });

  it("new session on a project: repo, base and branch; the server's complaint lands at its field", async () => {
    const p = await page("/projects/shop");
    await p.getByTestId("project-new-session").click();
    const form = p.getByTestId("new-session-form");
    // Preselected: the project, its team (fixed), its runtime default, its first repo and that repo's default branch.
    await form.getByTestId("session-git-fields").waitFor();
    expect(await form.getByLabel("Team").inputValue()).toBe(teamId);
    expect(await form.getByLabel("Team").isDisabled()).toBe(true);
    await expect.poll(() => form.getByLabel("Runtime").inputValue()).toBe("claude-code");
    await expect.poll(() => form.getByLabel("Repo").inputValue()).toBe("notes");
    await form.getByLabel("Name").fill("Add search");
    expect(await form.getByLabel("Branch", { exact: true }).getAttribute("placeholder")).toBe("ai/add-search");

    // The first repo is empty: the server says so at the base branch.
    await form.getByRole("button", { name: "Create and start" }).click();
    await expect.poll(() => form.getByTestId("error-base").textContent()).toContain("repo notes is empty");

    await form.getByLabel("Repo").selectOption("app");
    await expect.poll(() => form.getByLabel("Base branch").inputValue()).toBe("main");
    await form.getByLabel("Base branch").selectOption("develop");
    await screenshot(p, "new-session-on-project");
    await form.getByRole("button", { name: "Create and start" }).click();
    await p.waitForURL(/\/sessions\/ses_/);
    const id = new URL(p.url()).pathname.split("/").pop() as string;
    await expect.poll(() => p.getByTestId("session-branch").textContent()).toBe("ai/add-search");
    expect(await p.getByTestId("session-base").textContent()).toBe("develop");
    // The project's slug comes with the project, read apart from the session: it may paint a moment later.
    await expect.poll(() => p.getByTestId("session-git").textContent()).toContain("shop/app");
    expect((await admin("GET", `/api/v1/sessions/${id}`)).body).toMatchObject({
      team_id: teamId,
      repo: "app",
      base: "develop",
      branch: "ai/add-search",
      runtime: "claude-code",
    });
    await p.getByTestId("session-stop").waitFor();
    await screenshot(p, "session-on-project");

    // The fleet card says what it works on.
    await p.goto("/?team=platform");
    await expect
      .poll(() => card(p, "Add search").getByTestId("session-branch").textContent())
      .toContain("ai/add-search");
    expect(await card(p, "Add search").getByTestId("session-repo").textContent()).toBe("shop/app");
    await p.context().close();
  });

  it("a viewer sees the team's sessions and projects, but no button the API would refuse", async () => {
    const p = await page("/?team=platform", VIEWER);
    await card(p, "Add search").waitFor();
    expect(await card(p, "Platform upgrade").count()).toBe(1);
    expect(await card(p, "Personal chores").count()).toBe(0);

    await card(p, "Add search").getByTestId("session-name").click();
    await p.getByTestId("watch-only").waitFor();
    await p.getByTestId("chat-readonly").waitFor();
    expect(await p.getByTestId("session-stop").count()).toBe(0);
    expect(await p.getByTestId("chat-input").count()).toBe(0);
    expect(await p.getByTestId("chat-stop").count()).toBe(0);
    expect(await p.getByTestId("session-branch").textContent()).toBe("ai/add-search");

    await p.goto("/projects/shop");
    await p.locator("[data-testid=repo-row][data-repo-name=app]").waitFor();
    expect(await p.getByTestId("project-page").getAttribute("data-can-control")).toBe("false");
    expect(await p.getByTestId("project-new-session").count()).toBe(0);
    expect(await p.getByTestId("new-repo").count()).toBe(0);
    expect(await p.getByTestId("settings-save").count()).toBe(0);
    expect(await p.getByTestId("project-settings").getByLabel("Branch prefix").isDisabled()).toBe(true);

    await p.goto("/projects?team=platform");
    await p.locator("[data-testid=project-row][data-project-slug=shop]").waitFor();
    expect(await p.getByTestId("new-project").count()).toBe(0);

    await p.goto("/teams/platform");
    await member(p, ADMIN_EMAIL).waitFor();
    expect(await p.getByTestId("add-member-form").count()).toBe(0);
    expect(await p.getByTestId("member-role").count()).toBe(0);
    expect(await member(p, VIEWER.email).getByRole("button", { name: "Leave" }).count()).toBe(1);
    expect(await member(p, ADMIN_EMAIL).getByRole("button").count()).toBe(0);
    await screenshot(p, "team-as-viewer");
    await p.context().close();
  });
});
