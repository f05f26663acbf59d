// Runs inside a desktop (copied in by bench/stream/run.ts, bundled with the `x11` package): paints
// the wall-clock time as 32 black/white blocks so a viewer can read, from a decoded frame, when it
// was drawn; and flips a square's colour on every F9 press so key→pixel can be timed.
// Usage: node painter.mjs [fps]
import x11 from "x11";

const FPS = Number(process.argv[2] ?? 30);
const BLOCK_W = 10;
const BLOCK_H = 20;
const BITS = 32;
const F9 = 0xffc6;

x11.createClient((err, display) => {
  if (err) throw err;
  const X = display.client;
  const screen = display.screen[0];
  const root = screen.root;
  const wid = X.AllocID();
  X.CreateWindow(wid, root, 0, 0, BITS * BLOCK_W, BLOCK_H * 2, 0, 0, 0, 0, {
    backgroundPixel: screen.black_pixel,
    overrideRedirect: 1,
    eventMask: x11.eventMask.Exposure | x11.eventMask.KeyPress,
  });
  X.MapWindow(wid);
  // Keys reach us through the grab below; holding the focus too covers a server where another
  // client grabbed F9 first.
  X.SetInputFocus(wid, 1);
  const gc = X.AllocID();
  X.CreateGC(gc, wid, { foreground: screen.white_pixel, graphicsExposures: 0 });
  // The blocks are drawn off screen and copied in one request, so a capture never sees half a time.
  const pix = X.AllocID();
  X.CreatePixmap(pix, wid, screen.root_depth, BITS * BLOCK_W, BLOCK_H);
  const colours = [0x2040ff, 0xffd020];
  let toggle = 0;

  const paintTime = () => {
    const t = Date.now() >>> 0;
    const white = [];
    const black = [];
    for (let i = 0; i < BITS; i++) {
      const bit = (t >>> (BITS - 1 - i)) & 1;
      (bit ? white : black).push(i * BLOCK_W, 0, BLOCK_W, BLOCK_H);
    }
    X.ChangeGC(gc, { foreground: 0xffffff });
    if (white.length) X.PolyFillRectangle(pix, gc, white);
    X.ChangeGC(gc, { foreground: 0x000000 });
    if (black.length) X.PolyFillRectangle(pix, gc, black);
    X.CopyArea(pix, wid, gc, 0, 0, 0, 0, BITS * BLOCK_W, BLOCK_H);
  };
  const paintSquare = () => {
    X.ChangeGC(gc, { foreground: colours[toggle] });
    X.PolyFillRectangle(wid, gc, [0, BLOCK_H, BLOCK_W * 4, BLOCK_H]);
  };

  X.GetKeyboardMapping(display.min_keycode, display.max_keycode - display.min_keycode, (e, map) => {
    if (e) throw e;
    const index = map.findIndex((syms) => syms.includes(F9));
    if (index < 0) throw new Error("F9 is not on this keyboard");
    // A passive grab on the root for plain F9 (xfwm4 owns Alt+F9): it reaches us whatever has focus.
    X.GrabKey(root, 1, 0, display.min_keycode + index, 1, 1);
  });
  X.on("event", (ev) => {
    if (ev.name === "KeyPress") {
      process.stdout.write(`key ${ev.keycode}\n`);
      toggle ^= 1;
      paintSquare();
      paintTime();
    } else if (ev.name === "Expose") {
      paintSquare();
    }
  });
  X.on("error", (e) => process.stderr.write(`painter: X error ${e.message ?? JSON.stringify(e)}\n`));
  setInterval(() => {
    X.RaiseWindow(wid);
    paintTime();
  }, 1000 / FPS);
  paintSquare();
  process.stdout.write("painter ready\n");
});
