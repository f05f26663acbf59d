import { type AgentClientMessage, decodeFrame, encodeFrame, type InputFrame, VideoFlags } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import type { Capture, CaptureHandlers, CaptureParams } from "../capture/types.js";
import type { InputSink } from "../input/types.js";
import { StreamController } from "./controller.js";

/** The controller's collaborators, recorded: the real capture and input are tested on real displays. */
function setup(opts: { inputFails?: boolean; buffered?: number } = {}) {
  const sent: AgentClientMessage[] = [];
  const binary: Uint8Array[] = [];
  const calls: string[] = [];
  const applied: InputFrame[] = [];
  let handlers!: CaptureHandlers;
  let running = false;
  let inputsCreated = 0;
  const capture: Capture = {
    start: (p: CaptureParams) => {
      running = true;
      calls.push(`start ${p.fps}/${p.bitrateKbps}`);
    },
    update: (p) => calls.push(`update ${p.fps}/${p.bitrateKbps}`),
    requestKeyframe: () => calls.push("keyframe"),
    stop: () => {
      running = false;
      calls.push("stop");
    },
    get running() {
      return running;
    },
  };
  const sink: InputSink = {
    apply: (f) => applied.push(f),
    releaseAll: () => calls.push("releaseAll"),
    flush: async () => {},
    setClipboard: async (t) => void calls.push(`clipboard ${t}`),
    resize: async (w, h) => ({ width: w, height: h }),
    close: () => calls.push("input close"),
  };
  const c = new StreamController({
    link: { send: (m) => sent.push(m), sendBinary: (b) => binary.push(b), buffered: () => opts.buffered ?? 0 },
    log: () => {},
    createCapture: (h) => {
      handlers = h;
      return capture;
    },
    createInput: async () => {
      inputsCreated++;
      if (opts.inputFails) throw new Error("cannot open display :1");
      return sink;
    },
  });
  const frame = (keyframe: boolean) =>
    handlers.onFrame({ keyframe, captureUs: 1n, width: 1280, height: 720, data: new Uint8Array([0, 0, 0, 1, 9]) });
  return { c, sent, binary, calls, applied, frame, handlers: () => handlers, inputsCreated: () => inputsCreated };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("StreamController", () => {
  it("starts the encoder for the first viewer, adjusts it, and stops it when told", () => {
    const t = setup();
    t.c.onMessage({ type: "stream.start", fps: 30, bitrate_kbps: 2500 });
    t.c.onMessage({ type: "stream.start", fps: 20, bitrate_kbps: 1000 });
    t.c.onMessage({ type: "stream.adjust", fps: 15, bitrate_kbps: 700 });
    t.c.onMessage({ type: "stream.keyframe" });
    t.c.onMessage({ type: "stream.stop" });
    expect(t.calls).toEqual(["start 30/2500", "update 20/1000", "update 15/700", "keyframe", "stop"]);
  });

  it("relays encoded frames as numbered video frames and says when the encoder (re)starts", () => {
    const t = setup();
    t.handlers().onStart({ width: 1280, height: 720, fps: 30, encoder: "x264" });
    t.frame(true);
    t.frame(false);
    expect(t.sent[0]).toEqual({
      type: "stream.info",
      codec: "h264",
      width: 1280,
      height: 720,
      fps: 30,
      encoder: "x264",
    });
    const frames = t.binary.map((b) => decodeFrame(b));
    expect(frames.map((f) => (f.type === "video" ? [f.seq, f.flags & VideoFlags.keyframe] : []))).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it("skips to the next keyframe instead of queueing on a backed-up server link", () => {
    const t = setup({ buffered: 10 * 1024 * 1024 });
    t.frame(false);
    expect(t.binary).toHaveLength(0);
    expect(t.calls).toContain("keyframe");
  });

  it("opens the input only once a viewer comes, then applies input frames in order", async () => {
    const t = setup();
    t.c.onBinary(encodeFrame({ type: "mouseAbs", x: 10, y: 20 }));
    expect(t.inputsCreated()).toBe(0);
    t.c.onMessage({ type: "stream.start", fps: 30, bitrate_kbps: 2500 });
    await tick();
    t.c.onBinary(encodeFrame({ type: "key", down: true, modifiers: 0, keysym: 0x61, code: 30 }));
    t.c.onBinary(encodeFrame({ type: "mouseButton", button: 1, down: true }));
    expect(t.applied.map((f) => f.type)).toEqual(["key", "mouseButton"]);
    t.c.onDisconnect();
    expect(t.calls).toContain("releaseAll");
  });

  it("answers malformed input and unavailable input with a clear error instead of failing", async () => {
    const t = setup({ inputFails: true });
    t.c.onBinary(new Uint8Array([0x02, 1]));
    expect(t.sent.at(-1)).toMatchObject({ type: "input.error", message: expect.stringContaining("key frame must be") });
    t.c.onMessage({ type: "stream.start", fps: 30, bitrate_kbps: 2500 });
    await tick();
    t.c.onBinary(encodeFrame({ type: "mouseAbs", x: 1, y: 1 }));
    expect(t.sent.at(-1)).toEqual({ type: "input.error", message: "cannot open display :1" });
  });
});
