import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { decideEncoder, type GpuProbe } from "./gpu.js";

/**
 * `node dist/gpu-cli.js` (what scripts/detect-gpu.sh runs): prints `nvenc: <reason>` or
 * `none: <reason>` for this host. Exit status 0 either way; only a crash is an error.
 */
async function probe(env: NodeJS.ProcessEnv = process.env): Promise<GpuProbe> {
  const containerToolkit = await onPath("nvidia-container-runtime-hook", env);
  return new Promise((resolve) => {
    execFile(
      "nvidia-smi",
      ["--query-gpu=name", "--format=csv,noheader"],
      { timeout: 15_000, env },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why =
            code === "ENOENT"
              ? "nvidia-smi is not installed"
              : `nvidia-smi failed: ${firstLine(stderr || stdout || err.message)}`;
          resolve({ gpuNames: undefined, smiError: why, containerToolkit });
        } else {
          resolve({ gpuNames: stdout.split("\n"), containerToolkit });
        }
      },
    );
  });
}

async function onPath(bin: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, bin), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

function firstLine(s: string): string {
  return s.trim().split("\n")[0] ?? "";
}

const decision = decideEncoder(await probe());
process.stdout.write(`${decision.encoder}: ${decision.reason}\n`);
