import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import jpeg from "jpeg-js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../fixtures/llm/server.js";
import { launchBrowser, login, newContext, screenshot, viewerState } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { type ServerProcess, spawnServer } from "../support/process.js";
import { ensureDesktopImage, removeDataDirNode } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * The web UI over real desktops: a `strand server` process with its Docker node, an xfce and a
 * sway session. Thumbnails are real screenshots taken by agentd (X11 GetImage; grim on sway); the
 * session page shows the live desktop beside the chat, where the real strand-agent (through the
 * LLM proxy, played by the scripted provider) plans, writes a file and runs a command. Under the
 * Docker lock:
 * STRAND_KEEP_OLD_IMAGES=1 flock /tmp/strand-docker.lock npx vitest run --project e2e test/e2e/desktop-ui.test.ts
 */

const EMAIL = "admin@localhost";
const PASSWORD = "e2e desktop ui password";
const TOKEN = "strand_e2e_desktop_ui_admin_token_0123456789";
const nodeName = `e2e-ui-${hostname()}-${process.pid}`;

let dataDir: string;
let server: ServerProcess;
let admin: Caller;
let browser: Browser;
let llm: ScriptedLlm;
const ids: Record<"xfce" | "sway", string> = { xfce: "", sway: "" };

async function ready(id: string): Promise<void> {
  const s = await until(
    async () => (await admin("GET", `/api/v1/sessions/${id}`)).body,
    (s) => s.state === "ready" || s.state === "failed",
    `session ${id} to be ready`,
    180_000,
  );
  expect(s.state, s.state_reason).toBe("ready");
}

/** Distinct colours in a coarse sample of a JPEG: a real desktop has many, a blank screen one. */
function variety(bytes: Buffer): { width: number; height: number; colours: number } {
  const img = jpeg.decode(bytes, { useTArray: true });
  const colours = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4 * 7) {
    colours.add(
      (((img.data[i] as number) >> 4) << 8) |
        (((img.data[i + 1] as number) >> 4) << 4) |
        ((img.data[i + 2] as number) >> 4),
    );
  }
  return { width: img.width, height: img.height, colours: colours.size };
}

async function thumbnail(id: string): Promise<Response> {
  return fetch(`${server.url}/api/v1/sessions/${id}/thumbnail`, { headers: { authorization: `Bearer ${TOKEN}` } });
}

