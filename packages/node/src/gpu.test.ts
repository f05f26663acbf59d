import { describe, expect, it } from "vitest";
import { decideEncoder, encoderContainerConfig, hasNvenc } from "./gpu.js";

describe("decideEncoder", () => {
  it("picks NVENC for a GPU that has the encoder, when Docker can hand it to containers", () => {
    const d = decideEncoder({ gpuNames: ["NVIDIA L4", ""], containerToolkit: true });
    expect(d).toEqual({ encoder: "nvenc", reason: "NVIDIA L4 has NVENC" });
  });

  it("refuses compute-only GPUs without NVENC", () => {
    for (const name of [
      "NVIDIA A100-SXM4-80GB",
      "NVIDIA H100 80GB HBM3",
      "NVIDIA H200",
      "NVIDIA A30",
      "NVIDIA GH200 480GB",
    ]) {
      expect(hasNvenc(name), name).toBe(false);
      const d = decideEncoder({ gpuNames: [name], containerToolkit: true });
      expect(d.encoder, name).toBe("none");
      expect(d.reason).toContain("no NVENC");
    }
  });

  it("does not mistake GPUs whose names merely contain those digits", () => {
    for (const name of [
      "Tesla T4",
      "NVIDIA A10G",
      "NVIDIA L40S",
      "NVIDIA GeForce RTX 4090",
      "NVIDIA RTX A4000",
      "Tesla V100-SXM2-16GB",
    ]) {
      expect(hasNvenc(name), name).toBe(true);
    }
  });

  it("uses NVENC when any one of several GPUs has it", () => {
    const d = decideEncoder({ gpuNames: ["NVIDIA H100 PCIe", "NVIDIA L4"], containerToolkit: true });
    expect(d).toEqual({ encoder: "nvenc", reason: "NVIDIA L4 has NVENC" });
  });

  it("says to install the container toolkit when the GPU has NVENC but Docker cannot pass it on", () => {
    const d = decideEncoder({ gpuNames: ["Tesla T4"], containerToolkit: false });
    expect(d.encoder).toBe("none");
    expect(d.reason).toContain("nvidia-container-toolkit");
  });

  it("reports why no GPU was found", () => {
    expect(
      decideEncoder({ gpuNames: undefined, smiError: "nvidia-smi is not installed", containerToolkit: false }),
    ).toEqual({
      encoder: "none",
      reason: "no NVIDIA GPU found (nvidia-smi is not installed)",
    });
    expect(decideEncoder({ gpuNames: ["", "  "], containerToolkit: true }).encoder).toBe("none");
  });
});

describe("encoderContainerConfig", () => {
  it("passes nothing when the node's STRAND_STREAM_ENCODER is unset or empty", () => {
    expect(encoderContainerConfig(undefined)).toEqual({ env: [] });
    expect(encoderContainerConfig(" ")).toEqual({ env: [] });
  });

  it("passes the encoder through and asks Docker for every GPU with video capability for nvenc", () => {
    expect(encoderContainerConfig("nvenc")).toEqual({
      env: ["STRAND_STREAM_ENCODER=nvenc"],
      deviceRequests: [{ Driver: "nvidia", Count: -1, Capabilities: [["gpu", "video"]] }],
    });
  });

  it("passes other encoders through without GPUs", () => {
    expect(encoderContainerConfig("x264")).toEqual({ env: ["STRAND_STREAM_ENCODER=x264"] });
  });
});
