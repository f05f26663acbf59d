/**
 * bench/disk: what a session's own disk costs at start (packages/node/src/session-disk.ts): the
 * first start makes the sparse image, formats and mounts it; later starts mount it again.
 * Prints p50/max over BENCH_RUNS sessions (default 10) of BENCH_DISK_MB (default 20480).
 * Needs root and loop devices, as the node does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { SessionDisks } from "../../packages/node/src/index.js";
import { createLogger } from "../../packages/server/src/index.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const SIZE = Number(process.env.BENCH_DISK_MB ?? 20_480);
const dir = mkdtempSync(join(tmpdir(), "strand-bench-disk-"));
const disks = await SessionDisks.open(dir, createLogger("silent"));
if (disks.limits.mode !== "loop-ext4") throw new Error(`this host cannot enforce disk limits: ${disks.limits.note}`);
const first: number[] = [];
const again: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const id = `ses_benchdisk${String(i).padStart(6, "0")}`;
    let t0 = performance.now();
    await disks.prepare(id, SIZE, { trusted: false });
    first.push(performance.now() - t0);
    await disks.release(id);
    t0 = performance.now();
    await disks.prepare(id, SIZE, { trusted: false });
    again.push(performance.now() - t0);
    await disks.remove(id);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const p = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? 0;
process.stdout.write(
  `bench/disk (${SIZE} MiB, ${RUNS} runs, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}): ` +
    `first start (image + mkfs + mount) p50 ${p(first, 0.5).toFixed(1)} ms, max ${p(first, 1).toFixed(1)} ms; ` +
    `later starts (mount) p50 ${p(again, 0.5).toFixed(1)} ms, max ${p(again, 1).toFixed(1)} ms\n`,
);
