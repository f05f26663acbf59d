/**
 * Streaming FLV demuxer for wf-recorder's output on Wayland (sway): turns each AVC video tag into
 * one Annex-B access unit, with SPS/PPS from the AVCDecoderConfigurationRecord put in front of
 * every keyframe (the FLV muxer keeps them out of band), so any keyframe decodes on its own.
 * The FLV tag is the frame boundary: exact, nothing is split on start codes.
 */

export type FlvEvent =
  | { kind: "meta"; width: number; height: number }
  | { kind: "frame"; keyframe: boolean; timestampMs: number; data: Uint8Array };

export class FlvError extends Error {}

const START_CODE = new Uint8Array([0, 0, 0, 1]);
const MAX_TAG_BYTES = 16 * 1024 * 1024;
const TAG_VIDEO = 9;
const TAG_SCRIPT = 18;
const CODEC_AVC = 7;

export class FlvParser {
  private buf: Uint8Array = new Uint8Array(0);
  private headerDone = false;
  private nalLengthSize = 4;
  /** SPS and PPS in Annex-B, put in front of keyframes. */
  private parameterSets: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): FlvEvent[] {
    this.buf = this.buf.length ? concat([this.buf, chunk]) : chunk;
    const out: FlvEvent[] = [];
    let off = 0;
    if (!this.headerDone) {
      // "FLV" u8 version, u8 flags, u32 header size, then u32 PreviousTagSize0.
      if (this.buf.length < 9) return out;
      if (this.buf[0] !== 0x46 || this.buf[1] !== 0x4c || this.buf[2] !== 0x56)
        throw new FlvError("the recorder's output is not FLV (no FLV signature)");
      const headerSize = view(this.buf).getUint32(5);
      if (this.buf.length < headerSize + 4) return out;
      off = headerSize + 4;
      this.headerDone = true;
    }
    for (;;) {
      // Tag: u8 type, u24 size, u24 timestamp + u8 extension, u24 stream id, data, u32 previous size.
      if (this.buf.length - off < 11) break;
      const v = view(this.buf);
      const type = (this.buf[off] as number) & 0x1f;
      const size = v.getUint32(off) & 0xffffff;
      if (size > MAX_TAG_BYTES) throw new FlvError(`FLV tag of ${size} bytes; the stream is corrupt`);
      if (this.buf.length - off < 11 + size + 4) break;
      const timestampMs = (v.getUint32(off + 4) >>> 8) | ((this.buf[off + 7] as number) << 24);
      const data = this.buf.subarray(off + 11, off + 11 + size);
      off += 11 + size + 4;
      if (type === TAG_VIDEO) {
        const ev = this.videoTag(data, timestampMs);
        if (ev) out.push(ev);
      } else if (type === TAG_SCRIPT) {
        const meta = readMetadataSize(data);
        if (meta) out.push({ kind: "meta", ...meta });
      }
    }
    this.buf = off === this.buf.length ? new Uint8Array(0) : this.buf.slice(off);
    return out;
  }

  private videoTag(d: Uint8Array, timestampMs: number): FlvEvent | undefined {
    if (d.length < 5 || ((d[0] as number) & 0x0f) !== CODEC_AVC) return undefined;
    const keyframe = (d[0] as number) >> 4 === 1;
    const packetType = d[1];
    const body = d.subarray(5);
    if (packetType === 0) {
      this.readDecoderConfig(body);
      return undefined;
    }
    if (packetType !== 1) return undefined;
    const nals: Uint8Array[] = [];
    let hasParameterSets = false;
    const v = view(body);
    for (let i = 0; i + this.nalLengthSize <= body.length; ) {
      let len = 0;
      for (let k = 0; k < this.nalLengthSize; k++) len = len * 256 + (body[i + k] as number);
      i += this.nalLengthSize;
      if (len === 0 || i + len > body.length) throw new FlvError("AVC NAL length runs past its FLV tag");
      const nalType = v.getUint8(i) & 0x1f;
      if (nalType === 7) hasParameterSets = true;
      nals.push(START_CODE, body.subarray(i, i + len));
      i += len;
    }
    if (nals.length === 0) return undefined;
    if (keyframe && !hasParameterSets && this.parameterSets.length) nals.unshift(this.parameterSets);
    return { kind: "frame", keyframe, timestampMs, data: concat(nals) };
  }

  private readDecoderConfig(c: Uint8Array): void {
    // AVCDecoderConfigurationRecord: version, profile, compat, level, 0xfc|lengthSizeMinusOne,
    // 0xe0|numSPS, (u16 len, SPS)*, numPPS, (u16 len, PPS)*.
    if (c.length < 7) throw new FlvError("AVC sequence header too short");
    this.nalLengthSize = ((c[4] as number) & 3) + 1;
    const parts: Uint8Array[] = [];
    let i = 5;
    for (const countMask of [0x1f, 0xff]) {
      const n = (c[i++] as number) & countMask;
      for (let k = 0; k < n; k++) {
        const len = ((c[i] as number) << 8) | (c[i + 1] as number);
        i += 2;
        if (i + len > c.length) throw new FlvError("AVC sequence header truncated");
        parts.push(START_CODE, c.subarray(i, i + len));
        i += len;
      }
    }
    this.parameterSets = concat(parts);
  }
}

/** Width and height from an `onMetaData` script tag (AMF0), if it has them. */
function readMetadataSize(d: Uint8Array): { width: number; height: number } | undefined {
  const v = view(d);
  let i = 0;
  const str = () => {
    const len = v.getUint16(i);
    const s = new TextDecoder("latin1").decode(d.subarray(i + 2, i + 2 + len));
    i += 2 + len;
    return s;
  };
  try {
    if (d[i++] !== 2 || str() !== "onMetaData") return undefined;
    const t = d[i++];
    if (t === 8)
      i += 4; // ECMA array: u32 count, then key/value pairs like an object
    else if (t !== 3) return undefined;
    const found: Record<string, number> = {};
    while (i + 3 <= d.length) {
      const key = str();
      const type = d[i++];
      if (key === "" && type === 9) break;
      if (type === 0) {
        found[key] = v.getFloat64(i);
        i += 8;
      } else if (type === 1) i += 1;
      else if (type === 2) str();
      else break; // nested values: width and height come before any in libavformat's metadata
    }
    const { width, height } = found;
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined; // a short or odd script tag is not worth failing the stream for
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
