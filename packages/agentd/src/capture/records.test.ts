import { describe, expect, it } from "vitest";
import { type CaptureRecord, RecordError, RecordKind, RecordParser } from "./records.js";

/** Writes records exactly as strand-capture.c does. */
function record(kind: number, payload: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(0, 1 + payload.length);
  out[4] = kind;
  out.set(payload, 5);
  return out;
}
const text = (s: string) => [...Buffer.from(s, "latin1")];
function info(w: number, h: number, fps: number, kbps: number, enc: string) {
  const p = new Uint8Array(10);
  const v = new DataView(p.buffer);
  v.setUint16(0, w);
  v.setUint16(2, h);
  v.setUint16(4, fps);
  v.setUint32(6, kbps);
  return record(RecordKind.info, [...p, ...text(enc)]);
}
function frame(key: boolean, us: bigint, au: Uint8Array) {
  const p = new Uint8Array(9 + au.length);
  p[0] = key ? 1 : 0;
  new DataView(p.buffer).setBigUint64(1, us);
  p.set(au, 9);
  return record(RecordKind.frame, p);
}
const cursor = (hidden: boolean, name: string) => record(RecordKind.cursor, [hidden ? 1 : 0, ...text(name)]);

const au = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const stream = [
  info(1920, 1080, 30, 2500, "x264"),
  cursor(false, "left_ptr"),
  frame(true, 1_795_000_000_123_456n, au(9_000, 1)),
  frame(false, 1_795_000_000_156_789n, au(24, 2)),
  cursor(true, ""),
  frame(false, 2n ** 63n + 5n, au(1, 3)),
];
const expected: CaptureRecord[] = [
  { kind: "info", width: 1920, height: 1080, fps: 30, kbps: 2500, encoder: "x264" },
  { kind: "cursor", hidden: false, name: "left_ptr" },
  { kind: "frame", keyframe: true, captureUs: 1_795_000_000_123_456n, data: au(9_000, 1) },
  { kind: "frame", keyframe: false, captureUs: 1_795_000_000_156_789n, data: au(24, 2) },
  { kind: "cursor", hidden: true, name: "" },
  { kind: "frame", keyframe: false, captureUs: 2n ** 63n + 5n, data: au(1, 3) },
];
const all = new Uint8Array(Buffer.concat(stream));

function parseInChunks(sizes: () => number): CaptureRecord[] {
  const p = new RecordParser();
  const out: CaptureRecord[] = [];
  for (let off = 0; off < all.length; ) {
    const n = Math.min(sizes(), all.length - off);
    out.push(...p.push(all.subarray(off, off + n)));
    off += n;
  }
  expect(p.pending).toBe(0);
  return out;
}

describe("strand-capture record parser", () => {
  it("parses a whole stream given at once", () => {
    expect(new RecordParser().push(all)).toEqual(expected);
  });

  it("gives the same records however the pipe cuts the bytes", () => {
    expect(parseInChunks(() => 1)).toEqual(expected);
    expect(parseInChunks(() => 3)).toEqual(expected);
    expect(parseInChunks(() => 4096)).toEqual(expected);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return 1 + (seed % 3000);
    };
    for (let i = 0; i < 8; i++) expect(parseInChunks(random)).toEqual(expected);
  });

  it("splits right at every boundary between records", () => {
    let off = 0;
    for (const r of stream) {
      off += r.length;
      const p = new RecordParser();
      const got = [...p.push(all.subarray(0, off)), ...p.push(all.subarray(off))];
      expect(got).toEqual(expected);
    }
  });

  it("holds an unfinished record until the rest arrives", () => {
    const p = new RecordParser();
    const f = frame(true, 1n, au(100, 9));
    expect(p.push(f.subarray(0, 50))).toEqual([]);
    expect(p.pending).toBe(50);
    expect(p.push(f.subarray(50))).toHaveLength(1);
  });

  it("rejects corrupt output instead of waiting for gigabytes", () => {
    expect(() => new RecordParser().push(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 2]))).toThrow(RecordError);
    expect(() => new RecordParser().push(Uint8Array.from([0, 0, 0, 0]))).toThrow(RecordError);
    expect(() => new RecordParser().push(record(9, [1, 2]))).toThrow(/unknown kind 9/);
    expect(() => new RecordParser().push(record(RecordKind.frame, [1, 2]))).toThrow(/frame record/);
  });
});
