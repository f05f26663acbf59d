import { execFileSync } from "node:child_process";
import { type AgentClientMessage, MAX_THUMBNAIL_BYTES } from "@strand/protocol";
import jpeg from "jpeg-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasXvfb, startXvfb, type Xvfb } from "../../../../test/support/xvfb.js";
import { encodeJpeg } from "./encode.js";
import { Thumbnailer, ThumbnailResponder } from "./index.js";
import { downscale, fitWithin } from "./scale.js";
import { parsePpm } from "./wayland-grab.js";

describe("thumbnail scaling", () => {
  it("fits within the box keeping the aspect ratio, never enlarging", () => {
    expect(fitWithin(1920, 1080, 320, 320)).toEqual({ width: 320, height: 180 });
    expect(fitWithin(1080, 1920, 320, 320)).toEqual({ width: 180, height: 320 });
    expect(fitWithin(200, 100, 320, 320)).toEqual({ width: 200, height: 100 });
  });

  it("averages boxes of BGRX pixels into RGBA", () => {
    // 4×2 BGRX: left half pure red, right half pure blue → 2×1: red, blue
    const px = (r: number, g: number, b: number) => [b, g, r, 0];
    const row = [...px(255, 0, 0), ...px(255, 0, 0), ...px(0, 0, 255), ...px(0, 0, 255)];
    const src = {
      data: new Uint8Array([...row, ...row]),
      width: 4,
      height: 2,
      stride: 16,
      order: { r: 2, g: 1, b: 0 },
    };
    const out = downscale(src, 2, 1);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect(Array.from(out.data)).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
  });

  it("keeps a busy picture under the agent link's budget by lowering quality", () => {
    const w = 320;
    const h = 180;
    const noise = new Uint8Array(w * h * 4).map(() => Math.floor(Math.random() * 256));
    const data = encodeJpeg({ data: noise, width: w, height: h });
    expect(data.byteLength).toBeLessThanOrEqual(MAX_THUMBNAIL_BYTES);
    expect(() => encodeJpeg({ data: noise, width: w, height: h }, 2_000)).toThrow(/smaller/);
  });
});

const haveXvfb = hasXvfb();

describe.skipIf(!haveXvfb)("thumbnails of a real Xvfb", () => {
  let xvfb: Xvfb;
  let thumbnailer: Thumbnailer;

  beforeAll(async () => {
    xvfb = await startXvfb("1280x720");
    execFileSync("xsetroot", ["-display", xvfb.display, "-solid", "#d02020"]);
    thumbnailer = new Thumbnailer({
      desktop: "xfce",
      display: xvfb.display,
      size: () => ({ width: 1280, height: 720 }),
    });
  });
  afterAll(async () => {
    thumbnailer?.close();
    await xvfb?.stop();
  });

  it("answers a request with a small JPEG of what is on the screen", async () => {
    const sent: AgentClientMessage[] = [];
    const responder = new ThumbnailResponder(
      thumbnailer,
      (m) => sent.push(m),
      () => {},
    );
    await Promise.all([
      responder.handle({ type: "thumbnail.request", id: "a", max_width: 320, max_height: 320 }),
      responder.handle({ type: "thumbnail.request", id: "b", max_width: 320, max_height: 320 }),
    ]);
    expect(sent.map((m) => (m as { id: string }).id).sort()).toEqual(["a", "b"]);
    const reply = sent[0] as Extract<AgentClientMessage, { type: "thumbnail" }>;
    expect(reply).toMatchObject({ mime: "image/jpeg", width: 320, height: 180 });
    const img = jpeg.decode(Buffer.from(reply.data as string, "base64"), { useTArray: true });
    expect([img.width, img.height]).toEqual([320, 180]);
    const mid = (90 * 320 + 160) * 4;
    const [r, g, b] = [img.data[mid] as number, img.data[mid + 1] as number, img.data[mid + 2] as number];
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(70);
    expect(b).toBeLessThan(70);
  });

  it("reports an error instead of a picture when the display is gone", async () => {
    const sent: AgentClientMessage[] = [];
    const broken = new Thumbnailer({ desktop: "xfce", display: ":987", size: () => ({ width: 1, height: 1 }) });
    await new ThumbnailResponder(
      broken,
      (m) => sent.push(m),
      () => {},
    ).handle({
      type: "thumbnail.request",
      id: "x",
      max_width: 100,
      max_height: 100,
    });
    expect(sent[0]).toMatchObject({ type: "thumbnail", id: "x", error: expect.stringContaining(":987") });
    broken.close();
  });
});

describe("grim's PPM", () => {
  it("is read into RGBA, comments in the header included", () => {
    const header = Buffer.from("P6\n# grim\n2 1\n255\n");
    const rgba = parsePpm(Buffer.concat([header, Buffer.from([255, 0, 0, 0, 0, 255])]));
    expect(rgba).toMatchObject({ width: 2, height: 1 });
    expect(Array.from(rgba.data)).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
  });

  it("refuses what is not one", () => {
    expect(() => parsePpm(Buffer.from("P3\n1 1\n255\n0 0 0\n"))).toThrow(/PPM/);
    expect(() => parsePpm(Buffer.concat([Buffer.from("P6 4 4 255\n"), Buffer.alloc(3)]))).toThrow(/shorter/);
  });
});
