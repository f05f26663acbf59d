import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import type { ViewerTestHook } from "../../packages/web/src/stream/viewer-hook.js";
import { REPO_ROOT } from "./process.js";

export const CHROMIUM = process.env.STRAND_TEST_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS_DIR = join(REPO_ROOT, "test-results");

/** Headless Debian Chromium, as the project's e2e tests run it. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      // Timers and decoding of a page in the background must not be throttled in tests.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
}

/** A fresh browser context (its own cookies) with a desktop-sized viewport. */
export function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ baseURL, viewport: { width: 1400, height: 900 } });
}

/** Logs in through the login page, as a person would, and waits to land on `next`. */
export async function login(page: Page, email: string, password: string, next = "/"): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => u.pathname === next.split("?")[0]);
}

/** Saves a screenshot under test-results/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, "-")}.png`);
  await page.screenshot({ path });
  return path;
}

// The functions below run in the page; they are strings because the tests compile without DOM types.

/** The viewer's test hook (window.__strandViewer) as plain data. */
export function viewerState(page: Page): Promise<ViewerHook | undefined> {
  return page.evaluate("window.__strandViewer && JSON.parse(JSON.stringify(window.__strandViewer))");
}

/** What packages/web/src/stream/test-hook.ts exposes (a DOM-free type file, so tests compile without DOM types). */
export type ViewerHook = ViewerTestHook;

/**
 * How varied the picture on the viewer's canvas (or video) is: the number of distinct colours in a
 * coarse sample. A blank or uniform picture gives 1 (or 0 before there is any picture).
 */
export function pictureVariety(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const el = document.querySelector("[data-testid=stream-media]");
    if (!el) return 0;
    const w = el instanceof HTMLVideoElement ? el.videoWidth : el.width;
    const h = el instanceof HTMLVideoElement ? el.videoHeight : el.height;
    if (!w || !h) return 0;
    const c = document.createElement("canvas");
    c.width = 64;
    c.height = 36;
    const ctx = c.getContext("2d");
    ctx.drawImage(el, 0, 0, w, h, 0, 0, 64, 36);
    const data = ctx.getImageData(0, 0, 64, 36).data;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) colours.add(((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4));
    return colours.size;
  })()`);
}
