import type { InputFrame } from "@strand/protocol";
import { KeyboardState } from "../keyboard.js";
import { TouchPointer } from "../touch.js";
import type { InputOptions, InputSink } from "../types.js";
import { WheelAccumulator } from "../wheel.js";
import { X11Clipboard } from "./clipboard.js";
import { openDisplay, requireFixes, requireRandr, requireXTest, type XClient, type XTestExt } from "./connection.js";
import { X11Keymap } from "./keyboard.js";
import { X11Screen } from "./screen.js";

/** Viewer buttons (1 left, 2 middle, 3 right, 8 back, 9 forward) are X's own numbers. */
const BUTTONS = new Set([1, 2, 3, 8, 9]);
/** X's wheel buttons: one press and release per notch. */
const WHEEL = { up: 4, down: 5, left: 6, right: 7 } as const;
/** A wheel frame carries at most ±273 notches; more than this in one frame is a runaway. */
const MAX_NOTCHES = 64;
/** Larger screens cost more to encode than the stream budget allows (DESIGN.md §8). */
const DEFAULT_MAX = { width: 2560, height: 1440 };

/** The X11 (xfce) input sink: one in-process connection, XTest for keys and the pointer. */
export async function createX11Input(opts: InputOptions): Promise<InputSink> {
  const { log, handlers } = opts;
  const conn = await openDisplay(opts.display);
  const { X, display, root } = conn;
  try {
    const xtest = await requireXTest(X);
    const fixes = await requireFixes(X).catch(() => undefined);
    const randr = await requireRandr(X).catch(() => undefined);
    const screen0 = display.screen[0];
    const initial = { width: screen0?.pixel_width ?? 0, height: screen0?.pixel_height ?? 0 };
    const keymap = await X11Keymap.create(X, display, root, xtest, log);
    const screen = await X11Screen.create(X, root, randr, initial, opts.maxSize ?? DEFAULT_MAX, log);
    const clipboard = await X11Clipboard.create(X, root, fixes, opts.display, log, (text) =>
      handlers.onClipboard(text),
    );
    return new X11Sink(X, root, xtest, keymap, screen, clipboard, opts);
  } catch (err) {
    X.terminate();
    throw err;
  }
}

class X11Sink implements InputSink {
  private buttons = new Set<number>();
  private wheel = new WheelAccumulator();
  private touch = new TouchPointer();
  private keyboard: KeyboardState;
  private closed = false;

  constructor(
    private readonly X: XClient,
    private readonly root: number,
    private readonly xtest: XTestExt,
    private readonly keymap: X11Keymap,
    private readonly screen: X11Screen,
    private readonly clipboard: X11Clipboard,
    private readonly opts: InputOptions,
  ) {
    this.keyboard = new KeyboardState(keymap);
    X.on("event", (ev) => {
      this.keymap.onEvent(ev);
      this.screen.onEvent(ev);
      this.clipboard.onEvent(ev);
    });
    X.on("error", (err) => {
      // An X error from a faked event (say, a keycode the server rejects) loses that event only.
      opts.log("warn", "X error while injecting input", { error: err.message });
    });
    X.on("end", () => {
      if (this.closed) return;
      this.closed = true;
      opts.handlers.onError(`the X display ${opts.display} closed the input connection; viewer input is ignored`);
    });
  }

  apply(f: InputFrame): void {
    if (this.closed) return;
    try {
      switch (f.type) {
        case "key":
          this.keyboard.apply(f);
          break;
        case "mouseAbs":
          this.moveTo(f.x, f.y);
          break;
        case "mouseRel":
          this.xtest.FakeInput(this.xtest.MotionNotify, 1, 0, 0, f.dx, f.dy);
          break;
        case "mouseButton":
          if (BUTTONS.has(f.button)) this.button(f.button, f.down);
          break;
        case "wheel":
          this.scroll(f.dx, f.dy);
          break;
        case "touch":
          for (const a of this.touch.handle(f)) {
            if (a.kind === "move") this.moveTo(a.x, a.y);
            else this.button(1, a.kind === "press");
          }
          break;
      }
    } catch (err) {
      this.opts.log("warn", "input frame dropped", { type: f.type, error: (err as Error).message });
    }
  }

  releaseAll(): void {
    if (this.closed) return;
    this.keyboard.releaseAll();
    for (const b of [...this.buttons]) this.button(b, false);
    this.touch.reset();
    this.wheel.reset();
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.X.sync();
  }

  setClipboard(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the input sink is closed"));
    return this.clipboard.set(text);
  }

  resize(width: number, height: number): Promise<{ width: number; height: number }> {
    if (this.closed) return Promise.reject(new Error("the input sink is closed"));
    return this.screen.resize(width, height);
  }

  close(): void {
    if (this.closed) return;
    this.releaseAll();
    this.keymap.close();
    this.clipboard.close();
    this.closed = true;
    this.X.close();
  }

  /** Normalised 0..65535 → pixels of the screen as it is now. */
  private moveTo(nx: number, ny: number): void {
    const { width, height } = this.screen.size;
    const x = Math.round((nx * (width - 1)) / 65535);
    const y = Math.round((ny * (height - 1)) / 65535);
    this.xtest.FakeInput(this.xtest.MotionNotify, 0, 0, this.root, x, y);
  }

  private button(button: number, down: boolean): void {
    if (down === this.buttons.has(button)) return;
    this.xtest.FakeInput(down ? this.xtest.ButtonPress : this.xtest.ButtonRelease, button, 0, 0, 0, 0);
    if (down) this.buttons.add(button);
    else this.buttons.delete(button);
  }

  private scroll(dx: number, dy: number): void {
    const n = this.wheel.add(dx, dy);
    this.notches(n.y > 0 ? WHEEL.down : WHEEL.up, Math.abs(n.y));
    this.notches(n.x > 0 ? WHEEL.right : WHEEL.left, Math.abs(n.x));
  }

  private notches(button: number, count: number): void {
    for (let i = 0; i < Math.min(count, MAX_NOTCHES); i++) {
      this.xtest.FakeInput(this.xtest.ButtonPress, button, 0, 0, 0, 0);
      this.xtest.FakeInput(this.xtest.ButtonRelease, button, 0, 0, 0, 0);
    }
  }
}
