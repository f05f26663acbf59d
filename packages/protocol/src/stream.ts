/**
 * The stream wire protocol between agentd, the server's gateway and viewers (docs/stream-protocol.md).
 * Binary WebSocket frames start with a type byte; control messages travel as JSON text frames.
 * Plain DataView code so the same module runs in Node and in the browser.
 */
import { z } from "zod";

export const FrameType = {
  video: 0x01,
  key: 0x02,
  mouseAbs: 0x03,
  mouseRel: 0x04,
  mouseButton: 0x05,
  wheel: 0x06,
  touch: 0x07,
  ping: 0x08,
  pong: 0x09,
} as const;
export type FrameTypeName = keyof typeof FrameType;

export const VideoCodec = { h264: 1 } as const;
export const VideoFlags = {
  /** The access unit starts with an IDR: a decoder can start here. */
  keyframe: 1 << 0,
  /** Replayed to a joining viewer: decode it, but do not paint it. */
  catchUp: 1 << 1,
} as const;

export const VIDEO_HEADER_BYTES = 20;
/** Larger frames are refused: a 1080p keyframe at high quality stays far below this. */
export const MAX_VIDEO_FRAME_BYTES = 4 * 1024 * 1024;

export interface VideoFrame {
  type: "video";
  codec: number;
  flags: number;
  seq: number;
  /** Capture time in microseconds (agentd's clock). */
  captureUs: bigint;
  width: number;
  height: number;
  /** One complete access unit, Annex-B. */
  data: Uint8Array;
}

export const KeyAction = { up: 0, down: 1 } as const;
export const Modifier = { shift: 1, ctrl: 2, alt: 4, meta: 8, capsLock: 16, numLock: 32 } as const;

export interface KeyInput {
  type: "key";
  down: boolean;
  modifiers: number;
  /** X11 keysym: what the key means in the viewer's layout. */
  keysym: number;
  /** Linux evdev code: where the key is, for Wayland and layout-independent shortcuts. */
  code: number;
}
/** Pointer position normalised to 0..65535 over the desktop, so it survives scaling. */
export interface MouseAbsInput {
  type: "mouseAbs";
  x: number;
  y: number;
}
export interface MouseRelInput {
  type: "mouseRel";
  dx: number;
  dy: number;
}
export interface MouseButtonInput {
  type: "mouseButton";
  /** 1 left, 2 middle, 3 right, 8 back, 9 forward (X11 numbering). */
  button: number;
  down: boolean;
}
/** Wheel deltas in 1/120 of a notch, like the browser's WheelEvent in line mode × 120. */
export interface WheelInput {
  type: "wheel";
  dx: number;
  dy: number;
}
export const TouchAction = { start: 0, move: 1, end: 2, cancel: 3 } as const;
export interface TouchInput {
  type: "touch";
  id: number;
  action: number;
  x: number;
  y: number;
}
export interface PingFrame {
  type: "ping";
  id: number;
  /** The viewer's clock when sent (ms, e.g. performance.now()). */
  clientMs: number;
}
/** Echoes a ping with the server's timings, so the viewer can split network from server time. */
export interface PongFrame {
  type: "pong";
  id: number;
  clientMs: number;
  /** Microseconds the server held the ping before answering. */
  serverHoldUs: number;
  /** Age in microseconds of the newest video frame the server has relayed. */
  lastFrameAgeUs: number;
}

export type InputFrame = KeyInput | MouseAbsInput | MouseRelInput | MouseButtonInput | WheelInput | TouchInput;
export type StreamFrame = VideoFrame | InputFrame | PingFrame | PongFrame;

/** A frame that cannot be decoded, with a reason fit for a log line or an error message. */
export class FrameError extends Error {
  override name = "FrameError";
}

const SIZES: Record<Exclude<FrameTypeName, "video">, number> = {
  key: 1 + 1 + 2 + 4 + 2,
  mouseAbs: 1 + 2 + 2,
  mouseRel: 1 + 2 + 2,
  mouseButton: 1 + 1 + 1,
  wheel: 1 + 2 + 2,
  touch: 1 + 1 + 1 + 2 + 2,
  ping: 1 + 4 + 8,
  pong: 1 + 4 + 8 + 4 + 4,
};

