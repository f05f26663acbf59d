import type { KeyPlace } from "../keyboard.js";

/**
 * The virtual keyboard's keymap: the standard US layout (what `setxkbmap us` gives on evdev),
 * compiled by the compositor from XKB source, plus a few unused keycodes that carry keysyms
 * the layout lacks (é, €, CJK). Key frames speak evdev codes; XKB keycodes are evdev + 8.
 */

/** evdev code → [unshifted, shifted] keysyms of the US layout (pc+us+inet(evdev)). */
const US: ReadonlyArray<readonly [number, number, number?]> = [
  [1, 0xff1b], // Escape
  [2, 0x31, 0x21],
  [3, 0x32, 0x40],
  [4, 0x33, 0x23],
  [5, 0x34, 0x24],
  [6, 0x35, 0x25],
  [7, 0x36, 0x5e],
  [8, 0x37, 0x26],
  [9, 0x38, 0x2a],
  [10, 0x39, 0x28],
  [11, 0x30, 0x29],
  [12, 0x2d, 0x5f], // minus underscore
  [13, 0x3d, 0x2b], // equal plus
  [14, 0xff08], // BackSpace
  [15, 0xff09, 0xfe20], // Tab ISO_Left_Tab
  [16, 0x71, 0x51],
  [17, 0x77, 0x57],
  [18, 0x65, 0x45],
  [19, 0x72, 0x52],
  [20, 0x74, 0x54],
  [21, 0x79, 0x59],
  [22, 0x75, 0x55],
  [23, 0x69, 0x49],
  [24, 0x6f, 0x4f],
  [25, 0x70, 0x50],
  [26, 0x5b, 0x7b], // bracketleft braceleft
  [27, 0x5d, 0x7d],
  [28, 0xff0d], // Return
  [29, 0xffe3], // Control_L
  [30, 0x61, 0x41],
  [31, 0x73, 0x53],
  [32, 0x64, 0x44],
  [33, 0x66, 0x46],
  [34, 0x67, 0x47],
  [35, 0x68, 0x48],
  [36, 0x6a, 0x4a],
  [37, 0x6b, 0x4b],
  [38, 0x6c, 0x4c],
  [39, 0x3b, 0x3a], // semicolon colon
  [40, 0x27, 0x22], // apostrophe quotedbl
  [41, 0x60, 0x7e], // grave asciitilde
  [42, 0xffe1], // Shift_L
  [43, 0x5c, 0x7c], // backslash bar
  [44, 0x7a, 0x5a],
  [45, 0x78, 0x58],
  [46, 0x63, 0x43],
  [47, 0x76, 0x56],
  [48, 0x62, 0x42],
  [49, 0x6e, 0x4e],
  [50, 0x6d, 0x4d],
  [51, 0x2c, 0x3c], // comma less
  [52, 0x2e, 0x3e], // period greater
  [53, 0x2f, 0x3f], // slash question
  [54, 0xffe2], // Shift_R
  [55, 0xffaa], // KP_Multiply
  [56, 0xffe9], // Alt_L
  [57, 0x20], // space
  [58, 0xffe5], // Caps_Lock
  [59, 0xffbe], // F1..F10
  [60, 0xffbf],
  [61, 0xffc0],
  [62, 0xffc1],
  [63, 0xffc2],
  [64, 0xffc3],
  [65, 0xffc4],
  [66, 0xffc5],
  [67, 0xffc6],
  [68, 0xffc7],
  [69, 0xff7f], // Num_Lock
  [70, 0xff14], // Scroll_Lock
  [71, 0xff95, 0xffb7], // KP_Home KP_7
  [72, 0xff97, 0xffb8], // KP_Up KP_8
  [73, 0xff9a, 0xffb9], // KP_Prior KP_9
  [74, 0xffad], // KP_Subtract
  [75, 0xff96, 0xffb4], // KP_Left KP_4
  [76, 0xff9d, 0xffb5], // KP_Begin KP_5
  [77, 0xff98, 0xffb6], // KP_Right KP_6
  [78, 0xffab], // KP_Add
  [79, 0xff9c, 0xffb1], // KP_End KP_1
  [80, 0xff99, 0xffb2], // KP_Down KP_2
  [81, 0xff9b, 0xffb3], // KP_Next KP_3
  [82, 0xff9e, 0xffb0], // KP_Insert KP_0
  [83, 0xff9f, 0xffae], // KP_Delete KP_Decimal
  [84, 0xfe03], // ISO_Level3_Shift
  [87, 0xffc8], // F11
  [88, 0xffc9], // F12
  [96, 0xff8d], // KP_Enter
  [97, 0xffe4], // Control_R
  [98, 0xffaf], // KP_Divide
  [99, 0xff61], // Print
  [100, 0xffea], // Alt_R
  [102, 0xff50], // Home
  [103, 0xff52], // Up
  [104, 0xff55], // Prior
  [105, 0xff51], // Left
  [106, 0xff53], // Right
  [107, 0xff57], // End
  [108, 0xff54], // Down
  [109, 0xff56], // Next
  [110, 0xff63], // Insert
  [111, 0xffff], // Delete
  [119, 0xff13], // Pause
  [125, 0xffeb], // Super_L
  [126, 0xffec], // Super_R
  [127, 0xff67], // Menu
  [195, 0xff7e], // Mode_switch
];

/** Keycodes the US layout leaves empty, by XKB name and evdev code. */
export const SPARES: ReadonlyArray<readonly [string, number]> = [
  ["I120", 112],
  ["I149", 141],
  ["I154", 146],
  ["I168", 160],
  ["I178", 170],
  ["I183", 175],
  ["I184", 176],
  ["I217", 209],
  ["I219", 211],
  ["I222", 214],
  ["I230", 222],
  ["I248", 240],
];

/** The layout's keysyms → where they are; the first place wins, as in the X server's lookup. */
export const US_PLACES: ReadonlyMap<number, KeyPlace> = (() => {
  const places = new Map<number, KeyPlace>();
  for (const [code, l0, l1] of US) {
    if (!places.has(l0)) places.set(l0, { keycode: code, level: 0 });
    if (l1 !== undefined && !places.has(l1)) places.set(l1, { keycode: code, level: 1 });
  }
  return places;
})();

/** Modifier masks of the compiled keymap (real modifiers keep their X order in xkbcommon). */
export const MOD_MASK: ReadonlyMap<number, number> = new Map([
  [42, 1 << 0], // Shift
  [54, 1 << 0],
  [29, 1 << 2], // Control
  [97, 1 << 2],
  [56, 1 << 3], // Mod1: Alt
  [100, 1 << 3],
  [125, 1 << 6], // Mod4: Super
  [126, 1 << 6],
  [84, 1 << 7], // Mod5: ISO_Level3_Shift
  [195, 1 << 7],
]);

/** XKB source for the US layout with `extras` (spare name → keysym) on the spare keycodes. */
export function keymapSource(extras: ReadonlyMap<string, number>): string {
  const keys = [...extras].map(([name, sym]) => {
    const k = `0x${sym.toString(16)}`;
    return `    key <${name}> { [ ${k}, ${k} ] };`;
  });
  return [
    "xkb_keymap {",
    '  xkb_keycodes { include "evdev+aliases(qwerty)" };',
    '  xkb_types { include "complete" };',
    '  xkb_compat { include "complete" };',
    "  xkb_symbols {",
    '    include "pc+us+inet(evdev)"',
    ...keys,
    "  };",
    "};",
    "",
  ].join("\n");
}
