/**
 * bench/stream: the whole stream path on real components — a `strand server` process with its
 * embedded Docker node, a real xfce desktop (agentd → strand-capture → x264), the gateway, and the
 * viewer decoding with WebCodecs in Debian's Chromium. For 720p30 and 1080p30 it prints:
 *   draw → decoded   a painter in the desktop (bench/stream/painter.mjs) draws the wall clock as 32
 *                    blocks 10 times a second (below the 30 fps cap, so the figure is the pipeline's
 *                    latency, not the wait for the next capture slot); the page reads them back
 *                    from each decoded frame (same host clock)
 *   key → pixel      F9 pressed in the page flips a square in the desktop; time until a painted
 *                    frame shows it
 *   join → first frame, encoder CPU (active / static / no viewer) and bitrate (active / static)
 * Budgets (DESIGN.md §8): draw→decoded 1080p p50 ≤ 15 ms p95 ≤ 30 ms; key→pixel p50 ≤ 40 ms;
 * join ≤ 150 ms; encode CPU 1080p30 ≤ 35% / ≤ 3% / 0%; bandwidth ≤ 2.5 Mb/s / ≤ 50 kb/s.
 * Prints figures; asserts nothing.   npm run bench:stream   (BENCH_SAMPLES=200 BENCH_KEYS=30)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { pack } from "tar-stream";
import { launchBrowser, login, newContext, viewerState } from "../../test/support/browser.js";
import { caller } from "../../test/support/http.js";
import { spawnServer } from "../../test/support/process.js";
import { docker, ensureDesktopImage, exec, execDetached, removeDataDirNode } from "../../test/support/sandbox.js";
import { until } from "../../test/support/wait.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const KEYS = Number(process.env.BENCH_KEYS ?? 30);
const WINDOW_S = Number(process.env.BENCH_SECONDS ?? 10);
const EMAIL = "admin@localhost";
const PASSWORD = "bench stream password";
const TOKEN = "strand_bench_stream_admin_token_0123456789";
const nodeName = `bench-stream-${hostname()}-${process.pid}`;
const PROBE = readFileSync(fileURLToPath(new URL("./probe.js", import.meta.url)), "utf8");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const fmt = (xs: number[]) =>
  xs.length ? `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms (n=${xs.length})` : "no samples";

await ensureDesktopImage("xfce");
const dataDir = mkdtempSync(join(tmpdir(), "strand-bench-stream-"));
const server = await spawnServer({
  env: { STRAND_ADMIN_PASSWORD: PASSWORD, STRAND_ADMIN_TOKEN: TOKEN, STRAND_NODE_NAME: nodeName, LOG_LEVEL: "warn" },
  dataDir,
  node: true,
});
const admin = caller(server.url, { token: TOKEN });
const browser = await launchBrowser();
let sessionId = "";
try {
  sessionId = (await admin("POST", "/api/v1/sessions", { body: { name: "bench stream" } })).body.id;
  await until(
    async () => (await admin("GET", `/api/v1/sessions/${sessionId}`)).body,
    (s) => s.state === "ready",
    "the session to be ready",
    180_000,
  );
  const container = `strand-${sessionId}`;
  const sh = async (script: string, user = "agent") => {
    const r = await exec(container, ["bash", "-c", script], user);
    if (r.code !== 0) throw new Error(`in the desktop: ${script}: ${r.output}`);
    return r.output.trim();
  };

  // The painter, bundled with the x11 package, copied in and started as the agent.
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL("./painter.mjs", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const code = bundled.outputFiles[0]?.text ?? "";
  const tar = pack();
  tar.entry({ name: "painter.mjs", mode: 0o644 }, code);
  tar.finalize();
  await docker.getContainer(container).putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/tmp" });
  const startPainter = () =>
    execDetached(container, ["bash", "-c", "DISPLAY=:1 exec node /tmp/painter.mjs 10 > /tmp/painter.log 2>&1"]);
  const stopPainter = () => sh("pkill -f 'painter[.]mjs' || true");
  await startPainter();
  await until(
    () => sh("cat /tmp/painter.log"),
    (o) => o.includes("painter ready"),
    "the painter to start",
    10_000,
  );

  const openViewer = async (): Promise<Page> => {
    const page = await (await newContext(browser, server.url)).newPage();
    await page.addInitScript({ content: PROBE });
    await login(page, EMAIL, PASSWORD, `/sessions/${sessionId}`);
    await until(
      () => viewerState(page),
      (h) => (h?.framesPainted ?? 0) > 0,
      "a painted frame",
      20_000,
    );
    return page;
  };

  const results: string[] = [];
  for (const [w, h] of [
    [1280, 720],
    [1920, 1080],
  ] as const) {
    await setScreen(sh, w, h);
    const page = await openViewer();
    await until(
      () => readProbe(page),
      (p) => p.width === w,
      `frames at ${w}x${h}`,
      15_000,
    );
    await sleep(1_000);

    // draw → decoded: every paint of a new timestamp, read back from the canvas.
    const drawToDecoded = (await page.evaluate(`window.__benchProbe.drawToDecoded(${SAMPLES})`)) as {
      samples: number[];
      rejected: number[];
      decode: number[];
      draw: number[];
    };
    process.stderr.write(`${w}x${h} draw→decoded ${fmt(drawToDecoded.samples)}\n`);
    if (drawToDecoded.rejected.length > drawToDecoded.samples.length)
      process.stderr.write(`unreadable timestamps, e.g. ${drawToDecoded.rejected.slice(0, 5).join(", ")}\n`);

    // key → pixel: F9 flips the square at (20, 30); time until a painted frame shows it.
    await page.getByTestId("stream-media").focus();
    const keyToPixel: number[] = [];
    for (let k = 0; k < KEYS; k++) {
      await page.evaluate("window.__benchProbe.armFlip()");
      const t0 = Date.now();
      await page.keyboard.press("F9");
      const at = (await page.evaluate("window.__benchFlip")) as number;
      if (at < 0) throw new Error(`the key square did not flip; painter log: ${await sh("tail -5 /tmp/painter.log")}`);
      keyToPixel.push(at - t0);
      await sleep(150);
    }

    // Encoder CPU and bitrate: active (painter + a terminal scrolling text), static, no viewer.
    const active = await measure(
      sh,
      () => metricBytes(server.url),
      async () => {
        await sh(
          "DISPLAY=:1 xfce4-terminal --disable-server -e 'bash -c \"while :; do ls -la /usr/lib; done\"' >/dev/null 2>&1 &",
        );
        await sleep(1_500);
      },
    );
    // The bracket keeps pkill from matching the shell that runs it.
    await sh("pkill -f 'while :; d[o] ls'; pkill -f 'ls -l[a] /usr/lib'; true");
    await stopPainter();
    await sleep(1_500);
    const quiet = await measure(
      sh,
      () => metricBytes(server.url),
      async () => {},
    );
    await startPainter();
    await page.context().close();
    await sleep(3_000);
    const leftover = await sh("pgrep -c -x strand-capture || true");

    results.push(
      `${w}x${h}@30  draw→decoded ${fmt(drawToDecoded.samples)}\n` +
        `              of which   browser decode ${fmt(drawToDecoded.decode)}; canvas draw ${fmt(drawToDecoded.draw)}\n` +
        `            key→pixel    ${fmt(keyToPixel)}\n` +
        `            encoder CPU  active ${active.cpu.toFixed(1)}% of a core, static ${quiet.cpu.toFixed(1)}%, no viewer: ${leftover === "0" ? "no process (0%)" : `${leftover} process(es) left`}\n` +
        `            bitrate      active ${active.kbps.toFixed(0)} kb/s, static ${quiet.kbps.toFixed(1)} kb/s`,
    );
  }

  // join → first frame, on the idle desktop and with the painter drawing.
  const joins: number[] = [];
  for (let n = 0; n < 10; n++) {
    const page = await openViewer();
    const h = await viewerState(page);
    if (h) joins.push(h.firstPaintAt - h.firstOpenAt);
    await page.context().close();
    await sleep(300);
  }

  const lines = [
    `bench/stream: real xfce desktop, x264 ultrafast/zerolatency, Chromium WebCodecs (${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)})`,
    ...results,
    `join → first painted frame (socket open → paint): ${fmt(joins)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await browser.close();
  if (sessionId) await admin("DELETE", `/api/v1/sessions/${sessionId}`).catch(() => {});
  server.proc.kill("SIGTERM");
  await server.exited;
  await removeDataDirNode(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}

async function readProbe(page: Page): Promise<{ width: number; square: boolean }> {
  return (await page.evaluate("window.__benchProbe.size()")) as { width: number; square: boolean };
}

async function setScreen(sh: (s: string) => Promise<string>, w: number, h: number): Promise<void> {
  await sh(
    `export DISPLAY=:1; xrandr --newmode ${w}x${h} 0 ${w} 0 0 0 ${h} 0 0 0 2>/dev/null; xrandr --addmode screen ${w}x${h} 2>/dev/null; xrandr --output screen --mode ${w}x${h} --fb ${w}x${h}`,
  );
}

async function metricBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith("strand_stream_bytes_sent_total"));
  return Number(line?.split(" ").pop() ?? 0);
}

async function measure(
  sh: (s: string) => Promise<string>,
  bytes: () => Promise<number>,
  setup: () => Promise<void>,
): Promise<{ cpu: number; kbps: number }> {
  await setup();
  const pid = await sh("pgrep -o -x strand-capture");
  const cpuSeconds = async () => {
    const stat = await sh(`cat /proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const c0 = await cpuSeconds();
  const b0 = await bytes();
  const t0 = performance.now();
  await sleep(WINDOW_S * 1_000);
  const secs = (performance.now() - t0) / 1_000;
  const c1 = await cpuSeconds();
  const b1 = await bytes();
  return { cpu: ((c1 - c0) / secs) * 100, kbps: ((b1 - b0) * 8) / 1_000 / secs };
}
