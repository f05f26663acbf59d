import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface FixtureFrame {
  keyframe: boolean;
  /** One access unit, Annex-B. */
  data: Uint8Array;
}

/**
 * Real H.264 frames for tests that need a decodable stream without a desktop
 * (test/fixtures/h264/make.sh made them). Split on the access unit delimiters the encoder wrote.
 */
export function loadH264Fixture(name = "testsrc-640x360.h264"): FixtureFrame[] {
  const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/h264/${name}`, import.meta.url))));
  const starts: number[] = [];
  for (let i = 0; i + 4 < bytes.length; i++) {
    if (
      bytes[i] === 0 &&
      bytes[i + 1] === 0 &&
      bytes[i + 2] === 0 &&
      bytes[i + 3] === 1 &&
      (bytes[i + 4]! & 0x1f) === 9
    ) {
      starts.push(i);
    }
  }
  return starts.map((start, k) => {
    const data = bytes.subarray(start, starts[k + 1] ?? bytes.length);
    return { keyframe: nalTypes(data).includes(5), data };
  });
}

function nalTypes(au: Uint8Array): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) types.push(au[i + 3]! & 0x1f);
  }
  return types;
}
