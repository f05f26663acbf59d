/**
 * Whether sessions on this host can encode their stream on an NVIDIA GPU (NVENC), and what that
 * asks of their containers. The decision is shared by `scripts/detect-gpu.sh` (install time, through
 * `node dist/gpu-cli.js`) and the node, so the two cannot disagree.
 */

export type StreamEncoderChoice = "nvenc" | "none";

export interface GpuProbe {
  /** Lines of `nvidia-smi --query-gpu=name --format=csv,noheader`; undefined when it could not run. */
  gpuNames: string[] | undefined;
  /** Why nvidia-smi gave nothing (not installed, driver not loaded), for the reason line. */
  smiError?: string | undefined;
  /** nvidia-container-toolkit's hook is installed: Docker needs it to hand GPUs to containers. */
  containerToolkit: boolean;
}

export interface EncoderDecision {
  encoder: StreamEncoderChoice;
  reason: string;
}

// Data-centre compute GPUs built without the video encoder block (they keep NVDEC only): A100/A800
// and A30 (Ampere), H100/H800/H200/H20 and GH200 (Hopper).
const NO_NVENC = /\b(A100|A800|A30|H100|H800|H200|H20|GH200)\b/i;

export function hasNvenc(gpuName: string): boolean {
  return !NO_NVENC.test(gpuName);
}

export function decideEncoder(probe: GpuProbe): EncoderDecision {
  if (probe.gpuNames === undefined) {
    return { encoder: "none", reason: `no NVIDIA GPU found (${probe.smiError ?? "nvidia-smi did not run"})` };
  }
  const names = probe.gpuNames.map((n) => n.trim()).filter((n) => n !== "");
  if (names.length === 0) return { encoder: "none", reason: "nvidia-smi lists no GPUs" };
  const withNvenc = names.filter(hasNvenc);
  if (withNvenc.length === 0) {
    return { encoder: "none", reason: `${names.join(", ")} has no NVENC video encoder; streams use x264 on the CPU` };
  }
  if (!probe.containerToolkit) {
    return {
      encoder: "none",
      reason:
        `${withNvenc[0]} has NVENC, but Docker cannot hand GPUs to containers: install nvidia-container-toolkit ` +
        "(nvidia-container-runtime-hook is missing), then rerun",
    };
  }
  return { encoder: "nvenc", reason: `${withNvenc.join(", ")} has NVENC` };
}

/** What a session container needs for the node's STRAND_STREAM_ENCODER (read from the node's env). */
export interface EncoderContainerConfig {
  env: string[];
  deviceRequests?: Array<{ Driver: string; Count: number; Capabilities: string[][] }>;
}

export function encoderContainerConfig(encoder: string | undefined): EncoderContainerConfig {
  const value = encoder?.trim() ?? "";
  if (value === "") return { env: [] };
  const env = [`STRAND_STREAM_ENCODER=${value}`];
  if (value !== "nvenc") return { env };
  // "video" adds the NVENC/NVDEC libraries to the container besides the device nodes ("gpu").
  return { env, deviceRequests: [{ Driver: "nvidia", Count: -1, Capabilities: [["gpu", "video"]] }] };
}
