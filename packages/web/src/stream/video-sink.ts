import type { VideoFrame as WireVideoFrame } from "@strand/protocol";

export interface SinkStats {
  /** Frames the decoder produced (catch-up ones included). */
  decoded: number;
  /** Frames shown on screen. */
  painted: number;
  /** Frames thrown away while waiting for a keyframe (after an error or falling behind). */
  dropped: number;
  /** Capture time (µs, agentd's clock) of the newest painted frame. */
  lastCaptureUs: number;
  /** The newest painted frame's time in the decoder (handed over → picture out), ms; WebCodecs only. */
  lastDecodeMs?: number;
  /** How long drawing that picture on the canvas took, ms; WebCodecs only. */
  lastDrawMs?: number;
}

/** Turns wire video frames into pictures on an element: WebCodecs on a canvas, or MSE on a video. */
export interface VideoSink {
  readonly kind: "webcodecs" | "mse";
  readonly element: HTMLCanvasElement | HTMLVideoElement;
  /** The picture's size in desktop pixels, once known. */
  readonly videoSize: { width: number; height: number } | undefined;
  readonly decodeQueue: number;
  readonly stats: SinkStats;
  push(frame: WireVideoFrame): void;
  close(): void;
}

export interface SinkEvents {
  /** The sink lost its decoder state and needs the GOP again to show a picture. */
  onNeedResync(reason: string): void;
  onPaint?(stats: SinkStats): void;
}
