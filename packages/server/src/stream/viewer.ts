import type { StreamControl } from "@strand/protocol";
import type { WebSocket } from "ws";
import { TokenBucket } from "./token-bucket.js";

/**
 * A viewer is never queued for: past either bound its frames are dropped until its socket drains,
 * then it is resynced from the cached GOP. 1 MiB is a few seconds of video at the default bitrate,
 * already too late to be worth sending; 30 frames is a second at 30 fps.
 */
export const HIGH_WATER_BYTES = 1024 * 1024;
export const MAX_QUEUED_FRAMES = 30;
/** A skipping viewer is resynced once its socket holds less than this. */
export const LOW_WATER_BYTES = 64 * 1024;
/** Input events a second per viewer, and the burst it may save up (a fast mouse plus typing fits). */
export const INPUT_RATE = 1000;
export const INPUT_BURST = 500;

export interface ViewerReport {
  decodeQueue: number;
  dropped: number;
  lastSeq: number;
}

/** One viewer's socket and what the hub tracks about it. Sends never throw and never queue past the bounds. */
export class Viewer {
  /** Since when (ms) its frames are being dropped because it does not keep up; undefined while live. */
  skippingSince: number | undefined;
  /** Waits for a keyframe before receiving delta frames (joined or resynced with nothing cached). */
  needsKeyframe = false;
  /** Frames dropped for this viewer since the rate policy last looked. */
  dropsThisTick = 0;
  /** Latest `viewer-state`, and the one before it (to see whether it dropped frames in between). */
  report: ViewerReport | undefined;
  previousReport: ViewerReport | undefined;
  reportFresh = false;
  readonly input = new TokenBucket(INPUT_RATE, INPUT_BURST);
  readonly resyncs = new TokenBucket(2, 2);
  private queued = 0;
  private readonly lastErrorAt = new Map<string, number>();

  constructor(
    readonly socket: WebSocket,
    readonly viewOnly: boolean,
  ) {}

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  get backedUp(): boolean {
    return this.socket.bufferedAmount > HIGH_WATER_BYTES || this.queued > MAX_QUEUED_FRAMES;
  }

  get drained(): boolean {
    return this.socket.bufferedAmount < LOW_WATER_BYTES && this.queued <= 2;
  }

  sendJson(msg: StreamControl): void {
    if (this.open) this.socket.send(JSON.stringify(msg));
  }

  sendBinary(frame: Uint8Array): void {
    if (!this.open) return;
    this.queued++;
    this.socket.send(frame, { binary: true }, () => this.queued--);
  }

  /**
   * Sends an `error` control message, at most once per `everyMs` for the same code (0: every time;
   * Infinity: once per connection), so a flood of bad input cannot turn into a flood of replies.
   */
  error(code: string, message: string, everyMs = 1000): void {
    const now = performance.now();
    const last = this.lastErrorAt.get(code);
    if (last !== undefined && now - last < everyMs) return;
    this.lastErrorAt.set(code, now);
    this.sendJson({ type: "error", error: code, message });
  }
}
