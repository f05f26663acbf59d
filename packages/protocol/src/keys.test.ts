import { describe, expect, it } from "vitest";
import { EVDEV_CODES, evdevCode, keysymFor, modifiersOf } from "./keys.js";
import { Modifier } from "./stream.js";

describe("keysymFor", () => {
  it.each([
    ["a", "KeyA", 0x61],
    ["A", "KeyA", 0x41],
    [" ", "Space", 0x20],
    ["~", "Backquote", 0x7e],
    ["é", "Digit2", 0xe9],
    ["ß", "Minus", 0xdf],
    ["€", "KeyE", 0x10020ac],
    ["ж", "Semicolon", 0x1000436],
    ["😀", "", 0x101f600],
    ["Enter", "Enter", 0xff0d],
    ["Tab", "Tab", 0xff09],
    ["Backspace", "Backspace", 0xff08],
    ["Escape", "Escape", 0xff1b],
    ["Delete", "Delete", 0xffff],
    ["ArrowLeft", "ArrowLeft", 0xff51],
    ["PageDown", "PageDown", 0xff56],
    ["F1", "F1", 0xffbe],
    ["F12", "F12", 0xffc9],
    ["F24", "F24", 0xffd5],
    ["Shift", "ShiftLeft", 0xffe1],
    ["Shift", "ShiftRight", 0xffe2],
    ["Control", "ControlRight", 0xffe4],
    ["Alt", "AltLeft", 0xffe9],
    ["AltGraph", "AltRight", 0xfe03],
    ["Meta", "MetaLeft", 0xffeb],
    ["CapsLock", "CapsLock", 0xffe5],
    ["7", "Numpad7", 0xffb7],
    ["Home", "Numpad7", 0xff50],
    ["+", "NumpadAdd", 0xffab],
    ["Enter", "NumpadEnter", 0xff8d],
    ["AudioVolumeUp", "AudioVolumeUp", 0x1008ff13],
    ["Dead", "BracketLeft", 0],
    ["Unidentified", "", 0],
    ["SomethingNew", "", 0],
  ])("%j (%s) → 0x%s", (key, code, sym) => {
    expect(keysymFor(key, code).toString(16)).toBe(sym.toString(16));
  });
});

describe("evdevCode", () => {
  it.each([
    ["Escape", 1],
    ["KeyA", 30],
    ["KeyQ", 16],
    ["KeyZ", 44],
    ["Digit1", 2],
    ["Digit0", 11],
    ["Enter", 28],
    ["Space", 57],
    ["ShiftLeft", 42],
    ["ShiftRight", 54],
    ["ControlLeft", 29],
    ["ControlRight", 97],
    ["AltLeft", 56],
    ["AltRight", 100],
    ["MetaLeft", 125],
    ["Tab", 15],
    ["ArrowUp", 103],
    ["ArrowDown", 108],
    ["F1", 59],
    ["F10", 68],
    ["F11", 87],
    ["F12", 88],
    ["NumpadEnter", 96],
    ["IntlBackslash", 86],
    ["Delete", 111],
    ["Unknown", 0],
  ])("%s → %i", (code, ev) => {
    expect(evdevCode(code)).toBe(ev);
  });

  it("gives every known code a distinct evdev code", () => {
    const values = Object.values(EVDEV_CODES);
    expect(new Set(values).size).toBe(values.length);
  });
});

describe("modifiersOf", () => {
  it("sets the protocol's bits", () => {
    const held = new Set(["Shift", "Control", "NumLock"]);
    expect(modifiersOf({ getModifierState: (k) => held.has(k) })).toBe(
      Modifier.shift | Modifier.ctrl | Modifier.numLock,
    );
  });
});
