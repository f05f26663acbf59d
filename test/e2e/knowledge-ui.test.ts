import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { type FakeJira, startFakeJira } from "../fixtures/jira/server.js";
import { launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";

/**
 * The knowledge pages in real Chromium against a real server, its indexer and search engine (no
 * Docker): a project's files source is added through the form, files go through the file input
 * with their progress and outcome, the source reaches ready and is searched with matches marked;
 * an api source's pushed document is found from the global search.
 */

const WORD = "quokkaflux";
const MARKDOWN = `# Runbook\n\n## Rollback\n\nWhen the deploy fails, run the ${WORD} rollback and page the on-call.\n`;

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
let project: { id: string; slug: string; name: string };
let jira: FakeJira;

async function page(path: string): Promise<Page> {
  const context = await newContext(browser, url);
  const p = await context.newPage();
  await p.setViewportSize({ width: 1366, height: 900 });
  await login(p, ADMIN_EMAIL, ADMIN_PASSWORD, path);
  return p;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-knowledge-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  project = (await admin("POST", "/api/v1/projects", { body: { name: "Storefront" } })).body;
  jira = await startFakeJira({ deployment: "cloud", email: "bot@example.com", apiToken: "the-right-token" });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await jira?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("knowledge in the web UI (real server, real indexer, Chromium)", () => {
  it("adds a files source to a project from its page; the page says what comes next", async () => {
    const p = await page(`/projects/${project.slug}`);
    await p.getByTestId("project-knowledge-link").click();
    await p.waitForURL(`**/projects/${project.slug}/knowledge`);
    await p.getByTestId("knowledge-empty").waitFor();
    await p.getByTestId("knowledge-add").click();
    const form = p.getByTestId("knowledge-add-form");
    // Jira's form asks for a site, a token (hidden as typed) and JQL; Test connection says what the server found.
    await form.getByLabel("Jira").check();
    expect(await form.getByLabel("API token").getAttribute("type")).toBe("password");
    await form.getByLabel("JQL").waitFor();
    await form.getByLabel("Files").check();
    await form.getByLabel("Name").fill("Runbooks");
    await form.getByLabel("Description").fill("How we deploy and roll back");
    await form.getByTestId("knowledge-create").click();
    await p.waitForURL(/\/knowledge\/[^/]+$/);
    await p.getByTestId("knowledge-drop").waitFor();
    expect(await p.getByTestId("knowledge-upload-limit").textContent()).toContain("200 MB");
    await screenshot(p, "knowledge-source");

    const list = (await admin("GET", `/api/v1/knowledge?project_id=${project.id}`)).body.sources;
    expect(list.map((s: { name: string; kind: string }) => [s.name, s.kind])).toEqual([["Runbooks", "files"]]);
    await p.context().close();
  });

  it("a team has its own knowledge page, linked from the team page", async () => {
    const team = (await admin("POST", "/api/v1/teams", { body: { name: "Payments" } })).body;
    const p = await page(`/teams/${team.slug}`);
    await p.getByTestId("team-knowledge-link").click();
    await p.waitForURL(`**/teams/${team.slug}/knowledge`);
    // The project's source is not the team's: the team's list is empty.
    await p.getByTestId("knowledge-empty").waitFor();
    expect(await p.getByTestId("knowledge-page").textContent()).toContain("team Payments");
    await p.context().close();
  });

  it("Test connection shows the server's words for wrong Jira credentials, and what it found for right ones", async () => {
    const p = await page(`/projects/${project.slug}/knowledge`);
    await p.getByTestId("knowledge-add").click();
    const form = p.getByTestId("knowledge-add-form");
    await form.getByLabel("Jira").check();
    await form.getByLabel("Site URL").fill(jira.url);
    await form.getByLabel("Email").fill("bot@example.com");
    await form.getByLabel("API token").fill("a-wrong-token");
    await form.getByLabel("JQL").fill("project = PAY");
    await form.getByTestId("knowledge-test").click();
    const result = form.getByTestId("knowledge-test-result");
    await result.waitFor();
    expect(await result.getAttribute("class")).toBe("error");
    // The server names the site and says the credentials were refused (its words, shown as they are).
    expect(await result.textContent()).toContain(jira.url);
    await screenshot(p, "knowledge-test-connection");
    await form.getByLabel("API token").fill("the-right-token");
    await form.getByTestId("knowledge-test").click();
    await form.locator("[data-testid=knowledge-test-result].ok").waitFor();
    await p.context().close();
  });

  it("uploads through the file input with progress, reaches ready, finds a word marked; an empty file is an error", async () => {
    const source = (await admin("GET", `/api/v1/knowledge?project_id=${project.id}`)).body.sources[0];
    const p = await page(`/knowledge/${source.id}`);
    await p.getByTestId("knowledge-file-input").setInputFiles([
      { name: "runbook.md", mimeType: "text/markdown", buffer: Buffer.from(MARKDOWN) },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("Plain notes about the cache warmer.\n") },
      { name: "empty.txt", mimeType: "text/plain", buffer: Buffer.alloc(0) },
    ]);
    const upload = (name: string) => p.locator(`[data-testid=knowledge-upload][data-name="${name}"]`);
    await p.locator('[data-testid=knowledge-upload][data-name="runbook.md"][data-status=done]').waitFor();
    await p.locator('[data-testid=knowledge-upload][data-name="notes.txt"][data-status=done]').waitFor();
    await p.locator('[data-testid=knowledge-upload][data-name="empty.txt"][data-status=failed]').waitFor();
    expect(await upload("runbook.md").getByTestId("knowledge-upload-status").textContent()).toMatch(/^indexed/);
    expect(await upload("empty.txt").getByTestId("knowledge-upload-status").textContent()).toMatch(/\S/);
    expect(Number(await upload("runbook.md").locator("progress").getAttribute("value"))).toBe(1);

    // And one dropped on the zone, as a person drags it from their file manager.
    const dropped = await p.evaluateHandle(`(() => {
      const d = new DataTransfer();
      d.items.add(new File(["# Dropped\\n\\nThe wombatrix checklist.\\n"], "dropped.md", { type: "text/markdown" }));
      return d;
    })()`);
    await p.getByTestId("knowledge-drop").dispatchEvent("drop", { dataTransfer: dropped });
    await p.locator('[data-testid=knowledge-upload][data-name="dropped.md"][data-status=done]').waitFor();

    await p.locator("[data-testid=knowledge-source-page][data-state=ready]").waitFor();
    await p.locator('[data-testid=knowledge-document][data-external-id="runbook.md"][data-state=ready]').waitFor();
    await p.getByTestId("knowledge-search-input").fill(WORD);
    await p.getByTestId("knowledge-search-submit").click();
    const hit = p.getByTestId("knowledge-hit").first();
    await hit.waitFor();
    expect(await hit.locator("mark").allTextContents()).toContain(WORD);
    expect(await hit.getByTestId("knowledge-hit-location").textContent()).toContain("Rollback");
    await screenshot(p, "knowledge-upload");
    await hit.getByTestId("knowledge-hit-document").click();
    await p.getByTestId("knowledge-document-page").waitFor();
    expect(await p.locator("[data-testid=knowledge-chunk].marked").textContent()).toContain(WORD);
    await p.context().close();
  });

  it("an api source shows its PUT URL; a pushed document is found in the source and in the global search", async () => {
    const p = await page(`/projects/${project.slug}/knowledge`);
    await p.getByTestId("knowledge-add").click();
    const form = p.getByTestId("knowledge-add-form");
    await form.getByLabel("API").check();
    await form.getByLabel("Name").fill("Handbook");
    await form.getByTestId("knowledge-create").click();
    await p.waitForURL(/\/knowledge\/[^/]+$/);
    const id = decodeURIComponent(new URL(p.url()).pathname.split("/").pop() ?? "");
    expect(await p.getByTestId("knowledge-put-hint").textContent()).toContain(`/api/v1/knowledge/${id}/documents/`);

    const put = await admin("PUT", `/api/v1/knowledge/${id}/documents/escalation`, {
      body: {
        title: "Escalation policy",
        url: "https://wiki.example.com/escalation",
        text: `# Escalation\n\n## Nights\n\nAt night the ${WORD} pager goes to the secondary.\n`,
      },
    });
    expect(put.status, put.text).toBe(200);
    // The document's row is the marker: once listed, its chunks were stored in the same transaction.
    await p.reload();
    await p.locator('[data-testid=knowledge-document][data-external-id="escalation"]').waitFor();
    await p.getByTestId("knowledge-search-input").fill(WORD);
    await p.getByTestId("knowledge-search-submit").click();
    const hit = p.getByTestId("knowledge-hit").first();
    await hit.waitFor();
    expect(await hit.getByTestId("knowledge-hit-document").textContent()).toBe("Escalation policy");
    expect(await hit.locator("mark").allTextContents()).toContain(WORD);
    // Only this source: the runbook (in the other source) does not show here.
    expect(await p.getByTestId("knowledge-search-results").textContent()).not.toContain("Runbook");

    // The global search, knowledge only: source, title, location and the link to the original.
    await p.goto(`${url}/search?q=${WORD}&scope=knowledge`);
    const k = p.getByTestId("search-knowledge").filter({ hasText: "Escalation policy" });
    await k.waitFor();
    expect(await k.getByTestId("knowledge-hit-source").textContent()).toBe("Handbook");
    expect(await k.getByTestId("knowledge-hit-location").textContent()).toContain("Nights");
    expect(await k.getByTestId("knowledge-hit-original").getAttribute("href")).toBe(
      "https://wiki.example.com/escalation",
    );
    expect(await p.getByTestId("search-group").count()).toBe(0);
    await screenshot(p, "knowledge-search");
    // Conversations only: no knowledge chunk is listed (the empty-results line is the marker).
    await p.getByTestId("search-scope-filter").getByLabel("conversations").click();
    await p.waitForURL(/scope=history/);
    await p.getByTestId("search-empty").waitFor();
    expect(await p.getByTestId("search-knowledge").count()).toBe(0);
    await p.context().close();
  });
});
