/**
 * bench/start: session create → ready (agentd connected) on the local Docker Engine, image present.
 * Prints p50/p95 over BENCH_RUNS runs (default 10). Budget (DESIGN.md §8): p50 ≤ 1.5 s.
 */
import { cpus, loadavg } from "node:os";
import { ensureDesktopImage, reaches, startSandboxServer } from "../../test/support/sandbox.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const desktop = (process.env.BENCH_DESKTOP ?? "xfce") as "xfce";

await ensureDesktopImage(desktop);
const s = await startSandboxServer(`bench-start-${process.pid}`);
const ws = await s.watch();
const times: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await s.admin("POST", "/api/v1/sessions", { body: { name: `bench-${i}`, desktop } });
    const id = res.body.id as string;
    await reaches(ws, id, "ready");
    times.push(performance.now() - t0);
    await s.admin("DELETE", `/api/v1/sessions/${id}`);
    await ws.next((m) => m.type === "event" && m.event.type === "session.deleted" && m.event.session_id === id, 60_000);
  }
} finally {
  ws.close();
  await s.stop();
}
const sorted = [...times].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
process.stdout.write(
  `bench/start (${desktop}, ${RUNS} runs, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}): ` +
    `create → ready p50 ${pct(50).toFixed(0)} ms, p95 ${pct(95).toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms\n`,
);
