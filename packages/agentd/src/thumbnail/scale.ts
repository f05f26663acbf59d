/** Pixels as they come from a screen grab: 4 bytes per pixel, rows `stride` bytes apart. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  stride: number;
  /** Byte offsets of red, green and blue within a pixel (X11 ZPixmap on x86: B, G, R, X → 2, 1, 0). */
  order: { r: number; g: number; b: number };
}

export interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The largest size within max × max' that keeps the aspect ratio; never larger than the source. */
export function fitWithin(width: number, height: number, maxWidth: number, maxHeight: number) {
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Shrinks by averaging each destination pixel's box of source pixels: cheap, and unlike nearest
 * neighbour it keeps thin text lines as a grey smudge instead of dropping them at random.
 */
export function downscale(src: Pixels, maxWidth: number, maxHeight: number): Rgba {
  const { width, height } = fitWithin(src.width, src.height, maxWidth, maxHeight);
  const out = new Uint8Array(width * height * 4);
  const { r, g, b } = src.order;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * src.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * src.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * src.width) / width));
      let sr = 0;
      let sg = 0;
      let sb = 0;
      for (let sy = y0; sy < y1; sy++) {
        let i = sy * src.stride + x0 * 4;
        for (let sx = x0; sx < x1; sx++, i += 4) {
          sr += src.data[i + r] as number;
          sg += src.data[i + g] as number;
          sb += src.data[i + b] as number;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      out[o] = sr / n;
      out[o + 1] = sg / n;
      out[o + 2] = sb / n;
      out[o + 3] = 255;
    }
  }
  return { data: out, width, height };
}

/** `downscale` for RGBA pixels (grim's output). */
export function downscaleRgba(src: Rgba, maxWidth: number, maxHeight: number): Rgba {
  return downscale({ ...src, stride: src.width * 4, order: { r: 0, g: 1, b: 2 } }, maxWidth, maxHeight);
}
