import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../fixtures/llm/server.js";
import { launchBrowser, newContext, screenshot, viewerState } from "../support/browser.js";
import { type ServerProcess, spawnServer } from "../support/process.js";
import { ensureDesktopImage, exec, removeDataDirNode } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * Issue 6's acceptance: the getting-started path a new user walks, in Chromium, on a fresh
 * database, against a real `strand server` process with its Docker node and a real desktop. The
 * only stand-in is the LLM (the scripted provider). Screenshots go to test-results/getting-started-*.png
 * (the README shows them). Under the Docker lock:
 * STRAND_KEEP_OLD_IMAGES=1 flock /tmp/strand-docker.lock npx vitest run --project e2e test/e2e/getting-started.test.ts
 */

const EMAIL = "admin@localhost";
const PASSWORD = "getting started password";
const PROVIDER_KEY = "sk-getting-started-provider";
const nodeName = `e2e-start-${hostname()}-${process.pid}`;
const WORK = "/home/agent/work";

let dataDir: string;
let server: ServerProcess;
let browser: Browser;
let llm: ScriptedLlm;
let page: Page;
let sessionId = "";

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-start-"));
  server = await spawnServer({
    env: { STRAND_ADMIN_PASSWORD: PASSWORD, STRAND_NODE_NAME: nodeName, LOG_LEVEL: "warn" },
    dataDir,
    node: true,
  });
  llm = await startScriptedLlm(
    [
      {
        tool_calls: [
          {
            name: "write_file",
            arguments: { path: "hello.js", content: 'console.log("hello from strand");\n' },
          },
        ],
      },
      { tool_calls: [{ name: "run_command", arguments: { command: "node hello.js" } }] },
      { text: "I wrote hello.js and ran it: it prints `hello from strand`." },
    ],
    ["scripted-1"],
    { apiKey: PROVIDER_KEY, onScript: (body) => Array.isArray(body.tools) && body.tools.length > 0 },
  );
  browser = await launchBrowser();
  page = await (await newContext(browser, server.url)).newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await llm?.close();
  if (server) {
    server.proc.kill("SIGTERM");
    await server.exited;
  }
  await removeDataDirNode(dataDir);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe("getting started in the browser (real server, real desktop, Chromium)", () => {
  it("logs in", async () => {
    await page.goto("/");
    await page.waitForURL((u) => u.pathname === "/login");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await screenshot(page, "getting-started-1-login");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((u) => u.pathname === "/");
    await page.getByTestId("new-session").waitFor();
  });

  it("adds the AI provider and tests the connection", async () => {
    await page.goto("/account/providers");
    await page.getByTestId("add-provider").click();
    const form = page.getByTestId("provider-form");
    await form.getByLabel("Name").fill("scripted");
    await form.getByLabel("Kind").selectOption("anthropic");
    await form.getByLabel("Base URL").fill(llm.url);
    await form.getByLabel("API key").fill(PROVIDER_KEY);
    await form.getByRole("button", { name: "Add provider" }).click();
    const row = page.locator('[data-testid=provider-row][data-provider-name="scripted"]');
    await row.waitFor();
    await row.getByTestId("provider-test").click();
    await expect
      .poll(() => row.getByTestId("provider-test-result").textContent(), { timeout: 15_000 })
      .toMatch(/ok|ms/i);
    await screenshot(page, "getting-started-2-provider");
  });

  it("creates a session and sees its desktop stream", async () => {
    await page.goto("/");
    await page.getByTestId("new-session").click();
    const form = page.getByTestId("new-session-form");
    await form.getByLabel("Name").fill("my first agent");
    await form.getByLabel("Model").fill("scripted/scripted-1");
    await form.getByRole("button", { name: "Create and start" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/sessions/"));
    sessionId = new URL(page.url()).pathname.split("/").pop() as string;
    await page
      .getByTestId("start-progress")
      .waitFor({ timeout: 30_000 })
      .catch(() => {});
    await screenshot(page, "getting-started-3-starting");
    await until(
      () => viewerState(page),
      (h) => (h?.framesPainted ?? 0) > 0,
      "the desktop stream to paint",
      180_000,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    await screenshot(page, "getting-started-4-desktop");
  });

  it("sends a message; the agent's reply and the file it made show in the chat and on the desktop", async () => {
    await page.getByTestId("chat-input").fill("Write hello.js that prints a greeting, and run it.");
    await page.getByTestId("chat-send").click();
    const reply = page.getByTestId("entry-text").filter({ hasText: "hello.js" });
    await reply.waitFor({ timeout: 120_000 });
    const tools = page.getByTestId("entry-tool");
    await expect.poll(() => tools.count()).toBe(2);
    await expect.poll(() => page.getByTestId("diff").first().textContent()).toContain("hello from strand");
    await expect.poll(() => page.getByTestId("tool-output").last().textContent()).toContain("hello from strand");
    // The file is in the workspace, and the IDE on the desktop has it open.
    expect((await exec(`strand-${sessionId}`, ["cat", `${WORK}/hello.js`])).output).toContain("hello from strand");
    const titles = await until(
      async () => (await exec(`strand-${sessionId}`, ["sh", "-c", "DISPLAY=:1 xwininfo -root -tree"], "agent")).output,
      (out) => /hello\.js.*Geany/.test(out),
      "Geany to show hello.js",
      20_000,
    );
    expect(titles).toMatch(/hello\.js/);
    await new Promise((r) => setTimeout(r, 1_500));
    await screenshot(page, "getting-started-5-agent-at-work");
  });

  it("stops the session", async () => {
    await page.getByTestId("session-stop").click();
    await expect
      .poll(async () => page.getByTestId("session-page").getAttribute("data-state"), { timeout: 60_000 })
      .toBe("stopped");
    await screenshot(page, "getting-started-6-stopped");
  });
});
