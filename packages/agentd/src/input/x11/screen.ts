import type { Log } from "../../log.js";
import { call, type RandrExt, type RandrResources, type XClient, type XEvent } from "./connection.js";

export interface Size {
  width: number;
  height: number;
}

/** Millimetres for a size in pixels at 96 dpi, so toolkits keep their usual scale. */
const mm = (px: number) => Math.max(1, Math.round((px * 25.4) / 96));

/**
 * The X screen's size (kept current from RandR's screen-change events, so absolute pointer
 * positions scale to it) and resizing it. Xvfb's RandR resizes up to the size it was started
 * with; each new size becomes a mode on its one output.
 */
export class X11Screen {
  private constructor(
    private readonly X: XClient,
    private readonly root: number,
    private readonly randr: RandrExt | undefined,
    private readonly max: Size,
    private readonly log: Log,
    public size: Size,
  ) {}

  static async create(
    X: XClient,
    root: number,
    randr: RandrExt | undefined,
    initial: Size,
    max: Size,
    log: Log,
  ): Promise<X11Screen> {
    const s = new X11Screen(X, root, randr, max, log, initial);
    if (randr) {
      await call((cb) => randr.QueryVersion(1, 3, cb));
      randr.SelectInput(root, randr.NotifyMask.ScreenChange);
      // The size may have changed between the connection setup and now.
      const g = await call<{ width: number; height: number }>((cb) => X.GetGeometry(root, cb));
      s.size = { width: g.width, height: g.height };
    }
    return s;
  }

  onEvent(ev: XEvent): void {
    if (ev.name !== "RRScreenChangeNotify" || ev.root !== this.root) return;
    const width = Number(ev.width);
    const height = Number(ev.height);
    if (width > 0 && height > 0) this.size = { width, height };
  }

  /**
   * Sets the screen to `width`×`height`, clamped to what the server allows and rounded down to
   * even numbers (H.264 4:2:0 needs them). Resolves with the size set.
   */
  async resize(width: number, height: number): Promise<Size> {
    const randr = this.randr;
    if (!randr) throw new Error("the X server has no RandR extension, so the desktop cannot be resized");
    const X = this.X;
    const range = await call<{ minWidth: number; minHeight: number; maxWidth: number; maxHeight: number }>((cb) =>
      randr.GetScreenSizeRange(this.root, cb),
    );
    const maxW = Math.min(range.maxWidth, this.max.width);
    const maxH = Math.min(range.maxHeight, this.max.height);
    const w = even(clamp(Math.round(width), Math.max(range.minWidth, 2), maxW));
    const h = even(clamp(Math.round(height), Math.max(range.minHeight, 2), maxH));
    if (w !== Math.round(width) || h !== Math.round(height)) {
      this.log("info", "desktop size clamped to what the X server allows", {
        requested: `${width}x${height}`,
        set: `${w}x${h}`,
        max: `${maxW}x${maxH}`,
      });
    }
    const res = await call<RandrResources>((cb) => randr.GetScreenResourcesCurrent(this.root, cb));
    const output = res.outputs[0];
    if (output === undefined) throw new Error("the X server has no RandR output to resize");
    const info = await call<{ crtc: number; modes: number[]; name: string }>((cb) =>
      randr.GetOutputInfo(output, res.config_timestamp, cb),
    );
    const crtc = info.crtc || res.crtcs[0];
    if (crtc === undefined) throw new Error(`RandR output ${info.name} has no CRTC to resize`);
    const current = await call<{ width: number; height: number; rotation: number }>((cb) =>
      randr.GetCrtcInfo(crtc, res.config_timestamp, cb),
    );
    let mode = res.modeinfos.find((m) => m.width === w && m.height === h && info.modes.includes(m.id))?.id;
    if (mode === undefined) {
      mode =
        res.modeinfos.find((m) => m.width === w && m.height === h)?.id ??
        (await call<number>((cb) => randr.CreateMode(this.root, { width: w, height: h, name: `${w}x${h}` }, cb)));
      randr.AddOutputMode(output, mode);
    }
    // The screen must contain the CRTC at every step: grow the screen first, shrink it last.
    const interim = { width: Math.max(w, current.width), height: Math.max(h, current.height) };
    if (interim.width !== this.size.width || interim.height !== this.size.height) {
      randr.SetScreenSize(this.root, interim.width, interim.height, mm(interim.width), mm(interim.height));
    }
    const set = await call<{ status: number }>((cb) =>
      randr.SetCrtcConfig(crtc, 0, res.config_timestamp, 0, 0, mode, current.rotation || 1, [output], cb),
    );
    if (set.status !== 0) throw new Error(`RandR refused ${w}x${h} on output ${info.name} (status ${set.status})`);
    if (interim.width !== w || interim.height !== h) randr.SetScreenSize(this.root, w, h, mm(w), mm(h));
    await X.sync();
    const g = await call<{ width: number; height: number }>((cb) => X.GetGeometry(this.root, cb));
    this.size = { width: g.width, height: g.height };
    return this.size;
  }
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));
const even = (n: number) => n - (n % 2);
