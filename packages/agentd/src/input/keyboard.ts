import type { KeyInput } from "@strand/protocol";
import {
  hasModifier,
  isLetterKeysym,
  isLevel3Key,
  isLockKey,
  isTextKeysym,
  lowerCaseLetter,
  MODIFIER_CLASSES,
  MODIFIER_KEYSYM,
  type ModifierClass,
  modifierClass,
  normalizeKeysym,
  XK,
} from "./keysyms.js";

export interface KeyPlace {
  keycode: number;
  /** 0 unshifted, 1 shifted. */
  level: 0 | 1;
}

/** A desktop's keyboard: where keysyms are, and pressing keycodes. */
export interface KeyBackend {
  /**
   * Where `keysym` is on the keyboard. One the keyboard lacks is given a spare keycode (never
   * one `busy` says is held down); undefined when there is none left.
   */
  place(keysym: number, busy: (keycode: number) => boolean): KeyPlace | undefined;
  key(keycode: number, down: boolean): void;
}

/**
 * Turns viewer key frames into key presses a person would have made on this keyboard. The
 * viewer's keysym says what the key means in its own layout; this finds it here, adds or lifts
 * Shift as that symbol needs (so "A" is upper case whether or not the viewer's Shift arrived),
 * keeps shortcuts intact (Ctrl+C, Ctrl+Shift+T, Alt+Tab, Super+E), and resynchronises the
 * held modifiers with each frame's modifier bits so none stays stuck.
 */
export class KeyboardState {
  /** Keycodes held down → the keysym they were pressed for. */
  private readonly down = new Map<number, number>();
  /** The viewer's key (evdev code, or keysym without one) → the keycode it pressed. */
  private readonly byKey = new Map<string, number>();
  private readonly busy = (keycode: number) => this.down.has(keycode);

  constructor(private readonly keys: KeyBackend) {}

  apply(k: KeyInput): void {
    const keysym = normalizeKeysym(k.keysym);
    if (isLockKey(keysym)) return;
    const cls = modifierClass(keysym);
    this.resync(k.modifiers, cls);
    const id = k.code > 0 ? `c${k.code}` : `s${keysym}`;
    if (!k.down) {
      this.releaseKey(id, keysym);
      return;
    }
    const previous = this.byKey.get(id);
    if (previous !== undefined) {
      // The browser's autorepeat: a release and a press, as a desktop's own repeat looks.
      this.release(previous);
      this.byKey.delete(id);
    }
    if (cls || isLevel3Key(keysym)) {
      // Meta is the browser's name for the Super (Windows, Command) key.
      const sym = cls === "meta" ? XK.Super_L : keysym;
      const place = this.keys.place(sym, this.busy);
      if (!place) return;
      this.press(place.keycode, sym);
      this.byKey.set(id, place.keycode);
      return;
    }
    this.typeKey(id, keysym);
  }

  /** Releases every key held down. */
  releaseAll(): void {
    for (const keycode of [...this.down.keys()]) this.release(keycode);
    this.byKey.clear();
  }

  /** Keycodes held down (for tests and diagnostics). */
  held(): number[] {
    return [...this.down.keys()];
  }

  private heldOf(test: (keysym: number) => boolean): number[] {
    return [...this.down].filter(([, s]) => test(s)).map(([c]) => c);
  }

  private typeKey(id: string, requested: number): void {
    const ctrl = this.heldOf((s) => modifierClass(s) === "ctrl");
    const alt = this.heldOf((s) => modifierClass(s) === "alt");
    const meta = this.heldOf((s) => modifierClass(s) === "meta");
    const shift = this.heldOf((s) => modifierClass(s) === "shift");
    const text = isTextKeysym(requested);
    const letter = isLetterKeysym(requested);
    // Windows browsers report AltGr as Ctrl+Alt: a symbol typed with both is text, not a shortcut.
    const altGr = text && !letter && ctrl.length > 0 && alt.length > 0;
    const shortcut = !altGr && ctrl.length + alt.length + meta.length > 0;
    // Shortcuts are defined on the unshifted letter (Caps Lock makes a browser say "C").
    const keysym = shortcut && letter ? lowerCaseLetter(requested) : requested;
    const place = this.keys.place(keysym, this.busy);
    if (!place) return;
    const lift: number[] = [];
    let addShift = false;
    if (altGr) lift.push(...ctrl, ...alt);
    if (shortcut) {
      // The viewer's Shift stays as it is (Ctrl+Shift+T and Ctrl+T differ); a symbol that needs
      // Shift here gets it (Ctrl+"+" from a layout where "+" is unshifted).
      addShift = !letter && place.level === 1 && shift.length === 0;
    } else if (place.level === 1) {
      addShift = shift.length === 0;
    } else if (text && shift.length > 0) {
      // A symbol that is unshifted here but shifted on the viewer's layout ("/" on a German one).
      lift.push(...shift);
    }
    // AltGr held for a symbol on the viewer's third level: the keysym already says which.
    if (text && !shortcut) lift.push(...this.heldOf(isLevel3Key));
    const shiftPlace = addShift ? this.keys.place(XK.Shift_L, this.busy) : undefined;
    for (const c of lift) this.keys.key(c, false);
    if (shiftPlace) this.keys.key(shiftPlace.keycode, true);
    this.press(place.keycode, keysym);
    this.byKey.set(id, place.keycode);
    // Temporary modifiers go back at once, so a fast next key is not typed with them.
    if (shiftPlace) this.keys.key(shiftPlace.keycode, false);
    for (const c of lift) this.keys.key(c, true);
  }

  private releaseKey(id: string, keysym: number): void {
    const keycode = this.byKey.get(id);
    if (keycode !== undefined) {
      this.byKey.delete(id);
      this.release(keycode);
      return;
    }
    // A key whose down this sink never saw (the viewer gained focus while holding it).
    const sym = modifierClass(keysym) === "meta" ? XK.Super_L : keysym;
    for (const [c, s] of this.down) if (s === sym) this.release(c);
  }

  /**
   * Brings Shift, Ctrl, Alt and Super in line with the frame's modifier bits: releases a
   * modifier the viewer no longer holds (it lost focus before the key up arrived) and presses
   * one it holds that the desktop does not know about. `except` is the modifier this very frame
   * presses or releases.
   */
  private resync(modifiers: number, except: ModifierClass | undefined): void {
    for (const cls of MODIFIER_CLASSES) {
      if (cls === except) continue;
      const keys = this.heldOf((s) => modifierClass(s) === cls);
      const want = hasModifier(modifiers, cls);
      if (!want && keys.length > 0) {
        for (const c of keys) this.release(c);
        for (const [id, c] of this.byKey) if (keys.includes(c)) this.byKey.delete(id);
      } else if (want && keys.length === 0) {
        const sym = MODIFIER_KEYSYM[cls];
        const place = this.keys.place(sym, this.busy);
        if (place) this.press(place.keycode, sym);
      }
    }
  }

  private press(keycode: number, keysym: number): void {
    this.keys.key(keycode, true);
    this.down.set(keycode, keysym);
  }

  private release(keycode: number): void {
    this.keys.key(keycode, false);
    this.down.delete(keycode);
  }
}
