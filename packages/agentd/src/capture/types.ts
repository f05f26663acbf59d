import type { Desktop } from "@strand/protocol";
import type { Log } from "../log.js";

/** What the encoder is asked for; `update` may change both while it runs. */
export interface CaptureParams {
  fps: number;
  bitrateKbps: number;
}

/** One encoded access unit, exactly as the encoder produced it (Annex-B). */
export interface EncodedFrame {
  keyframe: boolean;
  /** Wall-clock capture time in microseconds (CLOCK_REALTIME), so viewers can measure latency. */
  captureUs: bigint;
  width: number;
  height: number;
  data: Uint8Array;
}

export interface CaptureInfo {
  width: number;
  height: number;
  fps: number;
  /** `x264` or `nvenc`. */
  encoder: string;
}

export interface CaptureHandlers {
  /** The encoder (re)started; frames that follow have this shape. The first frame after it is a keyframe. */
  onStart(info: CaptureInfo): void;
  onFrame(frame: EncodedFrame): void;
  /** The pointer's CSS cursor name changed (X11 only; undefined elsewhere). */
  onCursor?(name: string, hidden: boolean): void;
  /** The encoder died; the capture restarts it by itself (`onStart` follows) unless stopped. */
  onError(message: string): void;
}

/**
 * Captures the session's display and encodes H.264 while at least one viewer watches. Nothing
 * runs between `stop` and the next `start`. A static screen produces no frames.
 */
export interface Capture {
  start(params: CaptureParams): void;
  update(params: CaptureParams): void;
  requestKeyframe(): void;
  stop(): void;
  readonly running: boolean;
}

export interface CaptureOptions {
  desktop: Desktop;
  /** X11 display (":1") for xfce; Wayland socket name ("wayland-1") for sway. */
  display: string;
  log: Log;
  handlers: CaptureHandlers;
  /** `auto` picks NVENC when the GPU has it, else x264. */
  encoder?: "auto" | "x264" | "nvenc";
}
