import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CaptureRecord, RecordParser } from "../../packages/agentd/src/capture/records.js";
import { type ExecStream, execStream } from "../support/exec-stream.js";
import { ensureDesktopImage, exec, reaches, startSandboxServer } from "../support/sandbox.js";
import { until } from "../support/wait.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;
let container: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  ws = await s.watch();
  const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "capture" } })).body;
  await reaches(ws, id, "ready");
  container = `strand-${id}`;
  // Let XFCE finish drawing its panel and desktop.
  await until(
    () => exec(container, ["bash", "-c", "pidof xfce4-panel xfdesktop >/dev/null && echo up"], "agent"),
    (r) => r.output.includes("up"),
    "the XFCE panel and desktop",
    60_000,
  );
  await sleep(3000);
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
});

type Timed = CaptureRecord & { at: number };

/** strand-capture running in the session container, its records collected as they arrive. */
async function runHelper(args: string[], env: string[] = []) {
  const proc = await execStream(container, ["strand-capture", ...args], { user: "agent", env });
  const parser = new RecordParser();
  const records: Timed[] = [];
  let stderr = "";
  proc.stdout.on("data", (c: Buffer) => {
    for (const r of parser.push(c)) records.push({ ...r, at: Date.now() });
  });
  proc.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const frames = () => records.filter((r) => r.kind === "frame");
  return {
    proc,
    records,
    frames,
    stderr: () => stderr,
    send: (line: string) => proc.write(`${line}\n`),
    framesSince: (t: number) => frames().filter((f) => f.at >= t),
  };
}

/** Runs a shell command as the agent in the container without waiting; returns a way to end it. */
async function draw(script: string): Promise<() => Promise<void>> {
  const pidFile = `/tmp/draw-${Date.now()}.pid`;
  await exec(
    container,
    ["bash", "-c", `(echo $BASHPID > ${pidFile}; exec bash -c '${script}') >/dev/null 2>&1 &`],
    "agent",
  );
  return async () => {
    await exec(container, ["bash", "-c", `kill $(cat ${pidFile})`], "agent");
  };
}

const nalTypes = (au: Uint8Array) => {
  const types: number[] = [];
  for (let i = 0; i + 3 < au.length; i++)
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) types.push((au[i + 3] as number) & 0x1f);
  return types;
};