export function encodeFrame(f: StreamFrame): Uint8Array {
  if (f.type === "video") {
    const out = new Uint8Array(VIDEO_HEADER_BYTES + f.data.byteLength);
    const v = new DataView(out.buffer);
    v.setUint8(0, FrameType.video);
    v.setUint8(1, f.codec);
    v.setUint8(2, f.flags);
    v.setUint32(4, f.seq >>> 0);
    v.setBigUint64(8, f.captureUs);
    v.setUint16(16, f.width);
    v.setUint16(18, f.height);
    out.set(f.data, VIDEO_HEADER_BYTES);
    return out;
  }
  const out = new Uint8Array(SIZES[f.type]);
  const v = new DataView(out.buffer);
  v.setUint8(0, FrameType[f.type]);
  switch (f.type) {
    case "key":
      v.setUint8(1, f.down ? KeyAction.down : KeyAction.up);
      v.setUint16(2, f.modifiers);
      v.setUint32(4, f.keysym);
      v.setUint16(8, f.code);
      break;
    case "mouseAbs":
      v.setUint16(1, clampU16(f.x));
      v.setUint16(3, clampU16(f.y));
      break;
    case "mouseRel":
    case "wheel":
      v.setInt16(1, clampI16(f.dx));
      v.setInt16(3, clampI16(f.dy));
      break;
    case "mouseButton":
      v.setUint8(1, f.button);
      v.setUint8(2, f.down ? 1 : 0);
      break;
    case "touch":
      v.setUint8(1, f.id);
      v.setUint8(2, f.action);
      v.setUint16(3, clampU16(f.x));
      v.setUint16(5, clampU16(f.y));
      break;
    case "ping":
      v.setUint32(1, f.id >>> 0);
      v.setFloat64(5, f.clientMs);
      break;
    case "pong":
      v.setUint32(1, f.id >>> 0);
      v.setFloat64(5, f.clientMs);
      v.setUint32(13, Math.min(f.serverHoldUs, 0xffffffff) >>> 0);
      v.setUint32(17, Math.min(f.lastFrameAgeUs, 0xffffffff) >>> 0);
      break;
  }
  return out;
}

/** Decodes one binary frame; throws `FrameError` saying what is wrong with it. */
export function decodeFrame(buf: Uint8Array): StreamFrame {
  if (buf.byteLength === 0) throw new FrameError("empty frame");
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = v.getUint8(0);
  if (type === FrameType.video) {
    if (buf.byteLength < VIDEO_HEADER_BYTES) {
      throw new FrameError(
        `video frame of ${buf.byteLength} bytes is shorter than its ${VIDEO_HEADER_BYTES}-byte header`,
      );
    }
    if (buf.byteLength > MAX_VIDEO_FRAME_BYTES) {
      throw new FrameError(`video frame of ${buf.byteLength} bytes exceeds the ${MAX_VIDEO_FRAME_BYTES}-byte limit`);
    }
    return {
      type: "video",
      codec: v.getUint8(1),
      flags: v.getUint8(2),
      seq: v.getUint32(4),
      captureUs: v.getBigUint64(8),
      width: v.getUint16(16),
      height: v.getUint16(18),
      data: buf.subarray(VIDEO_HEADER_BYTES),
    };
  }
  const name = (Object.keys(FrameType) as FrameTypeName[]).find((k) => FrameType[k] === type);
  if (!name || name === "video") throw new FrameError(`unknown frame type 0x${type.toString(16).padStart(2, "0")}`);
  if (buf.byteLength !== SIZES[name]) {
    throw new FrameError(`${name} frame must be ${SIZES[name]} bytes, got ${buf.byteLength}`);
  }
  switch (name) {
    case "key":
      return {
        type: "key",
        down: v.getUint8(1) === KeyAction.down,
        modifiers: v.getUint16(2),
        keysym: v.getUint32(4),
        code: v.getUint16(8),
      };
    case "mouseAbs":
      return { type: "mouseAbs", x: v.getUint16(1), y: v.getUint16(3) };
    case "mouseRel":
      return { type: "mouseRel", dx: v.getInt16(1), dy: v.getInt16(3) };
    case "wheel":
      return { type: "wheel", dx: v.getInt16(1), dy: v.getInt16(3) };
    case "mouseButton":
      return { type: "mouseButton", button: v.getUint8(1), down: v.getUint8(2) === 1 };
    case "touch":
      return { type: "touch", id: v.getUint8(1), action: v.getUint8(2), x: v.getUint16(3), y: v.getUint16(5) };
    case "ping":
      return { type: "ping", id: v.getUint32(1), clientMs: v.getFloat64(5) };
    case "pong":
      return {
        type: "pong",
        id: v.getUint32(1),
        clientMs: v.getFloat64(5),
        serverHoldUs: v.getUint32(13),
        lastFrameAgeUs: v.getUint32(17),
      };
  }
}

