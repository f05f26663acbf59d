import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { pack } from "tar-stream";
import { REPO_ROOT } from "./process.js";
import { docker, exec } from "./sandbox.js";
import { until } from "./wait.js";

export const DRIVER_IN_CONTAINER = "/tmp/strand-input-driver.mjs";

/** Bundles test/fixtures/input/driver.ts (agentd's input sink and a step runner) into one file, as agentd is. */
export async function bundleInputDriver(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "strand-input-driver-"));
  try {
    const outfile = join(dir, "driver.mjs");
    await build({
      entryPoints: [join(REPO_ROOT, "test/fixtures/input/driver.ts")],
      bundle: true,
      platform: "node",
      target: "node18",
      format: "esm",
      outfile,
      banner: { js: "import{createRequire}from'module';const require=createRequire(import.meta.url);" },
      logLevel: "silent",
    });
    return readFileSync(outfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Copies the bundled driver into a running container. */
export async function copyInputDriver(container: string, bundle: Buffer): Promise<void> {
  const tar = pack();
  tar.entry({ name: DRIVER_IN_CONTAINER.slice("/tmp/".length), mode: 0o644 }, bundle);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const c of tar) chunks.push(c as Buffer);
  await docker.getContainer(container).putArchive(Buffer.concat(chunks), { path: "/tmp" });
}

const SWAY_ENV =
  "export XDG_RUNTIME_DIR=/tmp/runtime-agent WAYLAND_DISPLAY=wayland-1 " +
  'SWAYSOCK="$(ls /tmp/runtime-agent/sway-ipc.* | head -n 1)";';

/** A shell command as the agent user with the desktop's environment (sway's sockets or DISPLAY). */
export function desktopShell(container: string, desktop: "xfce" | "sway", script: string) {
  const env = desktop === "sway" ? SWAY_ENV : "export DISPLAY=:1;";
  return exec(container, ["bash", "-c", `${env} ${script}`], "agent");
}

/** Runs the driver with `steps`; returns the JSON lines it printed. */
export async function runInputDriver(
  container: string,
  desktop: "xfce" | "sway",
  steps: unknown[],
): Promise<Record<string, unknown>[]> {
  const json = JSON.stringify(steps).replaceAll("'", "'\\''");
  const r = await desktopShell(container, desktop, `node ${DRIVER_IN_CONTAINER} '${json}'`);
  if (r.code !== 0) throw new Error(`the input driver failed (${r.code}): ${r.output}`);
  const lines = r.output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const errors = lines.filter((l) => "error" in l || l.log === "warn" || l.log === "error");
  if (errors.length > 0) throw new Error(`the input driver reported: ${JSON.stringify(errors)}`);
  return lines;
}

/**
 * Types a probe command into the focused terminal until it runs. A terminal window can be mapped
 * and focused before its shell listens (VTE spawns the shell asynchronously, and keys that arrive
 * before the pty exists are dropped), which under a loaded machine loses the first line typed.
 * Ctrl+U first clears whatever part of an earlier probe did arrive.
 */
export async function untilShellListens(container: string, desktop: "xfce" | "sway", timeoutMs = 30_000) {
  const probe = `/tmp/shell-listens-${process.pid}-${Date.now()}`;
  await until(
    async () => {
      // On sway each driver run brings a new virtual keyboard, which clients bind first.
      const settle = desktop === "sway" ? [{ sleep: 500 }] : [];
      await runInputDriver(container, desktop, [...settle, { ctrl: "u" }, { typeText: `touch ${probe}\n` }]);
      const wait = `for i in 1 2 3 4 5 6 7 8 9 10; do test -e ${probe} && exit 0; sleep 0.2; done; exit 1`;
      const r = await exec(container, ["sh", "-c", wait], "agent");
      return r.code === 0;
    },
    Boolean,
    "the shell in the focused terminal to run a typed probe command",
    timeoutMs,
  );
}

/**
 * Waits for xfwm4 to manage the screen. A session is ready when agentd connects, which on a loaded
 * machine can be well before startxfce4 has the window manager up; a window mapped before that
 * never gets the focus it would get as the newest window.
 */
export async function untilWindowManager(container: string, timeoutMs = 60_000) {
  await until(
    async () => (await desktopShell(container, "xfce", "xprop -root _NET_SUPPORTING_WM_CHECK")).output,
    (out) => out.includes("window id #"),
    "xfwm4 to manage the screen",
    timeoutMs,
  );
}
