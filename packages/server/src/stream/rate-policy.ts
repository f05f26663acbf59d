import type { StreamParams } from "@strand/protocol";

export interface RatePolicyOptions {
  maxFps: number;
  maxBitrateKbps: number;
  minFps: number;
  minBitrateKbps: number;
  /** Healthy ticks in a row before one step up. */
  healthyTicksToRaise?: number;
  /** Ticks after a step down before the next one: the encoder needs time to show the effect. */
  cooldownTicks?: number;
}

/** Multiplicative steps: down fast (latency hurts now), up slowly (to not oscillate). */
const BITRATE_DOWN = 0.7;
const BITRATE_UP = 1.2;
const FPS_DOWN = 2 / 3;
const FPS_UP = 1.5;

/**
 * Adaptive rate for one session's encoder, fed once per tick (about a second) with whether any
 * viewer fell behind. Falling behind lowers the bitrate, and once the bitrate is at its floor, the
 * frame rate; a healthy stretch raises the frame rate back first (smoothness matters more for a
 * desktop than sharpness of motion), then the bitrate. Returns new parameters only when they change.
 */
export class RatePolicy {
  private fps: number;
  private bitrate: number;
  private healthy = 0;
  private cooldown = 0;
  private readonly raiseAfter: number;
  private readonly cooldownTicks: number;

  constructor(private readonly o: RatePolicyOptions) {
    this.fps = o.maxFps;
    this.bitrate = o.maxBitrateKbps;
    this.raiseAfter = o.healthyTicksToRaise ?? 5;
    this.cooldownTicks = o.cooldownTicks ?? 2;
  }

  get params(): StreamParams {
    return { fps: this.fps, bitrate_kbps: this.bitrate };
  }

  tick(behind: boolean): StreamParams | undefined {
    if (this.cooldown > 0) this.cooldown--;
    if (behind) {
      this.healthy = 0;
      if (this.cooldown > 0) return undefined;
      const before = this.params;
      if (this.bitrate > this.o.minBitrateKbps) {
        this.bitrate = Math.max(this.o.minBitrateKbps, Math.round(this.bitrate * BITRATE_DOWN));
      } else {
        this.fps = Math.max(this.o.minFps, Math.round(this.fps * FPS_DOWN));
      }
      this.cooldown = this.cooldownTicks;
      return this.changed(before);
    }
    if (++this.healthy < this.raiseAfter) return undefined;
    this.healthy = 0;
    const before = this.params;
    if (this.fps < this.o.maxFps) this.fps = Math.min(this.o.maxFps, Math.round(this.fps * FPS_UP));
    else this.bitrate = Math.min(this.o.maxBitrateKbps, Math.round(this.bitrate * BITRATE_UP));
    return this.changed(before);
  }

  private changed(before: StreamParams): StreamParams | undefined {
    const now = this.params;
    return now.fps === before.fps && now.bitrate_kbps === before.bitrate_kbps ? undefined : now;
  }
}
