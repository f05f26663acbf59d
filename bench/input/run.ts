/**
 * bench/input: what a viewer's input event costs in agentd's input sink (DESIGN.md §4: XTest
 * in-process instead of xdotool's 8–10 ms). Prints, over BENCH_EVENTS events (default 1,000):
 * CPU time of apply() per event, time per event until the display server has processed them
 * all, and the p50/p95 of one pointer move from apply() to a client window's MotionNotify.
 *   BENCH_DESKTOP=xfce (default): a private Xvfb on this machine (needs xvfb and xclip).
 *   BENCH_DESKTOP=sway: inside a real sway session container (Docker; take the docker lock).
 */
import { cpus, loadavg } from "node:os";
import { createInput } from "../../packages/agentd/src/input/index.js";
import type { InputSink } from "../../packages/agentd/src/input/types.js";
import { bundleInputDriver, copyInputDriver, runInputDriver } from "../../test/support/input-driver.js";
import { ensureDesktopImage, reaches, startSandboxServer } from "../../test/support/sandbox.js";
import { startXvfb, TestWindow } from "../../test/support/xvfb.js";

const N = Number(process.env.BENCH_EVENTS ?? 1000);
const desktop = (process.env.BENCH_DESKTOP ?? "xfce") as "xfce" | "sway";
const header = `bench/input (${desktop}, ${N} events, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)})`;
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

if (desktop === "sway") {
  const driver = await bundleInputDriver();
  await ensureDesktopImage("sway");
  const s = await startSandboxServer(`bench-input-${process.pid}`);
  const ws = await s.watch();
  try {
    const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "bench-input", desktop } })).body;
    await reaches(ws, id, "ready");
    await copyInputDriver(`strand-${id}`, driver);
    const lines = await runInputDriver(`strand-${id}`, "sway", [{ sleep: 300 }, { bench: N }]);
    const b = lines.find((l) => "bench" in l)?.bench as Record<string, number>;
    process.stdout.write(
      `${header}: pointer move ${b.pointerApplyUs?.toFixed(1)} µs to apply, ${b.pointerHandledUs?.toFixed(1)} µs per event ` +
        `until sway handled them; key ${b.keyApplyUs?.toFixed(1)} µs / ${b.keyHandledUs?.toFixed(1)} µs\n`,
    );
    await s.admin("DELETE", `/api/v1/sessions/${id}`);
  } finally {
    ws.close();
    await s.stop();
  }
} else {
  const xvfb = await startXvfb("1280x720");
  const win = await TestWindow.open(xvfb.display);
  const sink: InputSink = await createInput({
    desktop: "xfce",
    display: xvfb.display,
    log: () => {},
    handlers: { onClipboard: () => {}, onError: (m) => process.stderr.write(`${m}\n`) },
  });
  try {
    const pos = (i: number) => ({ x: (i * 37) % 65536, y: (i * 91) % 65536 });
    let t0 = performance.now();
    for (let i = 0; i < N; i++) sink.apply({ type: "mouseAbs", ...pos(i) });
    const moveApply = (performance.now() - t0) / N;
    await sink.flush();
    const moveHandled = (performance.now() - t0) / N;
    t0 = performance.now();
    for (let i = 0; i < N; i++) {
      sink.apply({ type: "key", down: true, modifiers: 0, keysym: 0x61, code: 30 });
      sink.apply({ type: "key", down: false, modifiers: 0, keysym: 0x61, code: 30 });
    }
    const keyApply = (performance.now() - t0) / (2 * N);
    await sink.flush();
    const keyHandled = (performance.now() - t0) / (2 * N);
    // One move at a time, until the window has it: what a viewer's pointer waits for.
    const latencies: number[] = [];
    for (let i = 0; i < Math.min(N, 500); i++) {
      const before = win.named("MotionNotify").length;
      const t = performance.now();
      sink.apply({ type: "mouseAbs", x: i % 2 ? 1000 : 2000, y: 1000 });
      while (win.named("MotionNotify").length === before) await new Promise((r) => setImmediate(r));
      latencies.push(performance.now() - t);
      win.clear();
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0;
    process.stdout.write(
      `${header}: pointer move ${us(moveApply)} to apply, ${us(moveHandled)} per event until Xvfb processed them; ` +
        `key ${us(keyApply)} / ${us(keyHandled)}; one move → client window p50 ${us(pct(50))}, p95 ${us(pct(95))}\n`,
    );
  } finally {
    sink.close();
    win.close();
    await xvfb.stop();
  }
}
