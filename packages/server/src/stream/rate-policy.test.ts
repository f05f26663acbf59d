import { describe, expect, it } from "vitest";
import { RatePolicy } from "./rate-policy.js";

const policy = () => new RatePolicy({ maxFps: 30, maxBitrateKbps: 2500, minFps: 10, minBitrateKbps: 250 });

describe("RatePolicy", () => {
  it("starts at the ceiling and stays there while viewers keep up", () => {
    const p = policy();
    for (let i = 0; i < 20; i++) expect(p.tick(false)).toBeUndefined();
    expect(p.params).toEqual({ fps: 30, bitrate_kbps: 2500 });
  });

  it("lowers the bitrate at once, then waits for the encoder before lowering again", () => {
    const p = policy();
    expect(p.tick(true)).toEqual({ fps: 30, bitrate_kbps: 1750 });
    expect(p.tick(true)).toBeUndefined();
    expect(p.tick(true)).toEqual({ fps: 30, bitrate_kbps: 1225 });
  });

  it("lowers the frame rate only once the bitrate is at its floor, and never below the bounds", () => {
    const p = policy();
    const seen = [];
    for (let i = 0; i < 40; i++) {
      const next = p.tick(true);
      if (next) seen.push(next);
    }
    expect(p.params).toEqual({ fps: 10, bitrate_kbps: 250 });
    const firstFpsDrop = seen.findIndex((s) => s.fps < 30);
    expect(seen[firstFpsDrop - 1]?.bitrate_kbps).toBe(250);
    expect(seen.every((s) => s.fps >= 10 && s.bitrate_kbps >= 250)).toBe(true);
  });

  it("raises the frame rate first, then the bitrate, one step per healthy stretch, up to the ceiling", () => {
    const p = policy();
    for (let i = 0; i < 40; i++) p.tick(true);
    const steps = [];
    for (let i = 0; i < 200; i++) {
      const next = p.tick(false);
      if (next) steps.push({ at: i, ...next });
    }
    expect(steps[0]).toEqual({ at: 4, fps: 15, bitrate_kbps: 250 });
    expect(steps[1]).toEqual({ at: 9, fps: 23, bitrate_kbps: 250 });
    expect(steps[2]).toEqual({ at: 14, fps: 30, bitrate_kbps: 250 });
    expect(steps[3]).toEqual({ at: 19, fps: 30, bitrate_kbps: 300 });
    expect(p.params).toEqual({ fps: 30, bitrate_kbps: 2500 });
  });

  it("a single bad tick in a healthy stretch restarts the count (hysteresis)", () => {
    const p = policy();
    p.tick(true);
    for (let i = 0; i < 4; i++) expect(p.tick(false)).toBeUndefined();
    expect(p.tick(true)).toEqual({ fps: 30, bitrate_kbps: 1225 });
    for (let i = 0; i < 4; i++) expect(p.tick(false)).toBeUndefined();
    expect(p.tick(false)).toEqual({ fps: 30, bitrate_kbps: 1470 });
  });
});