function decodedFrames(annexB: Uint8Array): number {
  const out = execFileSync(
    "ffprobe",
    ["-v", "error", "-f", "h264", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", "-"],
    { input: annexB },
  );
  return Number(out.toString().trim());
}

const auOf = (r: Timed) => (r.kind === "frame" ? r.data : new Uint8Array(0));

/** The first picture of an H.264 stream, decoded to RGB (width × height × 3 bytes). */
const rgbOf = (annexB: Uint8Array): Buffer =>
  execFileSync(
    "ffmpeg",
    ["-v", "error", "-f", "h264", "-i", "-", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    { input: annexB, maxBuffer: 64 << 20 },
  );

/** The largest mean absolute difference, over its pixels and R, G, B, of any 16×16 block. */
function worstBlockDiff(a: Buffer, b: Buffer, width: number, height: number): { diff: number; x: number; y: number } {
  let worst = { diff: 0, x: 0, y: 0 };
  for (let by = 0; by + 16 <= height; by += 16) {
    for (let bx = 0; bx + 16 <= width; bx += 16) {
      let sum = 0;
      for (let y = by; y < by + 16; y++)
        for (let i = (y * width + bx) * 3; i < (y * width + bx + 16) * 3; i++)
          sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
      if (sum / (256 * 3) > worst.diff) worst = { diff: sum / (256 * 3), x: bx, y: by };
    }
  }
  return worst;
}

describe("strand-capture in the xfce desktop", () => {
  it("encodes on change only, obeys keyframe and params commands, follows a resize, and its H.264 decodes", async () => {
    const h = await runHelper(["--fps", "30", "--kbps", "2500"]);
    await until(
      async () => h.frames().length,
      (n) => n >= 1,
      "the first frame",
      10_000,
    );
    const info = h.records.find((r) => r.kind === "info");
    expect(info).toMatchObject({ kind: "info", width: 1280, height: 720, fps: 30, encoder: "x264" });
    expect(h.records.findIndex((r) => r.kind === "info")).toBeLessThan(h.records.findIndex((r) => r.kind === "frame"));
    const first = h.frames()[0] as Timed & { kind: "frame" };
    expect(first.keyframe).toBe(true);
    expect(nalTypes(first.data)).toEqual(expect.arrayContaining([7, 8, 5]));
    // The capture time is the desktop's wall clock when the screen was read.
    expect(Math.abs(Number(first.captureUs / 1000n) - first.at)).toBeLessThan(2000);

    // Something scrolls: frames flow, capped at the frame rate.
    const stopScroll = await draw(
      'exec xfce4-terminal --disable-server --geometry 100x30+40+40 -x bash -c "while :; do date +%s%N; sleep 0.01; done"',
    );
    await sleep(1500);
    const t30 = Date.now();
    await sleep(2000);
    const at30 = h.framesSince(t30).length;
    expect(at30).toBeGreaterThan(30);
    expect(at30).toBeLessThanOrEqual(64);

    // Lower the cap at run time: the same scene now yields at most ~10 frames a second.
    h.send("params 10 300");
    await sleep(300);
    const t10 = Date.now();
    await sleep(2000);
    const at10 = h.framesSince(t10).length;
    expect(at10).toBeGreaterThan(8);
    expect(at10).toBeLessThanOrEqual(22);
    expect(h.stderr()).toContain("params: up to 10 fps, 300 kb/s cap");
    h.send("params 30 2500");

    // Back to a still screen: a focused xmessage takes the focus from the IDE (no caret blinking).
    await stopScroll();
    const stopMessage = await draw("exec xmessage -geometry +300+200 still");
    await sleep(2500);
    const quiet = Date.now();
    await sleep(1200);
    expect(h.framesSince(quiet)).toEqual([]);

    // A keyframe on request, of the unchanged screen.
    h.send("keyframe");
    const asked = Date.now();
    await until(
      async () => h.framesSince(asked),
      (f) => f.length > 0,
      "the requested keyframe",
      5000,
    );
    const idr = h.framesSince(asked)[0] as Timed & { kind: "frame" };
    expect(idr.keyframe).toBe(true);
    expect(nalTypes(idr.data).slice(0, 2)).toEqual([7, 8]);
    expect(nalTypes(idr.data)).toContain(5);
    expect(idr.at - asked).toBeLessThan(500);

    // The screen changes size (RandR): a new info record, then a keyframe at the new size.
    const xrandr = (cmd: string) => exec(container, ["bash", "-c", cmd], "agent");
    const tResize = Date.now();
    const smaller = await xrandr(
      "xrandr --newmode 800x600_strand 10 800 801 802 803 600 601 602 603 && xrandr --addmode screen 800x600_strand" +
        " && xrandr --output screen --mode 800x600_strand && xrandr --fb 800x600",
    );
    expect(smaller.code, smaller.output).toBe(0);
    const afterResize = () => h.records.filter((r) => r.at >= tResize);
    await until(
      async () => afterResize().findIndex((r) => r.kind === "info"),
      (i) =>
        i >= 0 &&
        afterResize()
          .slice(i)
          .some((r) => r.kind === "frame"),
      "a frame after the resize",
      5000,
    );
    const resized = afterResize().slice(afterResize().findIndex((r) => r.kind === "info"));
    expect(resized[0]).toMatchObject({ kind: "info", width: 800, height: 600, encoder: "x264" });
    expect(resized.find((r) => r.kind === "frame")).toMatchObject({ keyframe: true });
    const back = await xrandr("xrandr --output screen --mode 1280x720 && xrandr --fb 1280x720");
    expect(back.code, back.output).toBe(0);

    // EOF on stdin ends it cleanly.
    h.proc.end();
    expect(await h.proc.exited).toBe(0);
    await stopMessage();

    // Every access unit decodes, from the start and from the requested keyframe alone.
    const frames = h.frames();
    expect(decodedFrames(Buffer.concat(frames.map(auOf)))).toBe(frames.length);
    const fromIdr = frames.slice(frames.indexOf(idr));
    expect(decodedFrames(Buffer.concat(fromIdr.map(auOf)))).toBe(fromIdr.length);
  }, 120_000);

  it("reads only the damaged rectangles, and the picture it keeps from them matches a full read of the screen", async () => {
    // Five-second stats: how much of the screen each frame read.
    const a = await runHelper(["--fps", "30"], ["STRAND_CAPTURE_STATS=1"]);
    await until(
      async () => a.frames().length,
      (n) => n >= 1,
      "the first frame",
      10_000,
    );
    // Small changes at odd places: a terminal printing, windows opening and closing over others.
    const stopScroll = await draw(
      'exec xfce4-terminal --disable-server --geometry 60x8+41+43 -x bash -c "while :; do date +%s%N; sleep 0.03; done"',
    );
    for (const [x, y] of [
      [333, 211],
      [517, 389],
      [91, 447],
    ]) {
      const close = await draw(`exec xmessage -geometry +${x}+${y} "odd place ${x},${y}"`);
      await sleep(700);
      await close();
      await sleep(300);
    }
    await until(
      async () => a.stderr(),
      (e) => e.includes("stats:"),
      "a stats line",
      10_000,
    );
    await stopScroll();
    const stats = /per frame: read\+convert ([\d.]+) ms \(([\d.]+)% of the screen\)/.exec(a.stderr());
    expect(stats, a.stderr()).not.toBeNull();
    expect(Number(stats![2])).toBeLessThan(50);

    // Still screen (a focused xmessage: no caret blinks), then the kept picture as a keyframe.
    const stopMessage = await draw("exec xmessage -geometry +300+200 still");
    await sleep(2500);
    const asked = Date.now();
    a.send("keyframe");
    await until(
      async () => a.framesSince(asked),
      (f) => f.length > 0,
      "the requested keyframe",
      5000,
    );
    const kept = a.framesSince(asked)[0] as Timed & { kind: "frame" };
    // A new helper's first frame reads the whole screen.
    const b = await runHelper(["--fps", "30"]);
    await until(
      async () => b.frames().length,
      (n) => n >= 1,
      "a fresh helper's first frame",
      10_000,
    );
    const full = b.frames()[0] as Timed & { kind: "frame" };
    a.proc.end();
    b.proc.end();
    await stopMessage();
    const worst = worstBlockDiff(rgbOf(auOf(kept)), rgbOf(auOf(full)), 1280, 720);
    // Two lossy encodings of the same screen differ by a few levels; a stale or misplaced
    // rectangle would differ by tens.
    expect(worst.diff, `the worst 16x16 block, at ${worst.x},${worst.y}`).toBeLessThan(8);
  }, 60_000);

  it("agentd's capture module restarts a killed helper and leaves no process after stop", async () => {
    const d = await startDriver(container, []);
    const tKill = Date.now();
    d.send("kill");
    expect(String((await d.waitFor(tKill, "error", "onError"))[0]?.message)).toContain("SIGKILL");
    await d.waitFor(tKill, "start", "onStart after the restart");
    expect((await d.waitFor(tKill, "frame", "a frame after the restart"))[0]).toMatchObject({ keyframe: true });
    const restarted = await d.pids();
    expect(restarted.ours).toHaveLength(1);
    expect(restarted.ours[0]).not.toBe(d.firstPid);
    await d.keyframeAndStop();
  }, 120_000);
});

describe("capture on the sway desktop (wf-recorder)", () => {
  let swayContainer: string;
  beforeAll(async () => {
    await ensureDesktopImage("sway");
    const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "capture-sway", desktop: "sway" } }))
      .body;
    await reaches(ws, id, "ready");
    swayContainer = `strand-${id}`;
  }, 900_000);

  it("streams on damage, answers a keyframe request with a new IDR and stops cleanly", async () => {
    const env = ["XDG_RUNTIME_DIR=/tmp/runtime-agent", "WAYLAND_DISPLAY=wayland-1"];
    const d = await startDriver(swayContainer, env);
    // Something changes: a terminal printing the time.
    const t = Date.now();
    const r = await exec(
      swayContainer,
      [
        "bash",
        "-c",
        'swaymsg -s "$(ls /tmp/runtime-agent/sway-ipc.* | head -n 1)" exec "foot sh -c \'while :; do date +%N; sleep 0.05; done\'"',
      ],
      "agent",
    );
    expect(r.code, r.output).toBe(0);
    await until(
      async () => d.since(t, "frame").length,
      (n) => n >= 10,
      "frames while the terminal prints",
      10_000,
    );
    expect(d.since(t, "frame").every((f) => f.width === 1280 && f.height === 720)).toBe(true);
    // A keyframe request restarts wf-recorder quietly: no error, no new onStart (same size).
    const tKey = Date.now();
    d.send("keyframe");
    await d.waitFor(tKey, "frame", "a frame after the keyframe request");
    await until(
      async () => d.since(tKey, "frame").some((f) => f.keyframe),
      (k) => k,
      "a keyframe after the request",
      5000,
    );
    expect(d.since(0, "error")).toEqual([]);
    expect(d.since(tKey, "start")).toEqual([]);
    await d.keyframeAndStop();
  }, 120_000);
});