const clampU16 = (n: number) => Math.max(0, Math.min(0xffff, Math.round(n)));
const clampI16 = (n: number) => Math.max(-0x8000, Math.min(0x7fff, Math.round(n)));

/**
 * The WebCodecs codec string (`avc1.PPCCLL`) from the first SPS in an Annex-B access unit, or
 * undefined when it has none. Viewers configure their decoder with it on each keyframe.
 */
export function h264CodecString(au: Uint8Array): string | undefined {
  for (let i = 0; i + 3 < au.length; i++) {
    // Start code 00 00 01 (a 4-byte 00 00 00 01 ends with it too).
    if (au[i] !== 0 || au[i + 1] !== 0 || au[i + 2] !== 1) continue;
    const nal = i + 3;
    if (((au[nal] ?? 0) & 0x1f) === 7 && nal + 3 < au.length) {
      const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, "0");
      return `avc1.${hex(au[nal + 1])}${hex(au[nal + 2])}${hex(au[nal + 3])}`;
    }
  }
  return undefined;
}

/** JSON control messages (text frames), in both directions. */
export const StreamControlSchema = z.discriminatedUnion("type", [
  /** Server → viewer, first and after any change: what the video frames carry. */
  z.object({
    type: z.literal("init"),
    codec: z.literal("h264"),
    width: z.int().positive(),
    height: z.int().positive(),
    fps: z.int().positive(),
    view_only: z.boolean(),
  }),
  z.object({ type: z.literal("error"), error: z.string(), message: z.string() }),
  /** Either way: the clipboard's new text. */
  z.object({ type: z.literal("clipboard"), text: z.string().max(1_000_000) }),
  /** Viewer → server: ask the desktop for another size. */
  z.object({ type: z.literal("resize"), width: z.int().min(320).max(7680), height: z.int().min(240).max(4320) }),
  /** Server → viewer: the pointer's shape (CSS cursor name) and whether the desktop hides it. */
  z.object({ type: z.literal("cursor"), name: z.string().max(64), hidden: z.boolean() }),
  /** Viewer → server, about once a second: how far behind the viewer is, for adaptive bitrate. */
  z.object({
    type: z.literal("viewer-state"),
    last_seq: z.int().min(0),
    decode_queue: z.int().min(0),
    dropped: z.int().min(0),
  }),
  /**
   * Viewer → server: replay the cached GOP to me (my decoder failed or fell behind). Costs the
   * encoder nothing, unlike asking it for a keyframe.
   */
  z.object({ type: z.literal("resync") }),
]);
export type StreamControl = z.infer<typeof StreamControlSchema>;

/** The `error` codes the gateway sends to viewers, so a viewer can react without parsing messages. */
export const StreamErrorCodes = {
  /** The session's agentd is not connected to this server (not started, restarting, or on another replica). */
  agentOffline: "agent_offline",
  /** The encoder stopped; agentd restarts it and the picture resumes by itself. */
  encoderRestarting: "encoder_restarting",
  /** This viewer joined with `view_only=1`: its input is dropped. */
  viewOnly: "view_only",
  /** Input beyond the per-viewer rate limit was dropped. */
  rateLimited: "rate_limited",
  /** A binary frame could not be decoded (or is not one a viewer may send). */
  invalidFrame: "invalid_frame",
  /** A text message is not a valid control message. */
  invalidMessage: "invalid_message",
  /** agentd could not apply input, clipboard or resize. */
  inputFailed: "input_failed",
} as const;
