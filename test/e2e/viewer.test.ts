import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeFrame, type InputFrame, VideoFlags } from "@strand/protocol";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { SessionService } from "../../packages/server/src/sessions/service.js";
import { launchBrowser, login, newContext, pictureVariety, screenshot, viewerState } from "../support/browser.js";
import { type FixtureFrame, loadH264Fixture } from "../support/h264-fixture.js";
import { caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";
import { ScriptedAgent, sessionToken } from "../support/stream.js";
import { until } from "../support/wait.js";

/**
 * The browser viewer against the real gateway, with agentd played by a script that streams real
 * H.264 (test/fixtures/h264): decoding, painting, input, the MSE fallback, joining and reconnecting.
 * No Docker here; test/e2e/stream.test.ts covers the real desktop.
 */

const frames = loadH264Fixture();
let dataDir: string;
let server: RunningServer;
let port = 0;
let url: string;
let browser: Browser;
let sessionId: string;
let ownerId: string;
let player: FixturePlayer;

async function startAt(p: number): Promise<void> {
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: p, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  port = server.port;
  url = `http://127.0.0.1:${port}`;
}

/** agentd's part: starts sending the fixture in a loop at 30 fps when the gateway says stream.start. */
class FixturePlayer {
  private timer: NodeJS.Timeout | undefined;
  private i = 0;
  private seq = 0;
  readonly input: InputFrame[] = [];
  private constructor(readonly agent: ScriptedAgent) {
    agent.ws.on("message", (data, isBinary) => {
      if (isBinary) {
        this.input.push(decodeFrame(new Uint8Array(data as Buffer)) as InputFrame);
        return;
      }
      const msg = JSON.parse(data.toString());
      if (msg.type === "stream.start") this.play();
      if (msg.type === "stream.stop") this.stop();
    });
    agent.ws.on("close", () => this.stop());
  }

  static async connect(): Promise<FixturePlayer> {
    const token = await sessionToken(server.database.db, ownerId, sessionId);
    const agent = await ScriptedAgent.connect(url, token, sessionId, { width: 640, height: 360 });
    const p = new FixturePlayer(agent);
    if (agent.messages.some((m) => m.type === "stream.start")) p.play();
    return p;
  }

  private play(): void {
    if (this.timer) return;
    this.agent.send({ type: "stream.info", codec: "h264", width: 640, height: 360, fps: 30, encoder: "fixture" });
    this.i = 0; // an encoder (re)start begins with a keyframe
    this.timer = setInterval(() => this.sendNext(), 1000 / 30);
  }

  private sendNext(): void {
    const f = frames[this.i % frames.length] as FixtureFrame;
    this.i++;
    this.agent.sendFrame({
      flags: f.keyframe ? VideoFlags.keyframe : 0,
      seq: this.seq++,
      captureUs: BigInt(Date.now()) * 1000n,
      width: 640,
      height: 360,
      data: f.data,
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  keys(): { down: boolean; keysym: number; code: number }[] {
    return this.input.flatMap((f) => (f.type === "key" ? [{ down: f.down, keysym: f.keysym, code: f.code }] : []));
  }
}

async function openViewer(query = ""): Promise<Page> {
  const context = await newContext(browser, url);
  const page = await context.newPage();
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD, `/sessions/${sessionId}${query}`);
  return page;
}

const painted = (page: Page, atLeast = 1, ms = 15_000) =>
  until(
    () => viewerState(page),
    (h) => (h?.framesPainted ?? 0) >= atLeast,
    `the viewer to paint ${atLeast} frames`,
    ms,
  );

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-viewer-"));
  await startAt(0);
  const admin = caller(url, { token: ADMIN_TOKEN });
  ownerId = (await admin("GET", "/api/v1/me")).body.id;
  sessionId = (await admin("POST", "/api/v1/sessions", { body: { name: "fixture desktop", start: false } })).body.id;
  // As the scheduler would on a node: the session starts, and the agent's hello makes it ready
  // (the session page shows the viewer only then).
  await admin("POST", `/api/v1/sessions/${sessionId}/start`);
  await new SessionService(server.database.db).transition(sessionId, "starting", "waiting for the scripted agentd");
  player = await FixturePlayer.connect();
  browser = await launchBrowser();
});
afterAll(async () => {
  player?.stop();
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("browser viewer (real gateway, scripted agentd with real H.264)", () => {
  it("logs in and paints the desktop with WebCodecs", async () => {
    const page = await openViewer();
    const hook = await painted(page, 10);
    expect(hook?.mode).toBe("webcodecs");
    expect(await pictureVariety(page)).toBeGreaterThan(20);
    expect(await page.getByTestId("stream-status").textContent()).toBe("Live");
    await screenshot(page, "viewer-webcodecs");
    await page.context().close();
  });

  it("sends keys and pointer to agentd only while the picture has focus, keeping Tab and Ctrl+W", async () => {
    const page = await openViewer();
    await painted(page);
    const media = page.getByTestId("stream-media");
    const box = await media.boundingBox();
    if (!box) throw new Error("the viewer has no box");
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.type("hi");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+w");
    await until(
      async () => player.keys().length,
      (n) => n >= 10,
      "key frames at agentd",
      5_000,
    );
    const downs = player.keys().filter((k) => k.down);
    expect(downs.map((k) => k.keysym)).toEqual([0x68, 0x69, 0xff09, 0xffe3, 0x77]);
    expect(downs.map((k) => k.code)).toEqual([35, 23, 15, 29, 17]);
    // Every press was released with the keysym it went down with.
    expect(player.keys().filter((k) => !k.down).length).toBe(5);
    // The focus stayed on the picture: Tab went to the desktop, not to the next control.
    expect(await page.evaluate("document.activeElement?.dataset.testid")).toBe("stream-media");
    const clicks = player.input.filter((f) => f.type === "mouseButton");
    expect(clicks).toEqual([
      { type: "mouseButton", button: 1, down: true },
      { type: "mouseButton", button: 1, down: false },
    ]);
    const move = player.input.find((f) => f.type === "mouseAbs");
    expect(move && move.type === "mouseAbs" && Math.abs(move.x - 32768) < 700 && Math.abs(move.y - 32768) < 700).toBe(
      true,
    );
    // Focus elsewhere: the page's keys are the page's again.
    const before = player.input.length;
    await page.getByRole("button", { name: "Fullscreen" }).focus();
    await page.keyboard.type("zz");
    await new Promise((r) => setTimeout(r, 300));
    expect(player.input.length).toBe(before);
    await page.context().close();
  });

  it("a view-only viewer watches without sending anything", async () => {
    const page = await openViewer("?view_only=1");
    await painted(page);
    expect(await page.getByLabel("View only").isChecked()).toBe(true);
    const before = player.input.length;
    await page.getByTestId("stream-media").click();
    await page.keyboard.type("nope");
    await new Promise((r) => setTimeout(r, 300));
    expect(player.input.length).toBe(before);
    await page.context().close();
  });

  it("falls back to MSE with its own fMP4 muxing when asked (or when WebCodecs is missing)", async () => {
    const page = await openViewer("?decoder=mse");
    const hook = await painted(page, 5);
    expect(hook?.mode).toBe("mse");
    expect(await pictureVariety(page)).toBeGreaterThan(20);
    await screenshot(page, "viewer-mse");
    await page.context().close();
  });

  it("shows the desktop's clipboard and puts the page's paste into the desktop's", async () => {
    const page = await openViewer();
    await painted(page);
    player.agent.send({ type: "clipboard", text: "copied in the desktop" });
    await until(
      () => viewerState(page),
      (h) => h?.clipboard === "copied in the desktop",
      "the clipboard at the viewer",
      5_000,
    );
    await page.getByTestId("stream-media").focus();
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.setData("text/plain", "pasted from the page");
      document.querySelector("[data-testid=stream-media]").dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true }));
    })()`);
    await player.agent.next((m) => m.type === "clipboard" && m.text === "pasted from the page");
    await page.context().close();
  });

  it("a second viewer paints at once from the cached GOP while the first keeps going", async () => {
    const first = await openViewer();
    await painted(first, 5);
    const second = await openViewer();
    const hook = await painted(second, 1, 5_000);
    const firstHook = await viewerState(first);
    expect(hook?.framesDecoded).toBeGreaterThanOrEqual(1);
    expect(firstHook?.framesPainted).toBeGreaterThan(5);
    await Promise.all([first.context().close(), second.context().close()]);
  });

  it("reconnects by itself after the server restarts on the same port", async () => {
    const page = await openViewer();
    await painted(page, 5);
    const oldPort = port;
    player.stop();
    await server.close();
    await until(
      () => viewerState(page),
      (h) => h?.connected === false,
      "the viewer to notice",
      5_000,
    );
    const paintedBefore = (await viewerState(page))?.framesPainted ?? 0;
    await startAt(oldPort);
    const back = Date.now();
    player = await FixturePlayer.connect();
    await until(
      () => viewerState(page),
      (h) => (h?.connects ?? 0) >= 2 && (h?.framesPainted ?? 0) > paintedBefore,
      "the viewer to reconnect and paint again",
      10_000,
    );
    expect(Date.now() - back).toBeLessThan(3_000);
    await screenshot(page, "viewer-after-restart");
    await page.context().close();
  });
});
