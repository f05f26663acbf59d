import type { Log } from "../../log.js";
import type { KeyBackend, KeyPlace } from "../keyboard.js";
import { upperCaseKeysym, XK } from "../keysyms.js";
import { call, type XClient, type XDisplay, type XEvent, type XTestExt } from "./connection.js";

const MappingKeyboard = 1;
const LockMask = 1 << 1;
/** Where Xvfb's default (evdev, us) keymap puts Num Lock. */
const Mod2Mask = 1 << 4;

/**
 * The X server's keyboard as a key backend: keysyms are looked up in its keyboard mapping
 * (refreshed on MappingNotify) and pressed with XTest. A keysym the keyboard lacks (é, €, CJK)
 * gets a spare keycode remapped to it, as xdotool does. The remapping is kept until the spare is
 * needed for another keysym (least recently used first) and undone on close: restoring it right
 * after the key would race the application, which may look the keycode up only after the
 * restore and type nothing.
 */
export class X11Keymap implements KeyBackend {
  private places = new Map<number, KeyPlace>();
  /** Spare keycodes, least recently used first; some hold a keysym of ours. */
  private spares: number[] = [];
  /** Spare keycode → keysym we mapped there, and when (remap generation). */
  private ours = new Map<number, { keysym: number; gen: number }>();
  private gen = 0;
  private refreshing = false;
  private refreshAgain = false;
  private savedAutoRepeat: number | undefined;
  private closed = false;

  private constructor(
    private readonly X: XClient,
    private readonly display: XDisplay,
    private readonly root: number,
    private readonly xtest: XTestExt,
    private readonly log: Log,
  ) {}

  static async create(X: XClient, display: XDisplay, root: number, xtest: XTestExt, log: Log): Promise<X11Keymap> {
    const km = new X11Keymap(X, display, root, xtest, log);
    await km.refresh();
    // The viewer's browser repeats held keys itself; the server's own autorepeat would double them.
    km.savedAutoRepeat = (await call<{ globalAutoRepeat: number }>((cb) => X.GetKeyboardControl(cb))).globalAutoRepeat;
    X.ChangeKeyboardControl({ autoRepeatMode: 0 });
    await km.clearLocks();
    return km;
  }

  /** Handles MappingNotify: another client (or we) changed the keyboard. */
  onEvent(ev: XEvent): void {
    if (ev.name === "MappingNotify" && ev.request === MappingKeyboard && !this.closed) void this.refresh();
  }

  key(keycode: number, down: boolean): void {
    this.xtest.FakeInput(down ? this.xtest.KeyPress : this.xtest.KeyRelease, keycode, 0, 0, 0, 0);
  }

  place(keysym: number, busy: (keycode: number) => boolean): KeyPlace | undefined {
    const found = this.places.get(keysym);
    if (found) {
      this.touchSpare(found.keycode);
      return found;
    }
    const keycode = this.spares.find((c) => !busy(c));
    if (keycode === undefined) {
      this.log("warn", "no spare keycode to type a keysym the keyboard lacks; key dropped", {
        keysym: `0x${keysym.toString(16)}`,
      });
      return undefined;
    }
    const old = this.ours.get(keycode);
    if (old) this.places.delete(old.keysym);
    // Both levels, so Shift held by the viewer does not change what it types.
    this.X.ChangeKeyboardMapping(keycode, 2, [keysym, keysym]);
    this.ours.set(keycode, { keysym, gen: ++this.gen });
    const place: KeyPlace = { keycode, level: 0 };
    this.places.set(keysym, place);
    this.touchSpare(keycode);
    return place;
  }

  /** Gives the spare keycodes back and the server its autorepeat. */
  close(): void {
    this.closed = true;
    for (const keycode of this.ours.keys()) this.X.ChangeKeyboardMapping(keycode, 2, [0, 0]);
    this.ours.clear();
    if (this.savedAutoRepeat !== undefined) {
      this.X.ChangeKeyboardControl({ autoRepeatMode: this.savedAutoRepeat ? 1 : 0 });
    }
  }

  private touchSpare(keycode: number): void {
    const i = this.spares.indexOf(keycode);
    if (i < 0) return;
    this.spares.splice(i, 1);
    this.spares.push(keycode);
  }

  /** Reads the keyboard mapping again; overlapping calls coalesce into one more read. */
  private async refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.refreshAgain = false;
        const gen = this.gen;
        const min = this.display.min_keycode;
        const rows = await call<number[][]>((cb) =>
          this.X.GetKeyboardMapping(min, this.display.max_keycode - min + 1, cb),
        );
        this.rebuild(rows, gen);
      } while (this.refreshAgain);
    } catch (err) {
      if (this.closed) return;
      this.log("warn", "could not read the X keyboard mapping; keeping the previous one", {
        error: (err as Error).message,
      });
    } finally {
      this.refreshing = false;
    }
  }

  private rebuild(rows: number[][], gen: number): void {
    const min = this.display.min_keycode;
    for (const [keycode, mine] of this.ours) {
      const row = rows[keycode - min] ?? [];
      // A remap made after the read was sent is not in this reply yet: ours still stands.
      if (mine.gen > gen) rows[keycode - min] = [mine.keysym, mine.keysym];
      else if (row[0] !== mine.keysym) this.ours.delete(keycode);
    }
    const places = new Map<number, KeyPlace>();
    const spares: number[] = [];
    rows.forEach((row, i) => {
      const keycode = min + i;
      if (row.every((s) => s === 0) || this.ours.has(keycode)) spares.push(keycode);
      // Levels 1 and 2 of group 1; like Xlib, a lone letter's shifted level is its upper case.
      const l0 = row[0] ?? 0;
      const l1 = row[1] || upperCaseKeysym(l0);
      if (l0 && !places.has(l0)) places.set(l0, { keycode, level: 0 });
      if (l1 && !places.has(l1)) places.set(l1, { keycode, level: 1 });
    });
    this.places = places;
    // Keep the least-recently-used order of spares we already knew.
    const known = this.spares.filter((c) => spares.includes(c));
    this.spares = [...spares.filter((c) => !known.includes(c)), ...known];
  }

  /** Caps Lock and Num Lock must be off: viewer keysyms already say "A" or "KP_7". */
  private async clearLocks(): Promise<void> {
    const ptr = await call<{ keyMask: number }>((cb) => this.X.QueryPointer(this.root, cb));
    for (const [mask, sym] of [
      [LockMask, XK.Caps_Lock],
      [Mod2Mask, XK.Num_Lock],
    ] as const) {
      const place = this.places.get(sym);
      if (!(ptr.keyMask & mask) || !place) continue;
      this.key(place.keycode, true);
      this.key(place.keycode, false);
    }
  }
}
