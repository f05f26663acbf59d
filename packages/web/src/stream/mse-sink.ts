import { h264CodecString, VideoFlags, type VideoFrame as WireVideoFrame } from "@strand/protocol";
import { fragment, initSegment, MP4_TIMESCALE, parameterSets } from "./fmp4.js";
import type { SinkEvents, SinkStats, VideoSink } from "./video-sink.js";

/** Behind the newest frame by more than this, the video jumps forward (MSE players like to buffer). */
const MAX_LAG_S = 0.15;
/** Older media is removed from the buffer past this, so a long watch does not fill memory. */
const KEEP_S = 10;

type Op = { append: Uint8Array } | { remove: [number, number] } | { changeType: string };

/**
 * The fallback where WebCodecs is missing (older browsers, or pages served over plain HTTP from
 * another host, which are not a secure context): each frame is muxed into a fragmented-MP4
 * fragment (fmp4.ts) and appended to a Media Source, and the video is kept at the live edge.
 * Catch-up frames are appended like the others; the jump to the newest frame skips showing them.
 */
export class MseSink implements VideoSink {
  readonly kind = "mse";
  readonly element: HTMLVideoElement;
  readonly stats: SinkStats = { decoded: 0, painted: 0, dropped: 0, lastCaptureUs: 0 };
  videoSize: { width: number; height: number } | undefined;
  private readonly source = new MediaSource();
  private buffer: SourceBuffer | undefined;
  private readonly ops: Op[] = [];
  private track: { codec: string; width: number; height: number; sps: string } | undefined;
  private waitingForKeyframe = true;
  private seq = 0;
  private dts = 0;
  private readonly duration: number;
  /** Start time (s) of the newest frame to be shown, and capture times by media time. */
  private liveEdge = 0;
  private readonly captureAt: { time: number; captureUs: number }[] = [];
  private closed = false;

  constructor(
    private readonly events: SinkEvents,
    fps = 30,
  ) {
    this.duration = Math.round(MP4_TIMESCALE / fps);
    this.element = document.createElement("video");
    this.element.muted = true;
    this.element.playsInline = true;
    this.element.autoplay = true;
    this.element.disablePictureInPicture = true;
    this.element.src = URL.createObjectURL(this.source);
    this.source.addEventListener("sourceopen", () => this.pump());
    this.watchPaints();
  }

  static supported(): boolean {
    return typeof MediaSource !== "undefined" && MediaSource.isTypeSupported('video/mp4; codecs="avc1.42c01f"');
  }

  get decodeQueue(): number {
    return this.ops.length;
  }

  push(f: WireVideoFrame): void {
    if (this.closed) return;
    const key = (f.flags & VideoFlags.keyframe) !== 0;
    if (key) {
      const sets = parameterSets(f.data);
      const codec = h264CodecString(f.data);
      if (sets && codec) {
        const sps = Array.from(sets.sps, (b) => b.toString(16)).join("");
        const t = this.track;
        if (!t || t.sps !== sps || t.width !== f.width || t.height !== f.height) {
          if (t && t.codec !== codec && this.buffer) this.ops.push({ changeType: mime(codec) });
          this.track = { codec, width: f.width, height: f.height, sps };
          this.ops.push({ append: initSegment({ ...sets, width: f.width, height: f.height }) });
        }
      }
      if (this.track) this.waitingForKeyframe = false;
    }
    if (this.waitingForKeyframe) {
      this.stats.dropped++;
      return;
    }
    const start = this.dts / MP4_TIMESCALE;
    this.ops.push({ append: fragment(++this.seq, f.data, key, this.dts, this.duration) });
    this.dts += this.duration;
    if ((f.flags & VideoFlags.catchUp) === 0) {
      this.liveEdge = start;
      this.captureAt.push({ time: start, captureUs: Number(f.captureUs) });
      if (this.captureAt.length > 300) this.captureAt.splice(0, 100);
    }
    this.videoSize = { width: f.width, height: f.height };
    if (this.seq % 150 === 0 && start > KEEP_S) this.ops.push({ remove: [0, start - KEEP_S] });
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.ops.length = 0;
    if (this.source.readyState === "open") {
      try {
        this.source.endOfStream();
      } catch {
        // Already ending: nothing to do.
      }
    }
    URL.revokeObjectURL(this.element.src);
    this.element.removeAttribute("src");
    this.element.load();
  }

  private pump(): void {
    if (this.closed || this.source.readyState !== "open") return;
    if (!this.buffer) {
      if (!this.track) return;
      try {
        this.buffer = this.source.addSourceBuffer(mime(this.track.codec));
      } catch (err) {
        this.events.onNeedResync(`media source refused the stream: ${(err as Error).message}`);
        return;
      }
      this.buffer.mode = "segments";
      this.buffer.addEventListener("updateend", () => {
        this.chaseLiveEdge();
        this.pump();
      });
      this.buffer.addEventListener("error", () => this.reset("media source error"));
    }
    if (this.buffer.updating) return;
    const op = this.ops.shift();
    if (!op) return;
    try {
      if ("append" in op) this.buffer.appendBuffer(op.append as BufferSource);
      else if ("remove" in op) this.buffer.remove(op.remove[0], op.remove[1]);
      else {
        this.buffer.changeType(op.changeType);
        this.pump();
      }
    } catch (err) {
      this.reset((err as Error).message);
    }
  }

  /** Keeps playback at the newest frame: jumps when behind, and (re)starts a stalled player. */
  private chaseLiveEdge(): void {
    const v = this.element;
    if (v.buffered.length === 0) return;
    const end = v.buffered.end(v.buffered.length - 1);
    if (end - v.currentTime > MAX_LAG_S + this.duration / MP4_TIMESCALE) v.currentTime = this.liveEdge;
    if (v.paused) v.play().catch(() => {});
  }

  private reset(reason: string): void {
    this.ops.length = 0;
    this.waitingForKeyframe = true;
    this.track = undefined;
    if (this.buffer && this.source.readyState === "open") {
      try {
        this.source.removeSourceBuffer(this.buffer);
      } catch {
        // Gone with the source already.
      }
    }
    this.buffer = undefined;
    this.events.onNeedResync(reason);
  }

  private watchPaints(): void {
    const v = this.element;
    if (!("requestVideoFrameCallback" in v)) return;
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
      if (this.closed) return;
      this.stats.painted++;
      this.stats.decoded = v.getVideoPlaybackQuality().totalVideoFrames;
      const at = this.captureAt.findLast((c) => c.time <= meta.mediaTime + 0.001);
      if (at) this.stats.lastCaptureUs = at.captureUs;
      this.events.onPaint?.(this.stats);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }
}

const mime = (codec: string) => `video/mp4; codecs="${codec}"`;
