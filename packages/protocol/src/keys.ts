/**
 * Browser keyboard events to what the desktop needs: `KeyboardEvent.key` (what the key means in
 * the viewer's layout) to an X11 keysym, and `KeyboardEvent.code` (where the key is) to a Linux
 * evdev code (linux/input-event-codes.h). Pure tables, shared by the web viewer and tests.
 */

/** KeyboardEvent.code → evdev code. Unknown codes map to 0 (agentd then uses the keysym alone). */
export const EVDEV_CODES: Readonly<Record<string, number>> = {
  Escape: 1,
  Digit1: 2,
  Digit2: 3,
  Digit3: 4,
  Digit4: 5,
  Digit5: 6,
  Digit6: 7,
  Digit7: 8,
  Digit8: 9,
  Digit9: 10,
  Digit0: 11,
  Minus: 12,
  Equal: 13,
  Backspace: 14,
  Tab: 15,
  KeyQ: 16,
  KeyW: 17,
  KeyE: 18,
  KeyR: 19,
  KeyT: 20,
  KeyY: 21,
  KeyU: 22,
  KeyI: 23,
  KeyO: 24,
  KeyP: 25,
  BracketLeft: 26,
  BracketRight: 27,
  Enter: 28,
  ControlLeft: 29,
  KeyA: 30,
  KeyS: 31,
  KeyD: 32,
  KeyF: 33,
  KeyG: 34,
  KeyH: 35,
  KeyJ: 36,
  KeyK: 37,
  KeyL: 38,
  Semicolon: 39,
  Quote: 40,
  Backquote: 41,
  ShiftLeft: 42,
  Backslash: 43,
  KeyZ: 44,
  KeyX: 45,
  KeyC: 46,
  KeyV: 47,
  KeyB: 48,
  KeyN: 49,
  KeyM: 50,
  Comma: 51,
  Period: 52,
  Slash: 53,
  ShiftRight: 54,
  NumpadMultiply: 55,
  AltLeft: 56,
  Space: 57,
  CapsLock: 58,
  F1: 59,
  F2: 60,
  F3: 61,
  F4: 62,
  F5: 63,
  F6: 64,
  F7: 65,
  F8: 66,
  F9: 67,
  F10: 68,
  NumLock: 69,
  ScrollLock: 70,
  Numpad7: 71,
  Numpad8: 72,
  Numpad9: 73,
  NumpadSubtract: 74,
  Numpad4: 75,
  Numpad5: 76,
  Numpad6: 77,
  NumpadAdd: 78,
  Numpad1: 79,
  Numpad2: 80,
  Numpad3: 81,
  Numpad0: 82,
  NumpadDecimal: 83,
  IntlBackslash: 86,
  F11: 87,
  F12: 88,
  IntlRo: 89,
  Convert: 92,
  KanaMode: 93,
  NonConvert: 94,
  NumpadEnter: 96,
  ControlRight: 97,
  NumpadDivide: 98,
  PrintScreen: 99,
  AltRight: 100,
  Home: 102,
  ArrowUp: 103,
  PageUp: 104,
  ArrowLeft: 105,
  ArrowRight: 106,
  End: 107,
  ArrowDown: 108,
  PageDown: 109,
  Insert: 110,
  Delete: 111,
  AudioVolumeMute: 113,
  AudioVolumeDown: 114,
  AudioVolumeUp: 115,
  Power: 116,
  NumpadEqual: 117,
  Pause: 119,
  NumpadComma: 121,
  Lang1: 122,
  Lang2: 123,
  IntlYen: 124,
  MetaLeft: 125,
  MetaRight: 126,
  ContextMenu: 127,
  BrowserStop: 128,
  Again: 129,
  Undo: 131,
  Copy: 133,
  Open: 134,
  Paste: 135,
  Find: 136,
  Cut: 137,
  Help: 138,
  LaunchApp2: 140,
  Sleep: 142,
  WakeUp: 143,
  LaunchMail: 155,
  BrowserFavorites: 156,
  BrowserBack: 158,
  BrowserForward: 159,
  Eject: 161,
  MediaTrackNext: 163,
  MediaPlayPause: 164,
  MediaTrackPrevious: 165,
  MediaStop: 166,
  BrowserHome: 172,
  BrowserRefresh: 173,
  F13: 183,
  F14: 184,
  F15: 185,
  F16: 186,
  F17: 187,
  F18: 188,
  F19: 189,
  F20: 190,
  F21: 191,
  F22: 192,
  F23: 193,
  F24: 194,
  BrowserSearch: 217,
  MediaSelect: 226,
};

