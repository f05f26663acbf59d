import type { InputOptions, InputSink } from "./types.js";
import { createWaylandInput } from "./wayland/sink.js";
import { createX11Input } from "./x11/sink.js";

export type { InputHandlers, InputOptions, InputSink } from "./types.js";

/**
 * Opens the input sink for the session's desktop: XTest on xfce's X server, a virtual pointer
 * and keyboard on sway. Rejects, saying why, when the desktop cannot take input at all.
 */
export async function createInput(opts: InputOptions): Promise<InputSink> {
  switch (opts.desktop) {
    case "xfce":
      return createX11Input(opts);
    case "sway":
      return createWaylandInput(opts);
    default:
      throw new Error(`viewer input is not supported on the ${opts.desktop} desktop yet`);
  }
}
