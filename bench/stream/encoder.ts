/**
 * bench/stream/encoder: strand-capture (X11 capture + x264) in a real xfce desktop container, at
 * 1280x720 (the session's own display :1, XFCE with the IDE) and 1920x1080 (a second Xvfb :2 in
 * the same container, since the node does not pass a screen size through yet). Prints the encoder's
 * CPU (% of one core) with a terminal scrolling text, with the desktop idle, and with no viewer,
 * plus bitrates, frame rates and capture→agentd latency.
 *
 * Budgets (DESIGN.md §8), 1080p30: CPU active ≤ 35%, static ≤ 3%, no viewer 0%;
 * bandwidth typical ≤ 2.5 Mb/s, static ≤ 50 kb/s.
 *
 * BENCH_SECONDS (default 10) sets each measuring window.
 */
import { cpus, loadavg } from "node:os";
import { type CaptureRecord, RecordParser } from "../../packages/agentd/src/capture/records.js";
import { execStream } from "../../test/support/exec-stream.js";
import { ensureDesktopImage, exec, reaches, startSandboxServer } from "../../test/support/sandbox.js";
import { until } from "../../test/support/wait.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await ensureDesktopImage("xfce");
const s = await startSandboxServer(`bench-encoder-${process.pid}`);
const ws = await s.watch();
const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "bench-encoder" } })).body;

const sh = async (script: string) => {
  const r = await exec(`strand-${id}`, ["bash", "-c", script], "agent");
  if (r.code !== 0) throw new Error(`in the desktop: ${script}: ${r.output}`);
  return r.output.trim();
};

/** strand-capture's CPU time in seconds (utime + stime). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await sh(`cat /proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / Number(await sh("getconf CLK_TCK"));
}

interface Window {
  cpuPct: number;
  kbps: number;
  fps: number;
  keyframes: number;
  latencyP50: number;
  latencyP95: number;
}

async function measure(pid: number, records: (CaptureRecord & { at: number })[]): Promise<Window> {
  const c0 = await cpuSeconds(pid);
  const t0 = Date.now();
  const from = records.length;
  await sleep(SECONDS * 1000);
  const c1 = await cpuSeconds(pid);
  const secs = (Date.now() - t0) / 1000;
  const frames = records.slice(from).filter((r) => r.kind === "frame");
  const bytes = frames.reduce((n, f) => n + f.data.length, 0);
  const lat = frames.map((f) => f.at - Number(f.captureUs / 1000n)).sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return {
    cpuPct: ((c1 - c0) / secs) * 100,
    kbps: (bytes * 8) / 1000 / secs,
    fps: frames.length / secs,
    keyframes: frames.filter((f) => f.keyframe).length,
    latencyP50: pct(0.5),
    latencyP95: pct(0.95),
  };
}

const fmt = (w: Window) =>
  `CPU ${w.cpuPct.toFixed(1).padStart(5)}% of a core, ${w.kbps.toFixed(0).padStart(5)} kb/s, ` +
  `${w.fps.toFixed(1).padStart(4)} fps, ${w.keyframes} keyframes, capture→agentd p50 ${w.latencyP50} ms p95 ${w.latencyP95} ms`;

async function run(display: string): Promise<string[]> {
  const lines: string[] = [];
  const running = await sh("pidof strand-capture || true");
  lines.push(`  no viewer: no strand-capture process (${running ? `found ${running}!` : "none running"}), CPU 0%`);

  const h = await execStream(
    `strand-${id}`,
    ["strand-capture", "--display", display, "--fps", "30", "--kbps", "2500"],
    {
      user: "agent",
    },
  );
  const parser = new RecordParser();
  const records: (CaptureRecord & { at: number })[] = [];
  h.stdout.on("data", (c: Buffer) => {
    for (const r of parser.push(c)) records.push({ ...r, at: Date.now() });
  });
  h.stderr.resume();
  const pid = Number(
    await until(
      () => sh("pidof strand-capture || true"),
      (p) => p !== "",
      "strand-capture",
      10_000,
    ),
  );

  // A terminal over most of the screen: scrolling text at ~40 lines/s, then typing ~8 characters
  // a second (/tmp/bench-typing), then still (/tmp/bench-still).
  await sh(`rm -f /tmp/bench-still /tmp/bench-typing; cat > /tmp/bench-scroll.sh <<'EOF'
while :; do
  for f in /usr/share/doc/*/copyright; do
    while IFS= read -r line; do
      [ -e /tmp/bench-still ] && { clear; echo "idle"; exec sleep infinity; }
      if [ -e /tmp/bench-typing ]; then
        for ((i = 0; i < \${#line}; i++)); do printf %s "\${line:i:1}"; sleep 0.12; done; echo
      else
        echo "$line"; sleep 0.02
      fi
    done < "$f"
  done
done
EOF`);
  const geometry = display === ":1" ? "150x40+10+10" : "230x58+0+0";
  await sh(
    `(echo $BASHPID > /tmp/bench-term.pid; DISPLAY=${display} exec xfce4-terminal --disable-server --geometry ${geometry} -x bash /tmp/bench-scroll.sh) >/dev/null 2>&1 &`,
  );
  await sleep(2500);
  lines.push(`  active (terminal scrolling):  ${fmt(await measure(pid, records))}`);
  await sh("touch /tmp/bench-typing");
  await sleep(1000);
  lines.push(`  typical (typing in terminal): ${fmt(await measure(pid, records))}`);
  await sh("touch /tmp/bench-still");
  await sleep(2000);
  lines.push(`  static (terminal idle):       ${fmt(await measure(pid, records))}`);
  await sh("kill $(cat /tmp/bench-term.pid)");
  if (display === ":1") {
    await sleep(2000);
    lines.push(`  idle desktop (IDE caret):     ${fmt(await measure(pid, records))}`);
  }
  h.end();
  await h.exited;
  await sleep(300);
  const left = await sh("pidof strand-capture || true");
  lines.push(`  after the viewer left: ${left ? `strand-capture still running (${left})!` : "no process"}`);
  return lines;
}

try {
  await reaches(ws, id, "ready");
  await until(
    () => sh("pidof xfce4-panel >/dev/null && echo up || true"),
    (o) => o === "up",
    "the XFCE panel",
    60_000,
  );
  await sleep(4000);
  const out: string[] = [
    `bench/stream/encoder: strand-capture, x264 ultrafast/zerolatency, fps cap 30, bitrate cap 2500 kb/s, ${SECONDS} s windows (${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)})`,
  ];
  out.push("1280x720 (session display :1, XFCE + IDE):");
  out.push(...(await run(":1")));
  // 1080p: a second X server in the same container.
  await sh(
    "(Xvfb :2 -screen 0 1920x1080x24 -nolisten tcp -noreset >/tmp/xvfb2.log 2>&1 &) ; for i in $(seq 1 100); do DISPLAY=:2 xdpyinfo >/dev/null 2>&1 && break; sleep 0.05; done",
  );
  out.push("1920x1080 (second Xvfb :2 in the container, no window manager):");
  out.push(...(await run(":2")));
  process.stdout.write(`${out.join("\n")}\n`);
} finally {
  await s.admin("DELETE", `/api/v1/sessions/${id}`);
  ws.close();
  await s.stop();
}