async function page(path: string): Promise<Page> {
  const p = await (await newContext(browser, server.url)).newPage();
  await login(p, EMAIL, PASSWORD, path);
  return p;
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  await ensureDesktopImage("sway");
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-ui-"));
  server = await spawnServer({
    env: {
      STRAND_ADMIN_PASSWORD: PASSWORD,
      STRAND_ADMIN_TOKEN: TOKEN,
      STRAND_NODE_NAME: nodeName,
      LOG_LEVEL: process.env.STRAND_TEST_LOG_LEVEL ?? "info",
    },
    dataDir,
    node: true,
  });
  admin = caller(server.url, { token: TOKEN });
  // The provider is reached by the server (the LLM proxy), never by the sandbox.
  llm = await startScriptedLlm([], ["scripted-1"]);
  const provider = await admin("POST", "/api/v1/providers", {
    body: { name: "scripted", kind: "openai-compatible", base_url: `${llm.url}/v1` },
  });
  expect(provider.status, provider.text).toBe(201);
  for (const desktop of ["xfce", "sway"] as const) {
    const res = await admin("POST", "/api/v1/sessions", {
      body: { name: `${desktop} desktop`, desktop, model: "scripted/scripted-1" },
    });
    expect(res.status, res.text).toBe(201);
    ids[desktop] = res.body.id;
  }
  await Promise.all(Object.values(ids).map(ready));
  browser = await launchBrowser();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await llm?.close();
  if (server) {
    for (const id of Object.values(ids)) if (id) await admin("DELETE", `/api/v1/sessions/${id}`).catch(() => {});
    server.proc.kill("SIGTERM");
    await server.exited;
  }
  await removeDataDirNode(dataDir);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe("web UI over real desktops (Docker)", () => {
  for (const desktop of ["xfce", "sway"] as const) {
    it(`${desktop}: the thumbnail is a small JPEG of the real desktop`, async () => {
      // The desktop paints its panel and wallpaper a moment after agentd says hello.
      const shot = await until(
        async () => {
          const res = await thumbnail(ids[desktop]);
          if (res.status !== 200) return { status: res.status, error: await res.text() };
          return {
            status: 200,
            type: res.headers.get("content-type"),
            ...variety(Buffer.from(await res.arrayBuffer())),
          };
        },
        (r) => "colours" in r && r.colours > 4,
        "a thumbnail of a painted desktop",
        60_000,
      );
      expect(shot).toMatchObject({ type: "image/jpeg" });
      if (!("width" in shot)) throw new Error("no picture");
      expect(shot.width).toBeLessThanOrEqual(320);
      expect(shot.height).toBeLessThanOrEqual(320);
      expect(Math.max(shot.width, shot.height)).toBeGreaterThan(100);
    });
  }

  it("the fleet shows both desktops' thumbnails", async () => {
    const p = await page("/");
    for (const desktop of ["xfce", "sway"] as const) {
      const thumb = p.locator(`[data-session-id="${ids[desktop]}"]`).getByTestId("thumbnail");
      await thumb.waitFor({ timeout: 30_000 });
      expect(await thumb.evaluate((img: any) => img.naturalWidth)).toBeGreaterThan(100);
    }
    await screenshot(p, "fleet-desktops");
    await p.context().close();
  });

  it("the session page shows the live desktop beside the chat, where the real agent works", async () => {
    llm.push(
      {
        tool_calls: [
          {
            name: "report_plan",
            arguments: {
              entries: [
                { content: "Write hello.sh", status: "in_progress", priority: "high" },
                { content: "Run it", status: "pending", priority: "medium" },
              ],
            },
          },
        ],
      },
      {
        tool_calls: [
          { name: "write_file", arguments: { path: "hello.sh", content: "#!/bin/sh\necho hello from strand\n" } },
        ],
      },
      { tool_calls: [{ name: "run_command", arguments: { command: "sh hello.sh" } }] },
      { text: "I wrote `hello.sh` and ran it:\n\n```\nhello from strand\n```" },
    );
    const p = await page(`/sessions/${ids.xfce}`);
    await until(
      () => viewerState(p),
      (h) => (h?.framesPainted ?? 0) > 0,
      "the desktop to paint",
      30_000,
    );
    await p.getByTestId("chat-input").fill("Write a hello script and run it");
    await p.getByTestId("chat-send").click();
    const prompt = p.getByTestId("entry-user").first();
    await until(
      () => prompt.getByTestId("prompt-status").textContent(),
      (s) => s === "done" || s === "failed",
      "the agent to finish the turn",
      90_000,
    );
    expect(await prompt.getByTestId("prompt-status").textContent()).toBe("done");
    expect(await p.getByTestId("entry-text").last().textContent()).toContain("hello from strand");
    const write = p.locator('[data-testid="entry-tool"][data-tool-title="Write hello.sh"]');
    await write.locator("summary").first().click();
    expect(await write.getByTestId("diff").locator('[data-kind="add"]').allTextContents()).toContain(
      "2+echo hello from strand",
    );
    const run = p.locator('[data-testid="entry-tool"][data-tool-kind="execute"]');
    await run.locator("summary").first().click();
    await expect
      .poll(() => run.getByTestId("tool-output").allTextContents())
      .toContainEqual(expect.stringContaining("hello from strand"));
    expect(await p.getByTestId("entry-plan").count()).toBeGreaterThan(0);
    // The proxy sent the provider's own model id, never the session token.
    expect(llm.requests.length).toBeGreaterThanOrEqual(4);
    expect(llm.requests[0]?.body.model).toBe("scripted-1");
    await screenshot(p, "session-desktop-agent");
    await p.context().close();
  });
});
