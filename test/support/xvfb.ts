/// <reference path="../../packages/agentd/src/input/x11/x11.d.ts" />
/**
 * A real X server for input tests: a private Xvfb on a display it picks itself, and a plain
 * window that records the key, button and motion events it receives, as an application would.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import x11, { type XClient, type XDisplay, type XEvent } from "x11";
import { keysymToChar, upperCaseKeysym } from "../../packages/agentd/src/input/keysyms.js";

export function hasXvfb(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v Xvfb && command -v xclip && command -v xsetroot"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface Xvfb {
  display: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts Xvfb at `size` (its RandR maximum); `-displayfd` lets it pick a free display. */
export function startXvfb(size = "1280x720"): Promise<Xvfb> {
  return new Promise((resolve, reject) => {
    const proc = spawn("Xvfb", ["-displayfd", "1", "-screen", "0", `${size}x24`, "-nolisten", "tcp", "-noreset"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    proc.on("error", reject);
    proc.on("exit", (code) => reject(new Error(`Xvfb exited with ${code}: ${err}`)));
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (!m) return;
      resolve({
        display: `:${m[1]}`,
        proc,
        stop: () =>
          new Promise<void>((done) => {
            if (proc.exitCode !== null) return done();
            proc.once("exit", () => done());
            proc.kill("SIGTERM");
          }),
      });
    });
  });
}

export interface TypedKey {
  keysym: number;
  /** The character the key types with its Shift state, if it types one. */
  char: string | undefined;
  shift: boolean;
  ctrl: boolean;
  alt: boolean;
  super: boolean;
}

const ShiftMask = 1;
const ControlMask = 4;
const Mod1Mask = 8;
const Mod4Mask = 64;

/** A full-screen window with the keyboard focus, recording every event it gets. */
export class TestWindow {
  readonly events: XEvent[] = [];

  private constructor(
    readonly X: XClient,
    readonly display: XDisplay,
    readonly wid: number,
  ) {}

  static open(display: string): Promise<TestWindow> {
    return new Promise((resolve, reject) => {
      const X = x11.createClient({ display, shm: false }, (err, d) => {
        if (err) return reject(err);
        const screen = d.screen[0]!;
        const wid = X.AllocID();
        const m = x11.eventMask;
        X.CreateWindow(wid, screen.root, 0, 0, screen.pixel_width, screen.pixel_height, 0, 0, 1, 0, {
          eventMask: m.KeyPress! | m.KeyRelease! | m.ButtonPress! | m.ButtonRelease! | m.PointerMotion!,
        });
        X.MapWindow(wid);
        X.SetInputFocus(wid, 1);
        const w = new TestWindow(X, d, wid);
        X.on("event", (ev) => w.events.push(ev));
        X.sync().then(() => resolve(w), reject);
      });
      X.on("error", reject);
    });
  }

  get root(): number {
    return this.display.screen[0]!.root;
  }

  named(name: string): XEvent[] {
    return this.events.filter((e) => e.name === name);
  }

  clear(): void {
    this.events.length = 0;
  }

  /** Key presses as the application sees them, translated with the keyboard mapping as it is now. */
  async keyPresses(): Promise<TypedKey[]> {
    const min = this.display.min_keycode;
    const rows = await new Promise<number[][]>((resolve, reject) =>
      this.X.GetKeyboardMapping(min, this.display.max_keycode - min + 1, (err, r) => (err ? reject(err) : resolve(r))),
    );
    return this.named("KeyPress").map((e) => {
      const row = rows[Number(e.keycode) - min] ?? [];
      const state = Number(e.buttons);
      const shift = (state & ShiftMask) !== 0;
      const base = row[0] ?? 0;
      const keysym = shift ? row[1] || upperCaseKeysym(base) : base;
      return {
        keysym,
        char: keysym < 0xfe00 || keysym >= 0x01000000 ? keysymToChar(keysym) : undefined,
        shift,
        ctrl: (state & ControlMask) !== 0,
        alt: (state & Mod1Mask) !== 0,
        super: (state & Mod4Mask) !== 0,
      };
    });
  }

  /** The text typed so far: characters of presses without Ctrl, Alt or Super. */
  async text(): Promise<string> {
    return (await this.keyPresses())
      .filter((k) => k.char !== undefined && !k.ctrl && !k.alt && !k.super)
      .map((k) => k.char)
      .join("");
  }

  pointer(): Promise<{ x: number; y: number; mask: number }> {
    return new Promise((resolve, reject) =>
      this.X.QueryPointer(this.root, (err, p) =>
        err ? reject(err) : resolve({ x: p.rootX, y: p.rootY, mask: p.keyMask }),
      ),
    );
  }

  /** Keycodes the server holds down, from anyone. */
  pressedKeys(): Promise<number[]> {
    return new Promise((resolve, reject) =>
      this.X.QueryKeymap((err, map) => {
        if (err) return reject(err);
        const down: number[] = [];
        for (let code = 0; code < 256; code++) if ((map[code >> 3]! >> (code & 7)) & 1) down.push(code);
        resolve(down);
      }),
    );
  }

  close(): void {
    this.X.terminate();
  }
}
