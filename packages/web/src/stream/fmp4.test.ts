import { describe, expect, it } from "vitest";
import { loadH264Fixture } from "../../../../test/support/h264-fixture.js";
import { fragment, initSegment, parameterSets, splitNals } from "./fmp4.js";

/** Top-level boxes of an MP4 buffer: [type, size]. */
function boxes(buf: Uint8Array, from = 0, to = buf.length): [string, number, number][] {
  const out: [string, number, number][] = [];
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let off = from; off < to; ) {
    const size = v.getUint32(off);
    out.push([String.fromCharCode(...buf.subarray(off + 4, off + 8)), size, off]);
    if (size < 8) throw new Error(`bad box size ${size} at ${off}`);
    off += size;
  }
  return out;
}

describe("fmp4 muxer", () => {
  const frames = loadH264Fixture();
  const key = frames[0]!;

  it("splits Annex-B into NAL units with 3- and 4-byte start codes", () => {
    const au = new Uint8Array([0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3]);
    expect(splitNals(au).map((n) => [...n])).toEqual([
      [0x09, 0xf0],
      [0x67, 1, 2],
      [0x68, 3],
    ]);
  });

  it("builds an init segment from a keyframe's SPS and PPS", () => {
    const sets = parameterSets(key.data);
    expect((sets?.sps[0] ?? 0) & 0x1f).toBe(7);
    expect((sets?.pps[0] ?? 0) & 0x1f).toBe(8);
    const init = initSegment({ ...sets!, width: 640, height: 360 });
    expect(boxes(init).map(([t]) => t)).toEqual(["ftyp", "moov"]);
    const text = new TextDecoder("latin1").decode(init);
    for (const t of ["mvhd", "trak", "tkhd", "mdhd", "hdlr", "avc1", "avcC", "mvex", "trex"]) expect(text).toContain(t);
  });

  it("makes one moof+mdat per access unit whose trun points at the sample", () => {
    const frag = fragment(1, key.data, true, 0, 3000);
    const [[moofType, moofSize], [mdatType, mdatSize, mdatOff]] = boxes(frag) as [
      [string, number, number],
      [string, number, number],
    ];
    expect([moofType, mdatType]).toEqual(["moof", "mdat"]);
    const v = new DataView(frag.buffer, frag.byteOffset);
    // The trun's data offset (from the moof start) lands on the mdat payload.
    const trunAt = new TextDecoder("latin1").decode(frag).indexOf("trun") - 4;
    const dataOffset = v.getUint32(trunAt + 16);
    expect(dataOffset).toBe(moofSize + 8);
    expect(v.getUint32(trunAt + 24)).toBe(mdatSize - 8);
    expect(mdatOff).toBe(moofSize);
    // Samples are length-prefixed NAL units without parameter sets or delimiters.
    const first = frag[mdatOff + 8 + 4]! & 0x1f;
    expect([5, 6]).toContain(first);
  });
});
