/// <reference path="../input/x11/x11.d.ts" />
import { call, openDisplay, type XConnection } from "../input/x11/connection.js";
import type { Pixels } from "./scale.js";

const Z_PIXMAP = 2;

/**
 * Reads the X root window's pixels with one GetImage over an X connection of its own (opened on
 * first use, reopened after an error). Costs a few ms at 1080p; nothing runs between grabs.
 */
export class X11Grabber {
  private conn: Promise<XConnection> | undefined;

  constructor(private readonly display: string) {}

  async grab(): Promise<Pixels> {
    this.conn ??= openDisplay(this.display);
    try {
      const { X, display, root } = await this.conn;
      const screen = display.screen[0];
      const bpp = screen ? display.format[screen.root_depth]?.bits_per_pixel : undefined;
      if (bpp !== 32 || display.image_byte_order !== 0) {
        throw new Error(
          `X display ${this.display} uses ${bpp ?? "?"} bits per pixel (byte order ${display.image_byte_order}); thumbnails need 32-bit LSB-first`,
        );
      }
      // The root grows and shrinks with RandR; the handshake's size is only where it started.
      const geo = await call<{ width: number; height: number }>((cb) => X.GetGeometry(root, cb));
      const img = await call<{ data: Buffer }>((cb) =>
        X.GetImage(Z_PIXMAP, root, 0, 0, geo.width, geo.height, 0xffffffff, cb),
      );
      return {
        data: img.data,
        width: geo.width,
        height: geo.height,
        stride: geo.width * 4,
        order: { r: 2, g: 1, b: 0 },
      };
    } catch (err) {
      const conn = this.conn;
      this.conn = undefined;
      conn?.then((c) => c.X.terminate()).catch(() => {});
      throw err;
    }
  }

  close(): void {
    this.conn?.then((c) => c.X.terminate()).catch(() => {});
    this.conn = undefined;
  }
}
