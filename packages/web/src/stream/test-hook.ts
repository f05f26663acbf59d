import type { ViewerTestHook } from "./viewer-hook.js";

export type { ViewerTestHook };

declare global {
  interface Window {
    __strandViewer?: ViewerTestHook;
  }
}

export function createTestHook(): ViewerTestHook {
  const hook: ViewerTestHook = {
    mode: "none",
    connected: false,
    connects: 0,
    framesReceived: 0,
    framesDecoded: 0,
    framesPainted: 0,
    lastCaptureUs: 0,
    lastPaintAt: 0,
    lastPaintWallMs: 0,
    firstOpenAt: 0,
    firstPaintAt: 0,
    errors: [],
    clipboard: undefined,
    rttMs: undefined,
    lastDecodeMs: undefined,
    lastDrawMs: undefined,
  };
  window.__strandViewer = hook;
  return hook;
}
