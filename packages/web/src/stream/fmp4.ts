/**
 * A minimal fragmented-MP4 muxer for one H.264 track, enough for Media Source Extensions: an init
 * segment from a keyframe's SPS/PPS, then one `moof`+`mdat` fragment per access unit. Written here
 * rather than taken from a library because the viewer needs exactly this and per-frame control.
 */

const TIMESCALE = 90_000;

/** NAL units of an Annex-B access unit (start codes removed). */
export function splitNals(au: Uint8Array): Uint8Array[] {
  const nals: Uint8Array[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < au.length) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) {
      if (start >= 0) nals.push(au.subarray(start, trimZeros(au, start, i)));
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start >= 0 && start < au.length) nals.push(au.subarray(start));
  return nals;
}

/** End of a NAL before the next start code, without the zero that a 4-byte start code leads with. */
function trimZeros(au: Uint8Array, start: number, end: number): number {
  let e = end;
  while (e > start && au[e - 1] === 0) e--;
  return e;
}

const nalType = (nal: Uint8Array) => (nal[0] ?? 0) & 0x1f;

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
function u16(n: number): number[] {
  return [(n >>> 8) & 0xff, n & 0xff];
}

type Part = Uint8Array | number[];

function box(type: string, ...parts: Part[]): Uint8Array {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  out.set(u32(size), 0);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let off = 8;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const fullBox = (type: string, version: number, flags: number, ...parts: Part[]) =>
  box(type, [version, (flags >> 16) & 0xff, (flags >> 8) & 0xff, flags & 0xff], ...parts);

const MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].flatMap(u32);

export interface TrackInfo {
  sps: Uint8Array;
  pps: Uint8Array;
  width: number;
  height: number;
}

/** SPS and PPS of a keyframe, or undefined when it carries none. */
export function parameterSets(au: Uint8Array): { sps: Uint8Array; pps: Uint8Array } | undefined {
  let sps: Uint8Array | undefined;
  let pps: Uint8Array | undefined;
  for (const nal of splitNals(au)) {
    if (nalType(nal) === 7) sps ??= nal;
    if (nalType(nal) === 8) pps ??= nal;
  }
  return sps && pps ? { sps, pps } : undefined;
}

/** The `ftyp` + `moov` that a SourceBuffer needs before any fragment. */
export function initSegment(t: TrackInfo): Uint8Array {
  const avcC = box(
    "avcC",
    [1, t.sps[1] ?? 0, t.sps[2] ?? 0, t.sps[3] ?? 0, 0xff, 0xe1],
    u16(t.sps.length),
    t.sps,
    [1],
    u16(t.pps.length),
    t.pps,
  );
  const avc1 = box(
    "avc1",
    [0, 0, 0, 0, 0, 0, ...u16(1), ...u16(0), ...u16(0), ...new Array(12).fill(0)],
    u16(t.width),
    u16(t.height),
    u32(0x00480000),
    u32(0x00480000),
    u32(0),
    u16(1),
    new Array(32).fill(0),
    u16(0x18),
    u16(0xffff),
    avcC,
  );
  const stbl = box(
    "stbl",
    fullBox("stsd", 0, 0, u32(1), avc1),
    fullBox("stts", 0, 0, u32(0)),
    fullBox("stsc", 0, 0, u32(0)),
    fullBox("stsz", 0, 0, u32(0), u32(0)),
    fullBox("stco", 0, 0, u32(0)),
  );
  const minf = box(
    "minf",
    fullBox("vmhd", 0, 1, u16(0), u16(0), u16(0), u16(0)),
    box("dinf", fullBox("dref", 0, 0, u32(1), fullBox("url ", 0, 1))),
    stbl,
  );
  const mdia = box(
    "mdia",
    fullBox("mdhd", 0, 0, u32(0), u32(0), u32(TIMESCALE), u32(0), u16(0x55c4), u16(0)),
    fullBox("hdlr", 0, 0, u32(0), [0x76, 0x69, 0x64, 0x65], new Array(12).fill(0), [
      ...new TextEncoder().encode("Video"),
      0,
    ]),
    minf,
  );
  const tkhd = fullBox(
    "tkhd",
    0,
    3,
    u32(0),
    u32(0),
    u32(1),
    u32(0),
    u32(0),
    new Array(8).fill(0),
    u16(0),
    u16(0),
    u16(0),
    u16(0),
    MATRIX,
    u32(t.width << 16),
    u32(t.height << 16),
  );
  const mvhd = fullBox(
    "mvhd",
    0,
    0,
    u32(0),
    u32(0),
    u32(1000),
    u32(0),
    u32(0x00010000),
    u16(0x0100),
    u16(0),
    new Array(8).fill(0),
    MATRIX,
    new Array(24).fill(0),
    u32(2),
  );
  const mvex = box("mvex", fullBox("trex", 0, 0, u32(1), u32(1), u32(0), u32(0), u32(0)));
  const ftyp = box("ftyp", [
    ...ascii("isom"),
    ...u32(0x200),
    ...ascii("isom"),
    ...ascii("iso6"),
    ...ascii("avc1"),
    ...ascii("mp41"),
  ]);
  return concat(ftyp, box("moov", mvhd, box("trak", tkhd, mdia), mvex));
}

/**
 * One access unit as a fragment: decode time `dts` and `duration` in 1/90000 s. Parameter sets and
 * delimiters stay out of the samples (they live in the init segment).
 */
export function fragment(seq: number, au: Uint8Array, keyframe: boolean, dts: number, duration: number): Uint8Array {
  const nals = splitNals(au).filter((n) => ![7, 8, 9].includes(nalType(n)));
  const sampleSize = nals.reduce((n, nal) => n + 4 + nal.length, 0);
  const sample = new Uint8Array(sampleSize);
  let off = 0;
  for (const nal of nals) {
    sample.set(u32(nal.length), off);
    sample.set(nal, off + 4);
    off += 4 + nal.length;
  }
  // depends_on=2 (no other) for a sync sample; depends_on=1 and non-sync for the rest.
  const flags = keyframe ? 0x02000000 : 0x01010000;
  const build = (dataOffset: number) =>
    box(
      "moof",
      fullBox("mfhd", 0, 0, u32(seq)),
      box(
        "traf",
        fullBox("tfhd", 0, 0x020000, u32(1)),
        fullBox("tfdt", 1, 0, u32(Math.floor(dts / 2 ** 32)), u32(dts >>> 0)),
        fullBox("trun", 0, 0x000701, u32(1), u32(dataOffset), u32(duration), u32(sampleSize), u32(flags)),
      ),
    );
  const moofSize = build(0).length;
  return concat(build(moofSize + 8), box("mdat", sample));
}

export const MP4_TIMESCALE = TIMESCALE;

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
