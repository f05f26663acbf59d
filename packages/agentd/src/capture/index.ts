import { SupervisedCapture } from "./supervised-capture.js";
import type { Capture, CaptureOptions } from "./types.js";
import { DEFAULT_WF_RECORDER_BIN, waylandBackend } from "./wayland-backend.js";
import { DEFAULT_CAPTURE_BIN, x11Backend } from "./x11-backend.js";

export type {
  Capture,
  CaptureHandlers,
  CaptureInfo,
  CaptureOptions,
  CaptureParams,
  EncodedFrame,
} from "./types.js";

/**
 * The session's capture: strand-capture on X11 (xfce, gnome on Xorg), wf-recorder on sway.
 * Nothing runs until `start`; `stop` ends the process. Env STRAND_CAPTURE_BIN (X11) and
 * STRAND_WF_RECORDER_BIN (sway) point at other binaries, for tests.
 */
export function createCapture(opts: CaptureOptions, env: NodeJS.ProcessEnv = process.env): Capture {
  const backend =
    opts.desktop === "sway"
      ? waylandBackend(opts.display, env.STRAND_WF_RECORDER_BIN || DEFAULT_WF_RECORDER_BIN)
      : x11Backend(opts.display, opts.encoder ?? "auto", env.STRAND_CAPTURE_BIN || DEFAULT_CAPTURE_BIN);
  if (opts.desktop === "sway" && opts.encoder === "nvenc")
    opts.log("info", "NVENC is not wired for sway capture; wf-recorder encodes with x264");
  return new SupervisedCapture(backend, opts.handlers, opts.log);
}