/** Named KeyboardEvent.key values → keysym, for keys whose side does not matter. */
const NAMED_KEYSYMS: Readonly<Record<string, number>> = {
  Backspace: 0xff08,
  Tab: 0xff09,
  Enter: 0xff0d,
  Pause: 0xff13,
  ScrollLock: 0xff14,
  Escape: 0xff1b,
  Home: 0xff50,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  PageUp: 0xff55,
  PageDown: 0xff56,
  End: 0xff57,
  Select: 0xff60,
  PrintScreen: 0xff61,
  Execute: 0xff62,
  Insert: 0xff63,
  Undo: 0xff65,
  Redo: 0xff66,
  ContextMenu: 0xff67,
  Find: 0xff68,
  Cancel: 0xff69,
  Help: 0xff6a,
  NumLock: 0xff7f,
  CapsLock: 0xffe5,
  Delete: 0xffff,
  AltGraph: 0xfe03,
  Dead: 0,
  Unidentified: 0,
  AudioVolumeMute: 0x1008ff12,
  AudioVolumeDown: 0x1008ff11,
  AudioVolumeUp: 0x1008ff13,
  MediaPlayPause: 0x1008ff14,
  MediaStop: 0x1008ff15,
  MediaTrackPrevious: 0x1008ff16,
  MediaTrackNext: 0x1008ff17,
  BrowserBack: 0x1008ff26,
  BrowserForward: 0x1008ff27,
  BrowserRefresh: 0x1008ff29,
  BrowserHome: 0x1008ff18,
  BrowserSearch: 0x1008ff1b,
  LaunchMail: 0x1008ff19,
};

/** Modifier keys, whose keysym depends on which side (KeyboardEvent.code) was pressed. */
const SIDED_KEYSYMS: Readonly<Record<string, number>> = {
  ShiftLeft: 0xffe1,
  ShiftRight: 0xffe2,
  ControlLeft: 0xffe3,
  ControlRight: 0xffe4,
  MetaLeft: 0xffeb,
  MetaRight: 0xffec,
  AltLeft: 0xffe9,
  AltRight: 0xffea,
  OSLeft: 0xffeb,
  OSRight: 0xffec,
};

/** Keypad keys by code, so NumLock-on digits and operators keep their KP_ meaning. */
const KEYPAD_KEYSYMS: Readonly<Record<string, number>> = {
  Numpad0: 0xffb0,
  Numpad1: 0xffb1,
  Numpad2: 0xffb2,
  Numpad3: 0xffb3,
  Numpad4: 0xffb4,
  Numpad5: 0xffb5,
  Numpad6: 0xffb6,
  Numpad7: 0xffb7,
  Numpad8: 0xffb8,
  Numpad9: 0xffb9,
  NumpadMultiply: 0xffaa,
  NumpadAdd: 0xffab,
  NumpadComma: 0xffac,
  NumpadSubtract: 0xffad,
  NumpadDecimal: 0xffae,
  NumpadDivide: 0xffaf,
  NumpadEnter: 0xff8d,
  NumpadEqual: 0xffbd,
};

/** evdev code for a KeyboardEvent.code; 0 when unknown. */
export function evdevCode(code: string): number {
  return EVDEV_CODES[code] ?? 0;
}

/**
 * X11 keysym for a KeyboardEvent's `key` (and `code`, for the side of modifiers and the keypad);
 * 0 when there is none (dead keys, unidentified keys: agentd falls back to the evdev code).
 */
export function keysymFor(key: string, code = ""): number {
  const sided = SIDED_KEYSYMS[code];
  if (sided !== undefined && ["Shift", "Control", "Alt", "Meta", "OS", "Super", "Hyper"].includes(key)) return sided;
  if (key === "Shift") return 0xffe1;
  if (key === "Control") return 0xffe3;
  if (key === "Alt") return 0xffe9;
  if (key === "Meta" || key === "OS" || key === "Super") return 0xffeb;
  // With NumLock on, keypad digits arrive as "1"…; with it off, as "End"…, which the named table covers.
  const keypad = KEYPAD_KEYSYMS[code];
  if (keypad !== undefined && (key.length === 1 || code === "NumpadEnter")) return keypad;
  const named = NAMED_KEYSYMS[key];
  if (named !== undefined) return named;
  const fn = /^F(\d{1,2})$/.exec(key);
  if (fn) {
    const n = Number(fn[1]);
    if (n >= 1 && n <= 35) return 0xffbe + n - 1;
  }
  const chars = [...key];
  if (chars.length !== 1) return 0;
  const cp = key.codePointAt(0) as number;
  // Latin-1 characters are their own keysyms; everything else is Unicode + 0x01000000.
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  if (cp < 0x20 || cp === 0x7f) return 0;
  return 0x01000000 + cp;
}

/** The protocol's modifier bits from a keyboard or pointer event. */
export function modifiersOf(e: { getModifierState(key: string): boolean }): number {
  let m = 0;
  if (e.getModifierState("Shift")) m |= 1;
  if (e.getModifierState("Control")) m |= 2;
  if (e.getModifierState("Alt")) m |= 4;
  if (e.getModifierState("Meta")) m |= 8;
  if (e.getModifierState("CapsLock")) m |= 16;
  if (e.getModifierState("NumLock")) m |= 32;
  return m;
}
