/**
 * What one fleet-view thumbnail costs agentd on X11: GetImage of the root window, box downscale to
 * 320 px wide, JPEG encode. Runs on a private Xvfb (no Docker): `npm run bench:thumbnail`.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Thumbnailer } from "../../packages/agentd/src/thumbnail/index.js";
import { startXvfb } from "../../test/support/xvfb.js";

const RUNS = 20;
const XBM = join(tmpdir(), "strand-bench-noise.xbm");

for (const size of ["1280x720", "1920x1080", "2560x1440"]) {
  const xvfb = await startXvfb(size);
  // A busy picture (a noise tile) so the JPEG size is not flattered by a flat colour.
  // XBM lines must stay short: Xlib reads the file line by line.
  const bits = Array.from(
    randomBytes(256 * 32),
    (b, i) => `${i % 12 ? "" : "\n"}0x${b.toString(16).padStart(2, "0")}`,
  ).join(",");
  writeFileSync(XBM, `#define n_width 256\n#define n_height 256\nstatic char n_bits[] = {${bits}};\n`);
  execFileSync("xsetroot", ["-display", xvfb.display, "-bitmap", XBM, "-fg", "#3070c0", "-bg", "#f0e0a0"]);
  const [width, height] = size.split("x").map(Number) as [number, number];
  const t = new Thumbnailer({ desktop: "xfce", display: xvfb.display, size: () => ({ width, height }) });
  await t.take(320, 320); // connection setup
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const img = await t.take(320, 320);
    ms.push(performance.now() - t0);
    bytes = img.data.byteLength;
  }
  ms.sort((a, b) => a - b);
  process.stdout.write(
    `${size}: p50 ${ms[Math.floor(RUNS / 2)]?.toFixed(1)} ms, p95 ${ms[Math.floor(RUNS * 0.95)]?.toFixed(1)} ms per thumbnail, ${(bytes / 1024).toFixed(1)} KiB JPEG (320 px wide)\n`,
  );
  t.close();
  await xvfb.stop();
}
