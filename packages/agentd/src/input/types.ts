import type { Desktop, InputFrame } from "@strand/protocol";
import type { Log } from "../log.js";

/**
 * Applies a viewer's input to the session's desktop: XTest in-process on X11, a virtual
 * keyboard/pointer on Wayland. Errors are reported through `onError`, never thrown at the caller.
 */
export interface InputSink {
  /** Applies one frame, in order; never throws (a frame the desktop cannot take is logged and dropped). */
  apply(frame: InputFrame): void;
  /**
   * Releases every key and button viewers hold down, so a viewer that disconnects or loses focus
   * mid-shortcut never leaves Ctrl or a mouse button stuck. Call it when a viewer leaves or input
   * control passes to another viewer.
   */
  releaseAll(): void;
  /** Resolves once the desktop has processed every frame applied so far (one round trip). */
  flush(): Promise<void>;
  /** Sets the desktop's clipboard (and primary selection) to this text (at most 1,000,000 characters). */
  setClipboard(text: string): Promise<void>;
  /**
   * Changes the desktop's resolution; resolves with the size actually set, which is clamped to
   * what the display allows and rounded down to even numbers. Rejects when the desktop cannot
   * be resized at all, saying why.
   */
  resize(width: number, height: number): Promise<{ width: number; height: number }>;
  /** Releases everything held, restores the keyboard and stops watching the clipboard. */
  close(): void;
}

export interface InputHandlers {
  /** Text copied inside the desktop; sent to the viewers. Not called for text set by `setClipboard`. */
  onClipboard(text: string): void;
  onError(message: string): void;
}

export interface InputOptions {
  desktop: Desktop;
  /** X11 display (":1") for xfce; Wayland socket name ("wayland-1") for sway. */
  display: string;
  log: Log;
  handlers: InputHandlers;
  /**
   * The largest size `resize` sets (default 2560×1440). On X11 Xvfb's own maximum (the size it
   * was started with) also applies.
   */
  maxSize?: { width: number; height: number };
}
