import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, login, newContext, pictureVariety, screenshot, viewerState } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { untilWindowManager } from "../support/input-driver.js";
import { type ServerProcess, spawnServer } from "../support/process.js";
import { ensureDesktopImage, exec, removeDataDirNode } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * The whole path on real components: a `strand server` process with its embedded Docker node, a
 * real xfce desktop whose agentd captures and encodes, the gateway, and the viewer in Chromium.
 * Run under the Docker lock: STRAND_KEEP_OLD_IMAGES=1 flock /tmp/strand-docker.lock npx vitest run --project e2e test/e2e/stream.test.ts
 */

const EMAIL = "admin@localhost";
const PASSWORD = "e2e stream password";
const TOKEN = "strand_e2e_stream_admin_token_0123456789";
const nodeName = `e2e-stream-${hostname()}-${process.pid}`;

let dataDir: string;
let server: ServerProcess;
let admin: Caller;
let browser: Browser;
let sessionId: string;
const container = () => `strand-${sessionId}`;

async function start(port?: number): Promise<void> {
  server = await spawnServer({
    env: {
      STRAND_ADMIN_PASSWORD: PASSWORD,
      STRAND_ADMIN_TOKEN: TOKEN,
      STRAND_NODE_NAME: nodeName,
      LOG_LEVEL: process.env.STRAND_TEST_LOG_LEVEL ?? "info",
    },
    dataDir,
    node: true,
    ...(port ? { port } : {}),
  });
  admin = caller(server.url, { token: TOKEN });
}

async function stop(): Promise<void> {
  server.proc.kill("SIGTERM");
  await server.exited;
}

async function openViewer(): Promise<Page> {
  const page = await (await newContext(browser, server.url)).newPage();
  await login(page, EMAIL, PASSWORD, `/sessions/${sessionId}`);
  return page;
}

const painted = (page: Page, atLeast = 1, ms = 20_000) =>
  until(
    () => viewerState(page),
    (h) => (h?.framesPainted ?? 0) >= atLeast,
    `the viewer to paint ${atLeast} frames`,
    ms,
  );

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-stream-"));
  await start();
  const created = await admin("POST", "/api/v1/sessions", { body: { name: "e2e stream" } });
  expect(created.status, created.text).toBe(201);
  sessionId = created.body.id;
  await until(
    async () => (await admin("GET", `/api/v1/sessions/${sessionId}`)).body,
    (s) => s.state === "ready" || s.state === "failed",
    "the session to be ready",
    180_000,
  ).then((s) => expect(s.state, s.state_reason).toBe("ready"));
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (server) {
    await admin("DELETE", `/api/v1/sessions/${sessionId}`).catch(() => {});
    await stop().catch(() => {});
  }
  await removeDataDirNode(dataDir);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe("desktop stream end to end (real server process, Docker desktop, Chromium)", () => {
  it("opens the session page and shows the desktop: frames decode and the picture is not blank", async () => {
    const page = await openViewer();
    const hook = await painted(page);
    expect(hook?.mode).toBe("webcodecs");
    await until(
      () => pictureVariety(page),
      (n) => n > 8,
      "a desktop picture (not a uniform one)",
      10_000,
    );
    await screenshot(page, "stream-desktop");
    await page.context().close();
  });

  it("text typed in the page reaches a terminal in the desktop", async () => {
    // A terminal in the desktop, focused because it is the newest window.
    await untilWindowManager(container());
    await exec(container(), ["sh", "-c", "DISPLAY=:1 xfce4-terminal --disable-server >/dev/null 2>&1 &"], "agent");
    const page = await openViewer();
    await painted(page);
    await page.getByTestId("stream-media").focus();
    // The window can be focused before its shell listens (keys typed before the pty exists are
    // dropped), so a probe typed through the page until it runs says the terminal is ready.
    await until(
      async () => {
        await page.keyboard.press("Control+U");
        await page.keyboard.type("touch /tmp/shell-listens\n", { delay: 20 });
        const r = await exec(container(), ["sh", "-c", "sleep 1; test -e /tmp/shell-listens"]);
        return r.code === 0;
      },
      Boolean,
      "the desktop's terminal to run a probe typed in the page",
      30_000,
    );
    await page.keyboard.type("echo strand-typed-$((6*7)) > /tmp/typed.txt\n", { delay: 20 });
    const typed = await until(
      async () => (await exec(container(), ["sh", "-c", "cat /tmp/typed.txt 2>/dev/null"])).output.trim(),
      (out) => out.length > 0,
      "the typed command to run in the desktop's terminal",
      15_000,
    );
    expect(typed).toBe("strand-typed-42");
    await screenshot(page, "stream-typed");
    await page.context().close();
  });

  it("two viewers watch at once", async () => {
    const a = await openViewer();
    const b = await openViewer();
    await Promise.all([painted(a), painted(b)]);
    expect(await pictureVariety(b)).toBeGreaterThan(8);
    await Promise.all([a.context().close(), b.context().close()]);
  });

  it("the viewer comes back by itself after the server restarts on the same port and data", async () => {
    const page = await openViewer();
    await painted(page);
    const port = server.port;
    await stop();
    await until(
      () => viewerState(page),
      (h) => h?.connected === false,
      "the viewer to notice",
      10_000,
    );
    const before = (await viewerState(page))?.framesPainted ?? 0;
    await start(port);
    const restarted = Date.now();
    // agentd redials too; a fresh picture means both are back.
    await until(
      () => viewerState(page),
      (h) => (h?.framesPainted ?? 0) > before && (h?.connected ?? false),
      "the viewer to paint again after the restart",
      20_000,
    );
    const back = Date.now() - restarted;
    await screenshot(page, "stream-after-restart");
    expect(back).toBeLessThan(10_000);
    await page.context().close();
  });
});