/** Bundles test/fixtures/capture-driver.ts, runs it in the container and starts the capture. */
async function startDriver(name: string, env: string[]) {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, "../fixtures/capture-driver.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node18",
    write: false,
  });
  const copy = await execStream(name, ["bash", "-c", "cat > /tmp/capture-driver.mjs"], { user: "agent" });
  copy.write(bundle.outputFiles[0]?.text ?? "");
  copy.end();
  expect(await copy.exited).toBe(0);

  const driver: ExecStream = await execStream(name, ["node", "/tmp/capture-driver.mjs"], { user: "agent", env });
  const events: Event[] = [];
  let buf = "";
  driver.stdout.on("data", (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines) if (l.trim()) events.push({ ...JSON.parse(l), at: Date.now() });
  });
  const since = (t: number, ev: string) => events.filter((e) => e.ev === ev && e.at >= t);
  const waitFor = (t: number, ev: string, what: string, ms = 10_000) =>
    until(
      async () => since(t, ev),
      (l) => l.length > 0,
      what,
      ms,
    );
  const send = (line: string) => driver.write(`${line}\n`);
  const pids = async () => {
    const t = Date.now();
    send("pids");
    return (await waitFor(t, "pids", "the helper's pids"))[0] as unknown as {
      all: number[];
      ours: number[];
      running: boolean;
    };
  };
  await waitFor(0, "ready", "the driver");
  expect((await pids()).all).toEqual([]); // nothing runs before anyone watches

  const t0 = Date.now();
  send("start 30 2500");
  expect((await waitFor(t0, "start", "onStart"))[0]).toMatchObject({ width: 1280, height: 720, encoder: "x264" });
  expect((await waitFor(t0, "frame", "the first frame"))[0]).toMatchObject({ keyframe: true, width: 1280 });
  const running = await pids();
  expect(running.ours).toHaveLength(1);
  expect(running.running).toBe(true);

  return {
    send,
    since,
    waitFor,
    pids,
    firstPid: running.ours[0],
    /** A keyframe on request, then stop: no process, no frames, no restart later. */
    async keyframeAndStop() {
      const tKey = Date.now();
      send("keyframe");
      await until(
        async () => since(tKey, "frame").some((f) => f.keyframe),
        (k) => k,
        "the requested keyframe",
        10_000,
      );
      send("stop");
      await until(pids, (p) => p.all.length === 0 && !p.running, "no capture process after stop", 5000);
      const tStopped = Date.now();
      await sleep(1500);
      expect(since(tStopped, "frame")).toEqual([]);
      expect(since(tStopped, "start")).toEqual([]);
      expect((await pids()).all).toEqual([]);
      send("exit");
      expect(await driver.exited).toBe(0);
    },
  };
}

interface Event {
  ev: string;
  at: number;
  keyframe?: boolean;
  width?: number;
  height?: number;
  message?: string;
}
