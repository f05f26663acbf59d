import {
  type AgentClientMessage,
  type AgentServerMessage,
  decodeFrame,
  encodeFrame,
  FrameError,
  STREAM_DEFAULTS,
  type StreamControl,
  StreamControlSchema,
  StreamErrorCodes,
  type StreamInfo,
  VideoFlags,
} from "@strand/protocol";
import type { Logger } from "pino";
import type { Metrics } from "../observability/metrics.js";
import { GopCache } from "./gop-cache.js";
import { RatePolicy } from "./rate-policy.js";
import { INPUT_RATE, type Viewer } from "./viewer.js";

/** The server's end of one agentd socket, as the hub needs it. */
export interface AgentLink {
  send(msg: AgentServerMessage): void;
  sendBinary(frame: Uint8Array): void;
}

export interface HubDeps {
  sessionId: string;
  log: Logger;
  metrics: Metrics;
  /** Called when the hub has no viewers, no agent and nothing pending: the registry forgets it. */
  onIdle(): void;
}

/** Last viewer gone: the encoder keeps running this long, so a reloading viewer does not restart it. */
export const STOP_GRACE_MS = 2_000;
const TICK_MS = 1_000;
const SKIP_POLL_MS = 100;
const KEYFRAME_REQUEST_EVERY_MS = 1_000;
/** A viewer skipping this long is not reading at all; it no longer drags everyone's bitrate down. */
const HOPELESS_AFTER_MS = 5_000;
/** A viewer whose decoder holds more frames than this is behind. */
const DECODE_QUEUE_BEHIND = 3;
/** Largest text message from a viewer: a 1 MB clipboard in JSON, with room for escapes. */
const MAX_VIEWER_TEXT_BYTES = 2 * 1024 * 1024;

/**
 * Fans one session's video out to its viewers and their input in to its agentd. Lives on the
 * replica that holds agentd's socket. Starts the encoder for the first viewer and stops it after
 * the last; keeps the current GOP so a joiner (or a slow viewer that caught up) paints at once.
 */
export class StreamHub {
  readonly viewers = new Set<Viewer>();
  private agent: AgentLink | undefined;
  private info: StreamInfo | undefined;
  private cursor: { name: string; hidden: boolean } | undefined;
  private readonly gop = new GopCache();
  private encoding = false;
  private policy = newPolicy();
  private stopTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private skipTimer: NodeJS.Timeout | undefined;
  private lastKeyframeRequest = -Infinity;
  /** performance.now() when the newest video frame arrived, for the pong's frame age. */
  private lastFrameAt: number | undefined;
  private badAgentFrames = 0;

  constructor(private readonly deps: HubDeps) {}

  get agentConnected(): boolean {
    return this.agent !== undefined;
  }

  get encoderRunning(): boolean {
    return this.encoding;
  }

  get cachedFrames(): number {
    return this.gop.length;
  }

  // ---- viewers ----

  /** `notReady` is why there is no picture yet when agentd is not here (from the session's state). */
  addViewer(v: Viewer, notReady: string): void {
    this.viewers.add(v);
    this.deps.metrics.streamViewers.inc();
    clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    if (this.info) v.sendJson(this.initFor(v));
    if (this.cursor) v.sendJson({ type: "cursor", ...this.cursor });
    if (!this.agent) {
      v.error(StreamErrorCodes.agentOffline, notReady, 0);
      v.needsKeyframe = true;
      return;
    }
    this.startEncoder();
    this.replay(v);
  }

  removeViewer(v: Viewer): void {
    if (!this.viewers.delete(v)) return;
    this.deps.metrics.streamViewers.dec();
    if (this.viewers.size > 0) return;
    clearTimeout(this.stopTimer);
    this.stopTimer = setTimeout(() => {
      this.stopTimer = undefined;
      if (this.viewers.size === 0) {
        this.stopEncoder();
        this.maybeIdle();
      }
    }, STOP_GRACE_MS);
    this.stopTimer.unref();
  }

