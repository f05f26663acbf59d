import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  encodeFrame,
  FrameError,
  FrameType,
  h264CodecString,
  MAX_VIDEO_FRAME_BYTES,
  type StreamFrame,
  VIDEO_HEADER_BYTES,
  VideoCodec,
  VideoFlags,
} from "./stream.js";

describe("stream frames", () => {
  it("round-trips every frame type", () => {
    const frames: StreamFrame[] = [
      {
        type: "video",
        codec: VideoCodec.h264,
        flags: VideoFlags.keyframe | VideoFlags.catchUp,
        seq: 4_000_000_000,
        captureUs: 1_795_000_000_123_456n,
        width: 1920,
        height: 1080,
        data: new Uint8Array([0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f]),
      },
      { type: "key", down: true, modifiers: 2, keysym: 0x63, code: 46 },
      { type: "mouseAbs", x: 65535, y: 0 },
      { type: "mouseRel", dx: -5, dy: 12 },
      { type: "mouseButton", button: 3, down: false },
      { type: "wheel", dx: 0, dy: -240 },
      { type: "touch", id: 2, action: 1, x: 100, y: 200 },
      { type: "ping", id: 7, clientMs: 1234.5 },
      { type: "pong", id: 7, clientMs: 1234.5, serverHoldUs: 80, lastFrameAgeUs: 16_000 },
    ];
    for (const f of frames) expect(decodeFrame(encodeFrame(f))).toEqual(f);
  });

  it("lays the video header out as documented: type, codec, flags, seq, µs, width, height", () => {
    const bytes = encodeFrame({
      type: "video",
      codec: 1,
      flags: 1,
      seq: 258,
      captureUs: 1n,
      width: 1280,
      height: 720,
      data: new Uint8Array([9]),
    });
    expect(bytes.byteLength).toBe(VIDEO_HEADER_BYTES + 1);
    expect([...bytes.subarray(0, 8)]).toEqual([FrameType.video, 1, 1, 0, 0, 0, 1, 2]);
    expect([...bytes.subarray(16, 21)]).toEqual([0x05, 0x00, 0x02, 0xd0, 9]);
  });

  it("clamps out-of-range input instead of wrapping around", () => {
    expect(decodeFrame(encodeFrame({ type: "mouseAbs", x: 70_000, y: -3 }))).toEqual({
      type: "mouseAbs",
      x: 65535,
      y: 0,
    });
    expect(decodeFrame(encodeFrame({ type: "wheel", dx: 1e6, dy: -1e6 }))).toEqual({
      type: "wheel",
      dx: 32767,
      dy: -32768,
    });
  });

  it.each([
    [new Uint8Array([]), /empty frame/],
    [new Uint8Array([0x7f, 1, 2]), /unknown frame type 0x7f/],
    [new Uint8Array([FrameType.key, 1]), /key frame must be 10 bytes, got 2/],
    [new Uint8Array([FrameType.video, 1, 0]), /shorter than its 20-byte header/],
    [new Uint8Array(MAX_VIDEO_FRAME_BYTES + 1).fill(FrameType.video, 0, 1), /exceeds the/],
  ])("refuses malformed frame %#", (bytes, message) => {
    expect(() => decodeFrame(bytes)).toThrow(FrameError);
    expect(() => decodeFrame(bytes)).toThrow(message);
  });

  it("reads the WebCodecs codec string from the SPS of an access unit", () => {
    // AUD, then SPS for constrained baseline (0x42, constraints 0xc0) level 3.1 (0x1f), then an IDR.
    const au = new Uint8Array([0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0, 0, 1, 0x65, 0x88]);
    expect(h264CodecString(au)).toBe("avc1.42c01f");
    expect(h264CodecString(new Uint8Array([0, 0, 1, 0x41, 0x9a]))).toBeUndefined();
  });
});
