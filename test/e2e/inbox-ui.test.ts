import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import type { NotifyInput } from "../../packages/server/src/notifications/notify.js";
import { launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";
import { until } from "../support/wait.js";

/**
 * The inbox and project webhooks in the web UI, in real Chromium against a real server (no
 * Docker): the header's unread count, the inbox page, marking read by opening an item, the live
 * count, per-kind preferences, and a webhook added on the project page whose delivery log shows
 * a signed delivery to a receiver in this test.
 */

const SECRET = "e2e receiver secret";

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
let adminId: string;
let project: { id: string; slug: string };
let receiver: Server;
let receiverUrl: string;
const received: { signature: string; raw: string }[] = [];

async function page(path: string): Promise<Page> {
  const context = await newContext(browser, url);
  const p = await context.newPage();
  await login(p, ADMIN_EMAIL, ADMIN_PASSWORD, path);
  return p;
}

function notify(input: Partial<NotifyInput> & Pick<NotifyInput, "kind" | "title">) {
  const full: NotifyInput = {
    body: "",
    link: `/projects/${project.slug}`,
    projectId: project.id,
    taskId: null,
    sessionId: null,
    recipients: [adminId],
    ...input,
  };
  return server.database.db.transaction((tx) => server.notifications.notify(tx, full));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-inbox-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  adminId = (await admin("GET", "/api/v1/me")).body.id;
  project = (await admin("POST", "/api/v1/projects", { body: { name: "Storefront" } })).body;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ signature: String(req.headers["x-strand-signature"]), raw: Buffer.concat(chunks).toString() });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/strand`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

describe("inbox and webhooks in the web UI (real server, Chromium)", () => {
  it("shows the unread count in the header, lists the item, and opening it marks it read", async () => {
    await notify({ kind: "task.spec_ready", title: "Spec ready for review", body: "#1 Fix cart totals" });
    const p = await page("/");
    const bell = p.getByTestId("inbox-bell");
    await expect.poll(() => bell.getAttribute("data-unread")).toBe("1");
    expect(await p.getByTestId("inbox-unread-count").textContent()).toBe("1");
    await bell.click();
    await p.waitForURL(/\/inbox$/);
    const item = p.locator("[data-testid=inbox-item][data-kind='task.spec_ready']");
    await item.waitFor();
    expect(await item.getAttribute("data-unread")).toBe("true");
    expect(await item.textContent()).toContain("#1 Fix cart totals");

    // Live: one more arrives while the page is open, and the count follows without a reload.
    await notify({ kind: "task.code_ready", title: "Code ready for review", body: "#1 Fix cart totals" });
    await p.locator("[data-testid=inbox-item][data-kind='task.code_ready']").waitFor();
    await expect.poll(() => bell.getAttribute("data-unread")).toBe("2");
    await screenshot(p, "inbox");

    await item.click();
    await p.waitForURL(new RegExp(`/projects/${project.slug}$`));
    await expect.poll(() => bell.getAttribute("data-unread")).toBe("1");
    const listed = (await admin("GET", "/api/v1/notifications")).body.items;
    expect(listed.find((n: { kind: string }) => n.kind === "task.spec_ready").read_at).not.toBeNull();

    await bell.click();
    await p.getByTestId("inbox-mark-all-read").click();
    await expect.poll(() => bell.getAttribute("data-unread")).toBe("0");
    expect(await p.getByTestId("inbox-unread-count").count()).toBe(0);
    await p.context().close();
  });

  it("saves per-kind preferences: a kind turned off stays out of the inbox", async () => {
    const p = await page("/inbox");
    const prefs = p.getByTestId("notification-preferences");
    const inboxBox = prefs.getByLabel("A task is done: inbox");
    await inboxBox.waitFor();
    expect(await inboxBox.isChecked()).toBe(true);
    await inboxBox.uncheck();
    await until(
      async () => (await admin("GET", "/api/v1/notifications/preferences")).body.items,
      (items: { kind: string; inbox: boolean }[]) => items.some((i) => i.kind === "task.done" && !i.inbox),
      "the preference to be saved",
      10_000,
    );
    await notify({ kind: "task.done", title: "muted done" });
    await notify({ kind: "task.failed", title: "marker failed" });
    await p.locator("[data-testid=inbox-item][data-kind='task.failed']").waitFor();
    expect(await p.locator("[data-testid=inbox-item][data-kind='task.done']").count()).toBe(0);
    expect(await p.getByTestId("browser-notifications-toggle").count()).toBe(1);
    await p.context().close();
  });

  it("browser notifications: after the toggle, a notification for a hidden tab shows one that opens its link", async () => {
    const context = await newContext(browser, url);
    // The page's Notification and visibility, so the test sees what would be shown and can hide the tab.
    // A string: this runs in the page, and the test's TypeScript has no DOM types.
    await context.addInitScript(`
      window.__shown = [];
      window.__visibility = "visible";
      class FakeNotification {
        static permission = "default";
        static async requestPermission() {
          FakeNotification.permission = "granted";
          return "granted";
        }
        constructor(title, opts) {
          this.onclick = null;
          window.__shown.push({ title, ...opts, note: this });
        }
        close() {}
      }
      window.Notification = FakeNotification;
      Object.defineProperty(document, "visibilityState", { get: () => window.__visibility });
    `);
    const p = await context.newPage();
    await login(p, ADMIN_EMAIL, ADMIN_PASSWORD, "/inbox");
    const toggle = p.getByTestId("browser-notifications-toggle");
    await toggle.check();
    await expect.poll(() => toggle.isChecked()).toBe(true);

    // A visible tab shows none: the marker after it proves the first one was skipped.
    await notify({ kind: "agent.question", title: "while visible" });
    await p.locator("[data-testid=inbox-item]", { hasText: "while visible" }).waitFor();
    await p.evaluate('window.__visibility = "hidden"');
    await notify({ kind: "agent.permission", title: "Agent asks for permission", body: "rm -rf logs", link: "/teams" });
    const shown = () =>
      p.evaluate("window.__shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag }))") as Promise<
        { title: string; body: string; tag: string }[]
      >;
    await expect.poll(async () => (await shown()).length).toBe(1);
    const [only] = await shown();
    expect(only).toMatchObject({
      title: "Agent asks for permission",
      body: "rm -rf logs",
      tag: expect.stringMatching(/^ntf_/),
    });
    await p.evaluate("window.__shown[0].note.onclick()");
    await p.waitForURL(/\/teams$/);
    await context.close();
  });

  it("adds a webhook on the project page; its delivery log shows a signed delivery to the receiver", async () => {
    const p = await page(`/projects/${project.slug}`);
    const panel = p.getByTestId("webhooks-panel");
    await panel.getByTestId("webhooks-empty").waitFor();
    await panel.getByTestId("new-webhook").click();
    const form = p.getByTestId("new-webhook-form");
    await form.getByLabel("URL").fill("http://169.254.169.254/latest");
    await form.getByLabel("Secret").fill(SECRET);
    await form.getByTestId("new-webhook-submit").click();
    await p.getByTestId("new-webhook-error").waitFor();
    expect(await p.getByTestId("new-webhook-error").textContent()).toMatch(/never connects/);
    await form.getByLabel("URL").fill(receiverUrl);
    await form.getByTestId("new-webhook-submit").click();
    const row = panel.getByTestId("webhook-row");
    await row.waitFor();
    expect(await row.getAttribute("data-active")).toBe("true");
    expect(await row.textContent()).toContain(receiverUrl);

    const hookId = (await row.getAttribute("data-webhook-id")) as string;
    await notify({ kind: "task.done", title: "Task done", body: "#1 Fix cart totals" });
    await until(
      async () => (await admin("GET", `/api/v1/projects/${project.id}/webhooks/${hookId}/deliveries`)).body.items,
      (items: { state: string }[]) => items[0]?.state === "delivered",
      "the delivery",
      20_000,
    );
    await row.getByTestId("webhook-log-toggle").click();
    const delivered = row.locator("[data-testid=delivery-row][data-state=delivered]");
    await delivered.waitFor();
    expect(await delivered.textContent()).toContain("HTTP 200");
    await screenshot(p, "project-webhooks");
    expect(received).toHaveLength(1);
    const got = received[0] as { signature: string; raw: string };
    expect(got.signature).toBe(`sha256=${createHmac("sha256", SECRET).update(got.raw).digest("hex")}`);
    expect(JSON.parse(got.raw)).toMatchObject({ kind: "task.done", text: expect.stringContaining("Task done") });

    await row.getByTestId("webhook-toggle").click();
    await expect.poll(() => row.getAttribute("data-active")).toBe("false");
    await p.context().close();
  });
});