  onViewerBinary(v: Viewer, data: Uint8Array): void {
    const received = process.hrtime.bigint();
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(data);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.deps.metrics.streamInputDropped.inc({ reason: "invalid" });
      v.error(StreamErrorCodes.invalidFrame, `dropped a frame: ${err.message}`);
      return;
    }
    switch (frame.type) {
      case "ping": {
        const age = this.lastFrameAt === undefined ? 0xffffffff : (performance.now() - this.lastFrameAt) * 1000;
        const hold = Number(process.hrtime.bigint() - received) / 1000;
        if (v.open) {
          v.socket.send(
            encodeFrame({
              type: "pong",
              id: frame.id,
              clientMs: frame.clientMs,
              serverHoldUs: Math.round(hold),
              lastFrameAgeUs: Math.round(age),
            }),
          );
        }
        return;
      }
      case "video":
      case "pong":
        this.deps.metrics.streamInputDropped.inc({ reason: "invalid" });
        v.error(StreamErrorCodes.invalidFrame, `viewers send input and ping frames, not ${frame.type} frames`);
        return;
    }
    if (!this.mayControl(v)) return;
    if (!v.input.take()) {
      this.deps.metrics.streamInputDropped.inc({ reason: "rate_limited" });
      v.error(StreamErrorCodes.rateLimited, `input over the limit of ${INPUT_RATE} events a second was dropped`);
      return;
    }
    if (!this.agent) {
      this.deps.metrics.streamInputDropped.inc({ reason: "agent_offline" });
      v.error(StreamErrorCodes.agentOffline, "input was dropped: the desktop's agent is not connected", 5_000);
      return;
    }
    this.agent.sendBinary(data);
  }

  onViewerText(v: Viewer, text: string): void {
    let msg: StreamControl;
    try {
      if (text.length > MAX_VIEWER_TEXT_BYTES) throw new Error("too large");
      msg = StreamControlSchema.parse(JSON.parse(text));
    } catch {
      v.error(
        StreamErrorCodes.invalidMessage,
        "expected a JSON control message: clipboard, resize, viewer-state or resync (docs/stream-protocol.md)",
      );
      return;
    }
    switch (msg.type) {
      case "viewer-state":
        v.previousReport = v.report;
        v.report = { decodeQueue: msg.decode_queue, dropped: msg.dropped, lastSeq: msg.last_seq };
        v.reportFresh = true;
        return;
      case "resync":
        if (v.resyncs.take()) this.replay(v);
        return;
      case "clipboard":
      case "resize":
        if (!this.mayControl(v)) return;
        if (!this.agent) {
          v.error(StreamErrorCodes.agentOffline, `${msg.type} was dropped: the desktop's agent is not connected`);
          return;
        }
        this.agent.send(msg);
        return;
      default:
        // init, cursor and error only travel from the server; a viewer sending them is ignored.
        return;
    }
  }

  // ---- agentd ----

  attachAgent(link: AgentLink): void {
    this.agent = link;
    this.encoding = false;
    this.info = undefined;
    this.gop.clear();
    this.badAgentFrames = 0;
    // A new agentd process means a new encoder: everyone starts again from its first keyframe.
    for (const v of this.viewers) v.needsKeyframe = true;
    if (this.viewers.size > 0 || this.stopTimer) this.startEncoder();
  }

  detachAgent(link: AgentLink): void {
    if (this.agent !== link) return;
    this.agent = undefined;
    this.encoding = false;
    this.info = undefined;
    this.gop.clear();
    this.stopTicking();
    for (const v of this.viewers) {
      v.needsKeyframe = true;
      v.error(
        StreamErrorCodes.agentOffline,
        "The desktop's agent disconnected (it is restarting, or the session stopped). The picture comes back when it reconnects.",
        0,
      );
    }
    this.maybeIdle();
  }

  onAgentBinary(data: Uint8Array): void {
    let keyframe: boolean;
    try {
      const frame = decodeFrame(data);
      if (frame.type !== "video") throw new FrameError(`agentd sends video frames, not ${frame.type} frames`);
      keyframe = (frame.flags & VideoFlags.keyframe) !== 0;
    } catch (err) {
      if (this.badAgentFrames++ % 100 === 0) {
        this.deps.log.warn({ err, session: this.deps.sessionId }, "dropped an unreadable frame from agentd");
      }
      return;
    }
    this.lastFrameAt = performance.now();
    this.deps.metrics.streamFramesIn.inc();
    const cached = this.gop.push(data, keyframe) === "cached";
    if (!cached || this.gop.wantsKeyframe) this.requestKeyframe();
    const now = performance.now();
    for (const v of this.viewers) this.deliver(v, data, keyframe, cached, now);
  }

  onAgentMessage(msg: AgentClientMessage): void {
    switch (msg.type) {
      case "stream.info":
        this.info = msg;
        for (const v of this.viewers) v.sendJson(this.initFor(v));
        return;
      case "stream.error":
        for (const v of this.viewers) {
          v.error(
            StreamErrorCodes.encoderRestarting,
            `The desktop's encoder stopped and is restarting: ${msg.message}`,
            0,
          );
        }
        return;
      case "cursor":
        this.cursor = { name: msg.name, hidden: msg.hidden };
        for (const v of this.viewers) v.sendJson(msg);
        return;
      case "clipboard":
        for (const v of this.viewers) v.sendJson(msg);
        return;
      case "input.error":
        for (const v of this.viewers) {
          if (!v.viewOnly) v.error(StreamErrorCodes.inputFailed, `The desktop could not apply input: ${msg.message}`);
        }
        return;
      default:
        return;
    }
  }

  /** Server shutdown: timers go, sockets are closed by the HTTP server. */
  close(): void {
    clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    this.stopTicking();
  }

  // ---- internals ----

  private initFor(v: Viewer): StreamControl {
    const info = this.info as StreamInfo;
    return {
      type: "init",
      codec: "h264",
      width: info.width,
      height: info.height,
      fps: info.fps,
      view_only: v.viewOnly,
    };
  }

  private mayControl(v: Viewer): boolean {
    if (!v.viewOnly) return true;
    this.deps.metrics.streamInputDropped.inc({ reason: "view_only" });
    v.error(StreamErrorCodes.viewOnly, "this viewer joined view-only (view_only=1): its input is ignored", Infinity);
    return false;
  }

  private deliver(v: Viewer, frame: Uint8Array, keyframe: boolean, cached: boolean, now: number): void {
    if (v.skippingSince !== undefined) {
      if (!v.drained) {
        this.dropFor(v);
        return;
      }
      if (cached) {
        // The frame is already the newest in the cache: the replay carries it.
        this.replay(v);
        return;
      }
      v.skippingSince = undefined;
      v.needsKeyframe = true;
    }
    if (v.needsKeyframe && !keyframe) return;
    if (v.backedUp) {
      v.skippingSince = now;
      this.dropFor(v);
      this.pollSkipping();
      return;
    }
    v.needsKeyframe = false;
    v.sendBinary(frame);
    this.deps.metrics.streamFramesOut.inc();
    this.deps.metrics.streamBytesOut.inc(frame.byteLength);
  }

  private dropFor(v: Viewer): void {
    v.dropsThisTick++;
    this.deps.metrics.streamFramesDropped.inc();
  }

  /**
   * Sends the cached GOP at once: every frame flagged catch-up (decode, do not paint) except the
   * newest, which the viewer paints. With nothing cached the viewer waits for the next keyframe.
   */
  private replay(v: Viewer): void {
    v.skippingSince = undefined;
    const frames = this.gop.snapshot();
    if (frames.length === 0) {
      v.needsKeyframe = true;
      if (this.encoding) this.requestKeyframe();
      return;
    }
    v.needsKeyframe = false;
    let bytes = 0;
    frames.forEach((f, i) => {
      const last = i === frames.length - 1;
      const out = last ? f : Buffer.from(f);
      if (!last) out[2] = (out[2] ?? 0) | VideoFlags.catchUp;
      v.sendBinary(out);
      bytes += out.byteLength;
    });
    this.deps.metrics.streamFramesOut.inc(frames.length);
    this.deps.metrics.streamBytesOut.inc(bytes);
  }

  private startEncoder(): void {
    if (!this.agent || this.encoding) return;
    this.encoding = true;
    this.policy = newPolicy();
    this.agent.send({ type: "stream.start", ...this.policy.params });
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.tickTimer.unref();
  }

  private stopEncoder(): void {
    this.stopTicking();
    if (!this.encoding) return;
    this.encoding = false;
    this.agent?.send({ type: "stream.stop" });
  }

  private stopTicking(): void {
    clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    clearInterval(this.skipTimer);
    this.skipTimer = undefined;
  }

  private requestKeyframe(): void {
    const now = performance.now();
    if (!this.agent || !this.encoding || now - this.lastKeyframeRequest < KEYFRAME_REQUEST_EVERY_MS) return;
    this.lastKeyframeRequest = now;
    this.agent.send({ type: "stream.keyframe" });
  }

  /** Static screens send no frames, so drained slow viewers are also found by polling. */
  private pollSkipping(): void {
    if (this.skipTimer) return;
    this.skipTimer = setInterval(() => {
      let waiting = false;
      for (const v of this.viewers) {
        if (v.skippingSince === undefined) continue;
        if (v.drained) this.replay(v);
        else waiting = true;
      }
      if (!waiting) {
        clearInterval(this.skipTimer);
        this.skipTimer = undefined;
      }
    }, SKIP_POLL_MS);
    this.skipTimer.unref();
  }

  /** Once a second: did any viewer fall behind? The policy turns that into encoder settings. */
  private tick(): void {
    const now = performance.now();
    let behind = false;
    for (const v of this.viewers) {
      const hopeless = v.skippingSince !== undefined && now - v.skippingSince > HOPELESS_AFTER_MS;
      const report = v.reportFresh ? v.report : undefined;
      const droppedMore = report && v.previousReport ? report.dropped > v.previousReport.dropped : false;
      if (!hopeless && (v.dropsThisTick > 0 || (report && report.decodeQueue > DECODE_QUEUE_BEHIND) || droppedMore)) {
        behind = true;
      }
      v.dropsThisTick = 0;
      v.reportFresh = false;
    }
    const next = this.policy.tick(behind);
    if (next && this.agent) {
      this.deps.log.debug({ session: this.deps.sessionId, ...next, behind }, "stream rate adjusted");
      this.agent.send({ type: "stream.adjust", ...next });
    }
  }

  private maybeIdle(): void {
    if (this.viewers.size === 0 && !this.agent && !this.stopTimer) this.deps.onIdle();
  }
}

function newPolicy(): RatePolicy {
  return new RatePolicy({
    maxFps: STREAM_DEFAULTS.fps,
    maxBitrateKbps: STREAM_DEFAULTS.bitrateKbps,
    minFps: STREAM_DEFAULTS.minFps,
    minBitrateKbps: STREAM_DEFAULTS.minBitrateKbps,
  });
}
