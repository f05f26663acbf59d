/**
 * X11 keysym facts both desktops need: which keysyms are modifiers (and which of the viewer's
 * modifier bits they stand for), which produce text, and how to spell them as characters.
 */
import { Modifier } from "@strand/protocol";

export const XK = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Escape: 0xff1b,
  Delete: 0xffff,
  ISO_Left_Tab: 0xfe20,
  ISO_Level3_Shift: 0xfe03,
  Mode_switch: 0xff7e,
  Num_Lock: 0xff7f,
  Shift_L: 0xffe1,
  Shift_R: 0xffe2,
  Control_L: 0xffe3,
  Control_R: 0xffe4,
  Caps_Lock: 0xffe5,
  Shift_Lock: 0xffe6,
  Meta_L: 0xffe7,
  Meta_R: 0xffe8,
  Alt_L: 0xffe9,
  Alt_R: 0xffea,
  Super_L: 0xffeb,
  Super_R: 0xffec,
  Hyper_L: 0xffed,
  Hyper_R: 0xffee,
} as const;

/** The modifier bits of the key frame that the X server and sway can be resynchronised to. */
export type ModifierClass = "shift" | "ctrl" | "alt" | "meta";
export const MODIFIER_CLASSES: readonly ModifierClass[] = ["shift", "ctrl", "alt", "meta"];

/** The keysym pressed to hold a modifier when a frame says it is down but no key of it is. */
export const MODIFIER_KEYSYM: Record<ModifierClass, number> = {
  shift: XK.Shift_L,
  ctrl: XK.Control_L,
  alt: XK.Alt_L,
  meta: XK.Super_L,
};

/** Which modifier bit a keysym stands for. Meta and Hyper count as the browser's Meta (Super). */
export function modifierClass(keysym: number): ModifierClass | undefined {
  switch (keysym) {
    case XK.Shift_L:
    case XK.Shift_R:
      return "shift";
    case XK.Control_L:
    case XK.Control_R:
      return "ctrl";
    case XK.Alt_L:
    case XK.Alt_R:
      return "alt";
    case XK.Meta_L:
    case XK.Meta_R:
    case XK.Super_L:
    case XK.Super_R:
    case XK.Hyper_L:
    case XK.Hyper_R:
      return "meta";
    default:
      return undefined;
  }
}

export function hasModifier(modifiers: number, cls: ModifierClass): boolean {
  return (modifiers & Modifier[cls]) !== 0;
}

/** AltGr: picks a symbol's third level. Never resynchronised (no modifier bit stands for it). */
export const isLevel3Key = (keysym: number) => keysym === XK.ISO_Level3_Shift || keysym === XK.Mode_switch;

/**
 * Lock keys are not forwarded: the viewer's keysyms already carry Caps Lock and Num Lock (the
 * browser says "A", not "a"), so a lock held in the desktop would only invert them again.
 */
export const isLockKey = (keysym: number) =>
  keysym === XK.Caps_Lock || keysym === XK.Num_Lock || keysym === XK.Shift_Lock;

/**
 * Keysyms whose meaning is a character: Latin-1, the legacy national blocks and the Unicode
 * range. Function, keypad, modifier and dead keys (0xfe00–0xffff) are not.
 */
export const isTextKeysym = (keysym: number) =>
  (keysym >= 0x20 && keysym <= 0x7e) ||
  (keysym >= 0xa0 && keysym < 0xfe00) ||
  (keysym >= 0x01000100 && keysym <= 0x0110ffff);

export const isLetterKeysym = (keysym: number) =>
  (keysym >= 0x41 && keysym <= 0x5a) || (keysym >= 0x61 && keysym <= 0x7a);

/** X spells code points below 0x100 as their Latin-1 keysym, never as 0x010000XX. */
export function normalizeKeysym(keysym: number): number {
  if (keysym >= 0x01000000 && keysym < 0x01000100) return keysym - 0x01000000;
  return keysym >>> 0;
}

/** The keysym X uses for a Unicode code point. */
export function keysymForCodePoint(cp: number): number {
  return cp < 0x100 ? cp : (0x01000000 | cp) >>> 0;
}

/** X's rule for one-keysym rows: the shifted level of a letter is its upper case. */
export function upperCaseKeysym(keysym: number): number {
  if ((keysym >= 0x61 && keysym <= 0x7a) || (keysym >= 0xe0 && keysym <= 0xfe && keysym !== 0xf7)) return keysym - 0x20;
  return keysym;
}

/** Lower case of a Latin letter keysym (shortcuts are defined on the unshifted letter). */
export function lowerCaseLetter(keysym: number): number {
  return keysym >= 0x41 && keysym <= 0x5a ? keysym + 0x20 : keysym;
}

/**
 * The character a text keysym types, or undefined when it is not one this table knows (the
 * legacy non-Latin-1 blocks other than the Euro sign are rare from a browser: viewers send
 * code points as Unicode keysyms).
 */
export function keysymToChar(keysym: number): string | undefined {
  const k = normalizeKeysym(keysym);
  if ((k >= 0x20 && k <= 0x7e) || (k >= 0xa0 && k <= 0xff)) return String.fromCodePoint(k);
  if (k >= 0x01000100 && k <= 0x0110ffff) return String.fromCodePoint(k - 0x01000000);
  if (k === 0x20ac) return "€";
  return undefined;
}
