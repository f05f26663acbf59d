import { execFileSync } from "node:child_process";
import { type InputFrame, Modifier, TouchAction } from "@strand/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chars, key, tap, typedLikeABrowser } from "../../../../test/support/keys.js";
import { until } from "../../../../test/support/wait.js";
import { hasXvfb, startXvfb, TestWindow, type Xvfb } from "../../../../test/support/xvfb.js";
import type { Log } from "../log.js";
import { createInput } from "./index.js";
import { XK } from "./keysyms.js";
import type { InputSink } from "./types.js";

const haveXvfb = hasXvfb();
if (!haveXvfb) {
  // biome-ignore lint/suspicious/noConsole: the reason a whole suite is skipped belongs in the test output
  console.warn("input/x11.test.ts skipped: Xvfb or xclip is missing (apt-get install -y xvfb xclip)");
}

const quiet: Log = () => {};
const ShiftL = 42; // evdev codes, as a browser viewer sends them
const CtrlL = 29;

describe.skipIf(!haveXvfb)("X11 input sink on a real Xvfb", () => {
  let xvfb: Xvfb;
  let win: TestWindow;
  let sink: InputSink;
  const clipboard: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    xvfb = await startXvfb("1600x1000");
    win = await TestWindow.open(xvfb.display);
    sink = await createInput({
      desktop: "xfce",
      display: xvfb.display,
      log: quiet,
      handlers: { onClipboard: (t) => clipboard.push(t), onError: (m) => errors.push(m) },
    });
  });
  afterAll(async () => {
    sink?.close();
    win?.close();
    await xvfb?.stop();
  });
  afterEach(() => {
    sink.releaseAll();
    win.clear();
    expect(errors).toEqual([]);
  });

  const send = (frames: InputFrame[]) => {
    for (const f of frames) sink.apply(f);
  };
  const waitForText = (text: string) =>
    until(
      () => win.text(),
      (t) => t === text,
      `the window to receive ${JSON.stringify(text)}`,
      5000,
    );

  it("types text with upper case and symbols, with or without the viewer's Shift events", async () => {
    send(typedLikeABrowser("Hello, World! a_b {x} 1+2=3 ~/?"));
    await waitForText("Hello, World! a_b {x} 1+2=3 ~/?");
    win.clear();
    send(chars("Hello, World! a_b {x} 1+2=3 ~/?"));
    await waitForText("Hello, World! a_b {x} 1+2=3 ~/?");
  });

  it("types characters the keyboard lacks by remapping a spare keycode", async () => {
    send(chars("café €5 ñ"));
    await waitForText("café €5 ñ");
    // Again, and mixed with ordinary keys: the spare keycodes stay usable.
    send(chars("é€é"));
    await waitForText("café €5 ñé€é");
  });

  it("delivers Ctrl+C as Control + c, and Ctrl+Shift+T with both modifiers", async () => {
    send([
      key(XK.Control_L, true, Modifier.ctrl, CtrlL),
      key(0x63, true, Modifier.ctrl, 46),
      key(0x63, false, Modifier.ctrl, 46),
      key(XK.Control_L, false, 0, CtrlL),
    ]);
    send([
      key(XK.Control_L, true, Modifier.ctrl, CtrlL),
      key(XK.Shift_L, true, Modifier.ctrl | Modifier.shift, ShiftL),
      key(0x54, true, Modifier.ctrl | Modifier.shift, 20),
      key(0x54, false, Modifier.ctrl | Modifier.shift, 20),
      key(XK.Shift_L, false, Modifier.ctrl, ShiftL),
      key(XK.Control_L, false, 0, CtrlL),
    ]);
    // Caps Lock on the viewer turns Ctrl+c into Ctrl+"C": still the shortcut on c.
    send([key(0x43, true, Modifier.ctrl, 46), key(0x43, false, Modifier.ctrl, 46)]);
    const presses = await until(
      () => win.keyPresses(),
      (p) => p.filter((k) => k.char !== undefined).length >= 3,
      "the shortcuts",
      5000,
    );
    const shortcuts = presses
      .filter((k) => k.char !== undefined)
      .map((k) => ({ char: k.char, ctrl: k.ctrl, shift: k.shift }));
    expect(shortcuts).toEqual([
      { char: "c", ctrl: true, shift: false },
      { char: "T", ctrl: true, shift: true },
      { char: "c", ctrl: true, shift: false },
    ]);
  });

  it("delivers Alt+Tab and Super as modifiers", async () => {
    send([
      key(XK.Alt_L, true, Modifier.alt, 56),
      key(XK.Tab, true, Modifier.alt, 15),
      key(XK.Tab, false, Modifier.alt, 15),
      key(XK.Alt_L, false, 0, 56),
      key(XK.Super_L, true, Modifier.meta, 125),
      key(0x65, true, Modifier.meta, 18),
      key(0x65, false, Modifier.meta, 18),
      key(XK.Super_L, false, 0, 125),
    ]);
    const presses = await until(
      () => win.keyPresses(),
      (p) => p.some((k) => k.keysym === 0x65),
      "Super+e",
      5000,
    );
    expect(presses.find((k) => k.keysym === XK.Tab)).toMatchObject({ alt: true });
    expect(presses.find((k) => k.keysym === 0x65)).toMatchObject({ super: true, ctrl: false });
  });

  it("releases a modifier the viewer no longer holds, and presses one it holds", async () => {
    // Ctrl went down, the viewer lost focus before Ctrl up; the next key says Ctrl is up.
    send([key(XK.Control_L, true, Modifier.ctrl, CtrlL), ...tap(0x61, 0)]);
    // A viewer that gained focus with Ctrl already held: no Ctrl down, but the frame says so.
    send(tap(0x76, Modifier.ctrl));
    const presses = await until(
      () => win.keyPresses(),
      (p) => p.some((k) => k.keysym === 0x76),
      "the keys",
      5000,
    );
    expect(presses.find((k) => k.keysym === 0x61)).toMatchObject({ ctrl: false });
    expect(presses.find((k) => k.keysym === 0x76)).toMatchObject({ ctrl: true });
  });

  it("leaves nothing held after releaseAll", async () => {
    send([
      key(XK.Control_L, true, Modifier.ctrl, CtrlL),
      key(XK.Shift_L, true, Modifier.ctrl | Modifier.shift, ShiftL),
      key(0x78, true, Modifier.ctrl | Modifier.shift, 45),
      { type: "mouseButton", button: 1, down: true },
      { type: "mouseButton", button: 3, down: true },
    ]);
    await until(
      () => win.pressedKeys(),
      (k) => k.length === 3,
      "three keys down",
      5000,
    );
    expect((await win.pointer()).mask & 0x500).toBe(0x500); // Button1Mask | Button3Mask
    sink.releaseAll();
    await until(
      () => win.pressedKeys(),
      (k) => k.length === 0,
      "no keys down",
      5000,
    );
    expect((await win.pointer()).mask).toBe(0);
  });

  it("does not let the X server repeat a held key (the viewer's browser repeats it)", async () => {
    send([key(0x6b, true, 0, 37)]);
    await new Promise((r) => setTimeout(r, 1000)); // past Xvfb's 660 ms autorepeat delay
    send([key(0x6b, true, 0, 37), key(0x6b, false, 0, 37)]); // one browser repeat, then up
    await waitForText("kk");
  });

  it("moves the pointer to absolute positions scaled to the screen, and relatively", async () => {
    send([{ type: "mouseAbs", x: 32768, y: 16384 }]);
    await until(
      () => win.pointer(),
      (p) => p.x === 800 && p.y === 250,
      "the pointer at 800,250",
      5000,
    );
    send([{ type: "mouseAbs", x: 65535, y: 65535 }]);
    await until(
      () => win.pointer(),
      (p) => p.x === 1599 && p.y === 999,
      "the pointer at the bottom-right pixel",
      5000,
    );
    send([
      { type: "mouseAbs", x: 0, y: 0 },
      { type: "mouseRel", dx: 30, dy: 40 },
    ]);
    await until(
      () => win.pointer(),
      (p) => p.x === 30 && p.y === 40,
      "the pointer at 30,40",
      5000,
    );
    expect(win.named("MotionNotify").length).toBeGreaterThan(0);
  });

  it("clicks buttons where the pointer is, and scrolls by whole notches", async () => {
    send([
      { type: "mouseAbs", x: 6553, y: 6553 },
      { type: "mouseButton", button: 1, down: true },
      { type: "mouseButton", button: 1, down: false },
      { type: "mouseButton", button: 3, down: true },
      { type: "mouseButton", button: 3, down: false },
      { type: "mouseButton", button: 8, down: true },
      { type: "mouseButton", button: 8, down: false },
      { type: "wheel", dx: 0, dy: 240 }, // two notches down
      { type: "wheel", dx: 0, dy: 60 },
      { type: "wheel", dx: 0, dy: 60 }, // half + half: one more
      { type: "wheel", dx: 0, dy: -120 }, // one up
      { type: "wheel", dx: -120, dy: 0 }, // one left
      { type: "wheel", dx: 40, dy: 0 }, // a third: nothing yet
    ]);
    const presses = await until(
      async () => win.named("ButtonPress"),
      (p) => p.length >= 8,
      "eight button presses",
      5000,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(win.named("ButtonPress").map((e) => e.keycode)).toEqual([1, 3, 8, 5, 5, 5, 4, 6]);
    expect(win.named("ButtonRelease").map((e) => e.keycode)).toEqual([1, 3, 8, 5, 5, 5, 4, 6]);
    expect(presses[0]).toMatchObject({ rootx: 160, rooty: 100 });
  });

  it("turns the first touch into pointer moves and a left-button drag; other fingers are ignored", async () => {
    const touch = (id: number, action: number, x: number, y: number): InputFrame => ({
      type: "touch",
      id,
      action,
      x,
      y,
    });
    send([
      touch(4, TouchAction.start, 0, 0),
      touch(5, TouchAction.start, 65535, 65535), // a second finger
      touch(4, TouchAction.move, 32768, 0),
      touch(5, TouchAction.move, 65535, 0),
      touch(4, TouchAction.end, 32768, 32768),
    ]);
    await until(
      async () => win.named("ButtonRelease"),
      (r) => r.length === 1,
      "the touch to end",
      5000,
    );
    expect(win.named("ButtonPress")).toMatchObject([{ keycode: 1, rootx: 0, rooty: 0 }]);
    expect(win.named("ButtonRelease")).toMatchObject([{ keycode: 1, rootx: 800, rooty: 500 }]);
    expect(win.named("MotionNotify").map((e) => [e.rootx, e.rooty])).toEqual([
      [0, 0],
      [800, 0],
      [800, 500],
    ]);
  });

  it("sends text copied in the desktop to the viewers, but not text it set itself", async () => {
    const env = { ...process.env, DISPLAY: xvfb.display };
    // xclip forks a server that keeps the selection: no pipes for it to hold open but stdin.
    const copy = (text: string) =>
      execFileSync("xclip", ["-i", "-selection", "clipboard"], {
        input: text,
        env,
        stdio: ["pipe", "ignore", "ignore"],
      });
    copy("copied in the desktop ✓");
    await until(
      async () => clipboard,
      (c) => c.includes("copied in the desktop ✓"),
      "the desktop's clipboard to reach the viewers",
      5000,
    );
    await sink.setClipboard("from the viewer: héllo €");
    const read = (sel: string) => execFileSync("xclip", ["-o", "-selection", sel], { env }).toString();
    expect(read("clipboard")).toBe("from the viewer: héllo €");
    expect(read("primary")).toBe("from the viewer: héllo €");
    // Another copy in the desktop proves the watch still runs, and that the viewer's text was not echoed.
    copy("second copy");
    await until(
      async () => clipboard,
      (c) => c.includes("second copy"),
      "the second copy",
      5000,
    );
    expect(clipboard).toEqual(["copied in the desktop ✓", "second copy"]);
    await expect(sink.setClipboard("x".repeat(1_000_001))).rejects.toThrow(/limit/);
  });

  it("resizes the screen with RandR, and scales the pointer to the new size", async () => {
    expect(await sink.resize(1024, 768)).toEqual({ width: 1024, height: 768 });
    const geometry = () =>
      new Promise<{ width: number; height: number }>((resolve, reject) =>
        win.X.GetGeometry(win.root, (err, g) => (err ? reject(err) : resolve(g))),
      );
    expect(await geometry()).toMatchObject({ width: 1024, height: 768 });
    send([{ type: "mouseAbs", x: 65535, y: 65535 }]);
    await until(
      () => win.pointer(),
      (p) => p.x === 1023 && p.y === 767,
      "the pointer at the new bottom-right pixel",
      5000,
    );
    // Wider but shorter, odd sizes rounded down to even, larger than Xvfb's maximum clamped.
    expect(await sink.resize(1281, 601)).toEqual({ width: 1280, height: 600 });
    expect(await sink.resize(4000, 3000)).toEqual({ width: 1600, height: 1000 });
    expect(await geometry()).toMatchObject({ width: 1600, height: 1000 });
    expect(await sink.resize(1280, 720)).toEqual({ width: 1280, height: 720 });
    // A size set by another client is picked up too.
    const other = await createInput({
      desktop: "xfce",
      display: xvfb.display,
      log: quiet,
      handlers: { onClipboard: () => {}, onError: (m) => errors.push(m) },
    });
    await other.resize(1600, 1000);
    other.close();
    send([{ type: "mouseAbs", x: 65535, y: 65535 }]);
    await until(
      () => win.pointer(),
      (p) => p.x === 1599 && p.y === 999,
      "the pointer to follow an outside resize",
      5000,
    );
  });
});
