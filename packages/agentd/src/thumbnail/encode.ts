import { MAX_THUMBNAIL_BYTES } from "@strand/protocol";
import jpeg from "jpeg-js";
import type { Rgba } from "./scale.js";

const QUALITIES = [70, 50, 35, 20];

/** JPEG at the best quality (of a few) that fits the agent link's thumbnail budget. */
export function encodeJpeg(img: Rgba, budget = MAX_THUMBNAIL_BYTES): Buffer {
  let last: Buffer | undefined;
  for (const q of QUALITIES) {
    last = jpeg.encode({ data: img.data, width: img.width, height: img.height }, q).data;
    if (last.byteLength <= budget) return last;
  }
  throw new Error(
    `the thumbnail is ${last?.byteLength} bytes even at quality ${QUALITIES.at(-1)}; ask for a smaller one`,
  );
}
