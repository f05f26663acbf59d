import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ENV_VARS } from "@strand/server/config";
import { afterAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "../..");

async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const r = await exec(cmd, args, { cwd: root, env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("install.sh arguments (nothing is installed)", () => {
  it("--help exits 0 and lists every flag", async () => {
    const r = await run("bash", ["install.sh", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--service", "--no-start", "--help"]) expect(r.stdout).toContain(flag);
    expect(r.stdout).not.toContain("set -euo");
  });

  it("refuses server options with --service and says where they go", async () => {
    const r = await run("bash", ["install.sh", "--service", "--port", "9090"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("/etc/strand/strand.env");
  });
});

describe("scripts/detect-gpu.sh", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function withFakeTools(gpuNames: string | undefined, toolkit: boolean): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "strand-gpu-"));
    dirs.push(dir);
    if (gpuNames !== undefined) await writeFile(join(dir, "nvidia-smi"), `#!/bin/sh\nprintf '${gpuNames}'\n`);
    if (toolkit) await writeFile(join(dir, "nvidia-container-runtime-hook"), "#!/bin/sh\n");
    for (const f of ["nvidia-smi", "nvidia-container-runtime-hook"]) await chmod(join(dir, f), 0o755).catch(() => {});
    // Only the fakes and node's own directory: a real nvidia-smi on this host must not leak in.
    return `${dir}:${join(process.execPath, "..")}:/usr/bin:/bin`;
  }

  it("prints nvenc for a GPU with NVENC when Docker can hand it to containers", async () => {
    const r = await run("bash", ["scripts/detect-gpu.sh"], { PATH: await withFakeTools("NVIDIA L4\\n", true) });
    expect(r).toMatchObject({ code: 0, stdout: "nvenc: NVIDIA L4 has NVENC\n" });
  });

  it("prints none with the reason for an H100, and without the container toolkit", async () => {
    const h100 = await run("bash", ["scripts/detect-gpu.sh"], {
      PATH: await withFakeTools("NVIDIA H100 80GB HBM3\\n", true),
    });
    expect(h100.stdout).toMatch(/^none: NVIDIA H100 80GB HBM3 has no NVENC/);
    const noHook = await run("bash", ["scripts/detect-gpu.sh"], { PATH: await withFakeTools("Tesla T4\\n", false) });
    expect(noHook.stdout).toMatch(/^none: .*install nvidia-container-toolkit/);
  });

  it("prints none when there is no nvidia-smi", async () => {
    const r = await run("bash", ["scripts/detect-gpu.sh"], { PATH: await withFakeTools(undefined, false) });
    expect(r.stdout).toBe("none: no NVIDIA GPU found (nvidia-smi is not installed)\n");
  });
});

describe("deploy/strand.env.example", () => {
  it("lists every environment variable the server and its node read", async () => {
    const text = await readFile(join(root, "deploy/strand.env.example"), "utf8");
    const node = ["STRAND_NODE_NAME", "STRAND_MAX_SESSIONS", "STRAND_SUBNET_POOL", "STRAND_STREAM_ENCODER"];
    for (const name of [...Object.keys(ENV_VARS), ...node]) expect(text, name).toMatch(new RegExp(`^#?${name}=`, "m"));
  });
});
