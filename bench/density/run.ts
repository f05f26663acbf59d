/**
 * bench/density: starts BENCH_SESSIONS idle desktops (default 10) on the local Docker Engine and
 * prints memory per session and total CPU once they settle. Budget (DESIGN.md §8): ≥ 40 idle
 * desktops on a 24 GiB host, i.e. about 600 MiB or less each with room to spare.
 */
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { docker, ensureDesktopImage, startSandboxServer } from "../../test/support/sandbox.js";

const N = Number(process.env.BENCH_SESSIONS ?? 10);
const SETTLE_S = Number(process.env.BENCH_SETTLE ?? 20);
const MiB = 1024 * 1024;

await ensureDesktopImage("xfce");
const s = await startSandboxServer(`bench-density-${process.pid}`, N);
const ws = await s.watch();
const freeBefore = freemem();
const ids: string[] = [];
try {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    ids.push((await s.admin("POST", "/api/v1/sessions", { body: { name: `idle-${i}` } })).body.id);
  }
  for (const id of ids) {
    await ws.next((m) => m.type === "event" && m.event.session_id === id && m.event.session.state === "ready", 300_000);
  }
  const allReady = performance.now() - t0;
  await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
  const stats = await Promise.all(ids.map((id) => docker.getContainer(`strand-${id}`).stats({ stream: false })));
  const mem = stats.map(
    (st) => (st.memory_stats.usage ?? 0) - ((st.memory_stats.stats as { cache?: number })?.cache ?? 0),
  );
  const cpu = stats.map((st) => {
    const d = st.cpu_stats.cpu_usage.total_usage - st.precpu_stats.cpu_usage.total_usage;
    const sys = (st.cpu_stats.system_cpu_usage ?? 0) - (st.precpu_stats.system_cpu_usage ?? 0);
    return sys > 0 ? (d / sys) * (st.cpu_stats.online_cpus ?? cpus().length) * 100 : 0;
  });
  const avgMem = mem.reduce((a, b) => a + b, 0) / mem.length / MiB;
  const maxMem = Math.max(...mem) / MiB;
  const totalCpu = cpu.reduce((a, b) => a + b, 0);
  const hostUsed = (freeBefore - freemem()) / MiB;
  process.stdout.write(
    `bench/density: ${N} idle xfce desktops ready in ${(allReady / 1000).toFixed(1)} s (${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)})\n` +
      `  memory per session: avg ${avgMem.toFixed(0)} MiB, max ${maxMem.toFixed(0)} MiB (cgroup, without page cache)\n` +
      `  host memory used by the batch: ${hostUsed.toFixed(0)} MiB (${(hostUsed / N).toFixed(0)} MiB/session)\n` +
      `  CPU of all idle desktops together: ${totalCpu.toFixed(1)}% of one core\n` +
      `  projection for ${(totalmem() / 1024 / MiB).toFixed(0)} GiB: ~${Math.floor((totalmem() * 0.9) / MiB / Math.max(avgMem, hostUsed / N))} idle desktops by memory\n`,
  );
} finally {
  for (const id of ids) await s.admin("DELETE", `/api/v1/sessions/${id}`);
  for (const id of ids) {
    await ws
      .next((m) => m.type === "event" && m.event.type === "session.deleted" && m.event.session_id === id, 120_000)
      .catch(() => {});
  }
  ws.close();
  await s.stop();
}
