import { h264CodecString, VideoFlags, type VideoFrame as WireVideoFrame } from "@strand/protocol";
import type { SinkEvents, SinkStats, VideoSink } from "./video-sink.js";

/** Frames queued in the decoder past which we are behind: skip to the next keyframe instead. */
const MAX_DECODE_QUEUE = 12;

interface Pending {
  paint: boolean;
  captureUs: number;
  /** performance.now() when handed to the decoder. */
  queuedAt: number;
}

/**
 * WebCodecs `VideoDecoder` (Annex-B, configured from each keyframe's SPS, optimised for latency)
 * painting to a canvas. Catch-up frames are decoded to rebuild the picture, but only the newest is painted.
 */
export class WebCodecsSink implements VideoSink {
  readonly kind = "webcodecs";
  readonly element: HTMLCanvasElement;
  readonly stats: SinkStats = { decoded: 0, painted: 0, dropped: 0, lastCaptureUs: 0 };
  videoSize: { width: number; height: number } | undefined;
  private readonly ctx: CanvasRenderingContext2D;
  private decoder: VideoDecoder | undefined;
  private config: { codec: string; width: number; height: number } | undefined;
  private waitingForKeyframe = true;
  private timestamp = 0;
  /** Frames queued in the decoder that will be painted (catch-up frames are not counted). */
  private liveInFlight = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly events: SinkEvents) {
    this.element = document.createElement("canvas");
    const ctx = this.element.getContext("2d", { alpha: false, desynchronized: true });
    if (!ctx) throw new Error("this browser cannot draw on a canvas");
    this.ctx = ctx;
  }

  static supported(): boolean {
    return typeof VideoDecoder !== "undefined" && typeof EncodedVideoChunk !== "undefined";
  }

  get decodeQueue(): number {
    return this.decoder?.decodeQueueSize ?? 0;
  }

  push(f: WireVideoFrame): void {
    const key = (f.flags & VideoFlags.keyframe) !== 0;
    if (key) {
      const codec = h264CodecString(f.data) ?? this.config?.codec;
      if (!codec) {
        this.drop();
        return;
      }
      const c = this.config;
      if (
        !this.decoder ||
        this.decoder.state === "closed" ||
        c?.codec !== codec ||
        c.width !== f.width ||
        c.height !== f.height
      ) {
        this.configure(codec, f.width, f.height);
      }
      this.waitingForKeyframe = false;
    } else if (this.waitingForKeyframe || !this.decoder) {
      this.drop();
      return;
    } else if (this.liveInFlight > MAX_DECODE_QUEUE) {
      // Only frames meant for painting count: a joiner's catch-up burst is expected to queue.
      // The decoder cannot keep up: a late picture is worth less than a skipped one.
      this.waitingForKeyframe = true;
      this.events.onNeedResync("the decoder fell behind");
      this.drop();
      return;
    }
    const timestamp = ++this.timestamp;
    const paint = (f.flags & VideoFlags.catchUp) === 0;
    if (paint) this.liveInFlight++;
    this.pending.set(timestamp, { paint, captureUs: Number(f.captureUs), queuedAt: performance.now() });
    try {
      this.decoder?.decode(new EncodedVideoChunk({ type: key ? "key" : "delta", timestamp, data: f.data }));
    } catch (err) {
      this.fail(err as Error);
    }
  }

  close(): void {
    if (this.decoder && this.decoder.state !== "closed") this.decoder.close();
    this.decoder = undefined;
    this.pending.clear();
    this.liveInFlight = 0;
  }

  private configure(codec: string, width: number, height: number): void {
    this.close();
    const decoder = new VideoDecoder({
      output: (frame) => this.onOutput(frame),
      error: (err) => {
        if (this.decoder === decoder) this.fail(err);
      },
    });
    // No `description`: the chunks are Annex-B, with SPS and PPS in band.
    decoder.configure({ codec, optimizeForLatency: true, hardwareAcceleration: "no-preference" });
    this.decoder = decoder;
    this.config = { codec, width, height };
  }

  private onOutput(frame: VideoFrame): void {
    const meta = this.pending.get(frame.timestamp);
    this.pending.delete(frame.timestamp);
    if (meta?.paint) this.liveInFlight = Math.max(0, this.liveInFlight - 1);
    this.stats.decoded++;
    try {
      if (!meta?.paint) return;
      const w = frame.displayWidth;
      const h = frame.displayHeight;
      if (this.element.width !== w || this.element.height !== h) {
        this.element.width = w;
        this.element.height = h;
      }
      this.videoSize = { width: w, height: h };
      const drawStart = performance.now();
      this.ctx.drawImage(frame, 0, 0, w, h);
      this.stats.lastDrawMs = performance.now() - drawStart;
      this.stats.lastDecodeMs = drawStart - meta.queuedAt;
      this.stats.painted++;
      this.stats.lastCaptureUs = meta.captureUs;
      this.events.onPaint?.(this.stats);
    } finally {
      frame.close();
    }
  }

  /** A decoder error closes the decoder: start again at the next keyframe (asking for one now). */
  private fail(err: Error): void {
    this.close();
    this.waitingForKeyframe = true;
    this.events.onNeedResync(`decoder error: ${err.message}`);
  }

  private drop(): void {
    this.stats.dropped++;
  }
}
