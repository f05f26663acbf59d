/**
 * What end-to-end tests and the bench read from a running viewer (`window.__strandViewer`).
 * Plain numbers only, updated as frames arrive.
 */
export interface ViewerTestHook {
  mode: "webcodecs" | "mse" | "none";
  connected: boolean;
  connects: number;
  framesReceived: number;
  framesDecoded: number;
  framesPainted: number;
  /** Capture time (µs, agentd's clock) of the newest painted frame. */
  lastCaptureUs: number;
  /** performance.now() of the newest paint, and Date.now() at that moment. */
  lastPaintAt: number;
  lastPaintWallMs: number;
  /** performance.now() when the socket first opened, and of the first paint after it: join → first frame. */
  firstOpenAt: number;
  firstPaintAt: number;
  errors: string[];
  clipboard: string | undefined;
  /** Round trip to the server of the last ping, ms. */
  rttMs: number | undefined;
  /** The newest painted frame's decode and canvas draw times, ms (WebCodecs only). */
  lastDecodeMs: number | undefined;
  lastDrawMs: number | undefined;
}
