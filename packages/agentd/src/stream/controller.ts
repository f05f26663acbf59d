import {
  type AgentClientMessage,
  type AgentServerMessage,
  decodeFrame,
  encodeFrame,
  FrameError,
  VideoCodec,
  VideoFlags,
} from "@strand/protocol";
import type { Capture, CaptureHandlers } from "../capture/types.js";
import type { InputHandlers, InputSink } from "../input/types.js";
import type { Log } from "../log.js";

/** What the controller needs from the server link. */
export interface StreamLink {
  send(msg: AgentClientMessage): void;
  sendBinary(frame: Uint8Array): void;
  /** Bytes queued on the socket and not yet sent. */
  buffered(): number;
}

export interface StreamControllerDeps {
  link: StreamLink;
  log: Log;
  createCapture(handlers: CaptureHandlers): Capture;
  createInput(handlers: InputHandlers): Promise<InputSink>;
}

/**
 * Past this much unsent video on the server link, agentd stops queueing frames and waits for a
 * fresh keyframe: a late frame is worth less than a skipped one.
 */
const LINK_BACKLOG_BYTES = 2 * 1024 * 1024;

/**
 * Joins the server link to the capture and the input: starts and stops the encoder when the
 * gateway says viewers came or went, relays encoded frames, applies viewer input.
 */
export class StreamController {
  private readonly capture: Capture;
  private input: InputSink | undefined;
  private inputFailed: string | undefined;
  private inputStarted = false;
  private seq = 0;
  private waitingForKeyframe = false;

  constructor(private readonly deps: StreamControllerDeps) {
    const { link, log } = deps;
    this.capture = deps.createCapture({
      onStart: (info) => {
        this.waitingForKeyframe = false;
        link.send({ type: "stream.info", codec: "h264", ...info });
      },
      onFrame: (f) => {
        if (this.waitingForKeyframe && !f.keyframe) return;
        if (link.buffered() > LINK_BACKLOG_BYTES) {
          if (!this.waitingForKeyframe) log("warn", "server link is backed up; skipping to the next keyframe");
          this.waitingForKeyframe = true;
          this.capture.requestKeyframe();
          return;
        }
        this.waitingForKeyframe = false;
        link.sendBinary(
          encodeFrame({
            type: "video",
            codec: VideoCodec.h264,
            flags: f.keyframe ? VideoFlags.keyframe : 0,
            seq: this.seq++ >>> 0,
            captureUs: f.captureUs,
            width: f.width,
            height: f.height,
            data: f.data,
          }),
        );
      },
      onCursor: (name, hidden) => link.send({ type: "cursor", name, hidden }),
      onError: (message) => {
        log("warn", "encoder stopped; restarting it", { message });
        link.send({ type: "stream.error", message });
      },
    });
  }

  /**
   * The input sink connects to the display when a viewer first comes, not at agentd's start: a
   * session nobody watches needs no input, and a failure is reported to the viewers who want it.
   */
  private ensureInput(): void {
    if (this.inputStarted) return;
    this.inputStarted = true;
    this.deps
      .createInput({
        onClipboard: (text) => this.deps.link.send({ type: "clipboard", text: text.slice(0, 1_000_000) }),
        onError: (message) => this.deps.link.send({ type: "input.error", message }),
      })
      .then(
        (sink) => {
          this.input = sink;
        },
        (err: Error) => {
          this.inputFailed = err.message;
          this.deps.log("warn", "input injection is unavailable", { err: err.message });
        },
      );
  }

  /** A JSON message from the server; returns false when it is not a stream message. */
  onMessage(msg: AgentServerMessage): boolean {
    switch (msg.type) {
      case "stream.start":
        this.ensureInput();
        if (this.capture.running) this.capture.update({ fps: msg.fps, bitrateKbps: msg.bitrate_kbps });
        else this.capture.start({ fps: msg.fps, bitrateKbps: msg.bitrate_kbps });
        return true;
      case "stream.adjust":
        this.capture.update({ fps: msg.fps, bitrateKbps: msg.bitrate_kbps });
        return true;
      case "stream.stop":
        this.capture.stop();
        this.input?.releaseAll();
        return true;
      case "stream.keyframe":
        this.capture.requestKeyframe();
        return true;
      case "clipboard":
        this.ensureInput();
        this.withInput((input) => input.setClipboard(msg.text));
        return true;
      case "resize":
        this.ensureInput();
        this.withInput(async (input) => {
          const got = await input.resize(msg.width, msg.height);
          this.deps.log("info", "desktop resized", got);
        });
        return true;
      default:
        return false;
    }
  }

  /** A binary frame from the server: viewer input. */
  onBinary(data: Uint8Array): void {
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(data);
    } catch (err) {
      const message = err instanceof FrameError ? err.message : String(err);
      this.deps.link.send({ type: "input.error", message: `dropped an input frame: ${message}` });
      return;
    }
    if (frame.type === "video" || frame.type === "ping" || frame.type === "pong") {
      this.deps.link.send({ type: "input.error", message: `agentd does not accept ${frame.type} frames` });
      return;
    }
    if (!this.input) {
      if (this.inputFailed) this.deps.link.send({ type: "input.error", message: this.inputFailed });
      return;
    }
    this.input.apply(frame);
  }

  /** The server link dropped: nobody can watch, so nothing is captured until it asks again. */
  onDisconnect(): void {
    this.capture.stop();
    this.input?.releaseAll();
  }

  close(): void {
    this.capture.stop();
    this.input?.close();
  }

  private withInput(fn: (input: InputSink) => Promise<unknown>): void {
    if (!this.input) {
      this.deps.link.send({ type: "input.error", message: this.inputFailed ?? "input is not ready yet" });
      return;
    }
    fn(this.input).catch((err: Error) => this.deps.link.send({ type: "input.error", message: err.message }));
  }
}
