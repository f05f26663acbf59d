import { type InputFrame, Modifier } from "@strand/protocol";
import { keysymForCodePoint, XK } from "../../packages/agentd/src/input/keysyms.js";

/** One key frame as a browser viewer sends it. */
export const key = (keysym: number, down: boolean, modifiers = 0, code = 0): InputFrame => ({
  type: "key",
  down,
  modifiers,
  keysym,
  code,
});

export const tap = (keysym: number, modifiers = 0, code = 0): InputFrame[] => [
  key(keysym, true, modifiers, code),
  key(keysym, false, modifiers, code),
];

/** Each character's keysym pressed and released, with no Shift events and no modifier bits. */
export const chars = (s: string, modifiers = 0): InputFrame[] =>
  [...s].flatMap((c) => tap(keysymForCodePoint(c.codePointAt(0) ?? 0), modifiers));

const SHIFTED = /[A-Z!@#$%^&*()_+{}|:"<>?~]/;
const SHIFT_CODE = 42; // evdev KEY_LEFTSHIFT
const ENTER = [key(XK.Return, true, 0, 28), key(XK.Return, false, 0, 28)];

/**
 * What a browser viewer sends for text typed on a US keyboard: Shift down and up around shifted
 * characters, with the modifier bits to match. "\n" is the Return key.
 */
export function typedLikeABrowser(s: string): InputFrame[] {
  const out: InputFrame[] = [];
  for (const c of s) {
    if (c === "\n") {
      out.push(...ENTER);
      continue;
    }
    const shifted = SHIFTED.test(c);
    const sym = keysymForCodePoint(c.codePointAt(0) ?? 0);
    if (shifted) out.push(key(XK.Shift_L, true, Modifier.shift, SHIFT_CODE));
    const mods = shifted ? Modifier.shift : 0;
    out.push(key(sym, true, mods, 30), key(sym, false, mods, 30));
    if (shifted) out.push(key(XK.Shift_L, false, 0, SHIFT_CODE));
  }
  return out;
}

/** Ctrl+<letter>, with the Control key's own events as a browser sends them. */
export function ctrl(letter: string): InputFrame[] {
  const sym = letter.codePointAt(0) ?? 0;
  return [
    key(XK.Control_L, true, Modifier.ctrl, 29),
    key(sym, true, Modifier.ctrl, 46),
    key(sym, false, Modifier.ctrl, 46),
    key(XK.Control_L, false, 0, 29),
  ];
}
