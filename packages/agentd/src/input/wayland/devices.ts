import { openSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Log } from "../../log.js";
import type { KeyBackend, KeyPlace } from "../keyboard.js";
import { f, fd, i, o, u, WaylandClient } from "./client.js";
import { keymapSource, MOD_MASK, SPARES, US_PLACES } from "./keymap.js";

/** Evdev button codes (linux/input-event-codes.h). */
export const BTN = { left: 0x110, right: 0x111, middle: 0x112, side: 0x113, extra: 0x114 } as const;
const AXIS = { vertical: 0, horizontal: 1 } as const;
const AXIS_SOURCE_WHEEL = 0;
/** What libinput reports for one wheel notch, so toolkits scroll their usual distance. */
const NOTCH_VALUE = 15;
const XKB_V1 = 1;
/** Normalised positions are 0..65535: an extent of 65536 keeps 65535 inside the last pixel. */
const EXTENT = 65536;

// Request opcodes of the protocols used (wlr-virtual-pointer-unstable-v1, virtual-keyboard-unstable-v1).
const VP = { motion: 0, motionAbsolute: 1, button: 2, frame: 4, axisSource: 5, axisDiscrete: 7, destroy: 8 };
const VK = { keymap: 0, key: 1, modifiers: 2, destroy: 3 };

const now = () => Math.floor(performance.now()) >>> 0;

/**
 * A virtual pointer and a virtual keyboard on the compositor's seat, over one persistent
 * Wayland connection: each event is a few bytes on a socket, no process per event. Sway (via
 * wlroots) offers both protocols; they are what wtype and wlrctl use, kept open instead of
 * created per command, so the seat keeps its pointer and keyboard between events.
 */
export class VirtualDevices implements KeyBackend {
  private pointer = 0;
  private keyboard = 0;
  private depressed = 0;
  /** Modifier keys held down: their masks make up the depressed modifiers. */
  private readonly modKeysDown = new Set<number>();
  /** Spare slot name → keysym on it, least recently used first. */
  private extras = new Map<string, number>();
  private keymapSerial = 0;

  private constructor(
    private readonly wl: WaylandClient,
    private readonly runtimeDir: string,
    private readonly log: Log,
  ) {}

  static async open(display: string, runtimeDir: string, log: Log): Promise<VirtualDevices> {
    const wl = await WaylandClient.connect(display, runtimeDir, { fds: true });
    try {
      for (const need of ["wl_seat", "zwlr_virtual_pointer_manager_v1", "zwp_virtual_keyboard_manager_v1"]) {
        if (!wl.global(need)) {
          throw new Error(
            `the Wayland compositor does not offer ${need}, so viewer input cannot be injected (sway and other wlroots compositors do)`,
          );
        }
      }
      const d = new VirtualDevices(wl, runtimeDir, log);
      const seat = wl.bind("wl_seat", 7);
      const pointers = wl.bind("zwlr_virtual_pointer_manager_v1", 2);
      const keyboards = wl.bind("zwp_virtual_keyboard_manager_v1", 1);
      d.pointer = wl.newId();
      wl.send(pointers, 0, [o(seat), o(d.pointer)]);
      d.keyboard = wl.newId();
      wl.send(keyboards, 0, [o(seat), o(d.keyboard)]);
      d.uploadKeymap();
      await wl.roundtrip();
      if (wl.error) throw wl.error;
      return d;
    } catch (err) {
      wl.close();
      throw err;
    }
  }

  set fatal(handler: (err: Error) => void) {
    this.wl.fatal = handler;
  }

  /** Resolves once the compositor has handled everything sent (for tests and measurements). */
  roundtrip(): Promise<void> {
    return this.wl.roundtrip();
  }

  moveTo(nx: number, ny: number): void {
    this.wl.send(this.pointer, VP.motionAbsolute, [u(now()), u(nx), u(ny), u(EXTENT), u(EXTENT)]);
    this.wl.send(this.pointer, VP.frame, []);
  }

  moveBy(dx: number, dy: number): void {
    this.wl.send(this.pointer, VP.motion, [u(now()), f(dx), f(dy)]);
    this.wl.send(this.pointer, VP.frame, []);
  }

  button(code: number, down: boolean): void {
    this.wl.send(this.pointer, VP.button, [u(now()), u(code), u(down ? 1 : 0)]);
    this.wl.send(this.pointer, VP.frame, []);
  }

  /** Whole wheel notches: positive is down / right. */
  scroll(x: number, y: number): void {
    const t = now();
    for (const [axis, n] of [
      [AXIS.vertical, y],
      [AXIS.horizontal, x],
    ] as const) {
      if (n === 0) continue;
      this.wl.send(this.pointer, VP.axisSource, [u(AXIS_SOURCE_WHEEL)]);
      this.wl.send(this.pointer, VP.axisDiscrete, [u(t), u(axis), f(n * NOTCH_VALUE), i(n)]);
      this.wl.send(this.pointer, VP.frame, []);
    }
  }

  key(keycode: number, down: boolean): void {
    this.wl.send(this.keyboard, VK.key, [u(now()), u(keycode), u(down ? 1 : 0)]);
    const mask = MOD_MASK.get(keycode);
    if (mask === undefined) return;
    // A virtual keyboard's modifier state is the client's to send; the compositor does not
    // derive it from the keys.
    if (down) this.modKeysDown.add(keycode);
    else this.modKeysDown.delete(keycode);
    const depressed = [...this.modKeysDown].reduce((m, c) => m | (MOD_MASK.get(c) ?? 0), 0);
    if (depressed !== this.depressed) {
      this.depressed = depressed;
      this.wl.send(this.keyboard, VK.modifiers, [u(depressed), u(0), u(0), u(0)]);
    }
  }

  place(keysym: number, busy: (keycode: number) => boolean): KeyPlace | undefined {
    const found = US_PLACES.get(keysym);
    if (found) return found;
    for (const [name, sym] of this.extras) {
      if (sym !== keysym) continue;
      // Most recently used goes last.
      this.extras.delete(name);
      this.extras.set(name, sym);
      return { keycode: spareCode(name), level: 0 };
    }
    const free = SPARES.find(([name, code]) => !this.extras.has(name) && !busy(code));
    const lru = [...this.extras.keys()].find((name) => !busy(spareCode(name)));
    const name = free?.[0] ?? lru;
    if (name === undefined) {
      this.log("warn", "no spare keycode to type a keysym the layout lacks; key dropped", {
        keysym: `0x${keysym.toString(16)}`,
      });
      return undefined;
    }
    this.extras.delete(name);
    this.extras.set(name, keysym);
    // Requests are handled in order, so the key that follows is read with the new keymap.
    this.uploadKeymap();
    return { keycode: spareCode(name), level: 0 };
  }

  close(): void {
    this.wl.send(this.pointer, VP.destroy, []);
    this.wl.send(this.keyboard, VK.destroy, []);
    this.wl.close();
  }

  private uploadKeymap(): void {
    const text = Buffer.from(`${keymapSource(this.extras)}\0`);
    // The keymap travels as a file descriptor; the file itself need not outlive the send.
    const path = join(this.runtimeDir, `strand-keymap-${process.pid}-${++this.keymapSerial}`);
    writeFileSync(path, text, { mode: 0o600 });
    const descriptor = openSync(path, "r");
    unlinkSync(path);
    this.wl.send(this.keyboard, VK.keymap, [u(XKB_V1), fd(descriptor), u(text.length)]);
  }
}

function spareCode(name: string): number {
  return SPARES.find(([n]) => n === name)?.[1] ?? 0;
}
