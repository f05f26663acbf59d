import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { FlvError, type FlvEvent, FlvParser } from "./flv.js";

// A real FLV as wf-recorder writes it: libx264 through libavformat's FLV muxer (host ffmpeg).
const FRAMES = 45;
const flv = execFileSync(
  "ffmpeg",
  ["-v", "error", "-f", "lavfi", "-i", `testsrc=size=320x240:rate=30`, "-frames:v", String(FRAMES)]
    .concat(["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline"])
    .concat(["-g", "15", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "flv", "pipe:1"]),
  { maxBuffer: 64 << 20 },
);

const nalTypes = (au: Uint8Array) => {
  const types: number[] = [];
  for (let i = 0; i + 4 < au.length; i++)
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 0 && au[i + 3] === 1) types.push((au[i + 4] as number) & 0x1f);
  return types;
};

/** Frames ffmpeg decodes from this Annex-B stream. */
function decodedFrames(annexB: Uint8Array): number {
  const out = execFileSync(
    "ffprobe",
    ["-v", "error", "-f", "h264", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", "-"],
    { input: annexB },
  );
  return Number(out.toString().trim());
}

function parse(chunk: (i: number) => number): FlvEvent[] {
  const p = new FlvParser();
  const out: FlvEvent[] = [];
  for (let off = 0, i = 0; off < flv.length; i++) {
    const n = Math.min(chunk(i), flv.length - off);
    out.push(...p.push(flv.subarray(off, off + n)));
    off += n;
  }
  return out;
}

describe("FLV demuxer for wf-recorder", () => {
  const events = parse(() => flv.length);
  const frames = events.filter((e) => e.kind === "frame");

  it("reads the picture size from onMetaData before any frame", () => {
    expect(events[0]).toEqual({ kind: "meta", width: 320, height: 240 });
  });

  it("gives one access unit per FLV tag, keyframes every GOP", () => {
    expect(frames).toHaveLength(FRAMES);
    expect(frames.map((f, i) => (f.keyframe ? i : -1)).filter((i) => i >= 0)).toEqual([0, 15, 30]);
  });

  it("puts SPS and PPS in front of every keyframe so each decodes on its own", () => {
    for (const f of frames.filter((f) => f.keyframe)) expect(nalTypes(f.data).slice(0, 2)).toEqual([7, 8]);
    for (const f of frames.filter((f) => !f.keyframe)) expect(nalTypes(f.data)).not.toContain(7);
    const all = Buffer.concat(frames.map((f) => f.data));
    expect(decodedFrames(all)).toBe(FRAMES);
    // A viewer joining at the second keyframe decodes from there without anything earlier.
    expect(decodedFrames(Buffer.concat(frames.slice(15).map((f) => f.data)))).toBe(FRAMES - 15);
  });

  it("does not care where the pipe cuts the stream", () => {
    const sizes = [1, 7, 11, 4096];
    for (const s of sizes) expect(parse(() => s)).toEqual(events);
    expect(parse((i) => 1 + ((i * 7919) % 3000))).toEqual(events);
  });

  it("refuses something that is not FLV", () => {
    expect(() => new FlvParser().push(new TextEncoder().encode("selected region 0,0 0x0\n"))).toThrow(FlvError);
  });
});
