/// <reference path="./x11.d.ts" />
/**
 * One X connection for agentd's input: opened with the `x11` package (pure JS, in-process), so a
 * faked key or click costs microseconds instead of spawning xdotool (8–10 ms).
 */
import x11, { type FixesExt, type RandrExt, type XClient, type XDisplay, type XTestExt } from "x11";

export type { FixesExt, RandrExt, RandrResources, XClient, XDisplay, XEvent, XTestExt } from "x11";

/** Calls a callback-style request and returns its result. */
export function call<T>(fn: (cb: (err: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

export interface XConnection {
  X: XClient;
  display: XDisplay;
  root: number;
}

/** Opens `display` (":1"); rejects with a message saying which display could not be reached. */
export function openDisplay(display: string): Promise<XConnection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    // MIT-SHM is for images; input never needs it, and its fd-passing probe is best left alone.
    // Requests are batched and flushed before the event loop waits, so a burst of faked events
    // leaves in one write without adding latency.
    const X = x11.createClient({ display, shm: false, bufferRequests: true }, (err, d) => {
      if (settled) return;
      settled = true;
      if (err) reject(new Error(`cannot open X display ${display} for input: ${err.message}`));
      else resolve({ X, display: d, root: d.screen[0]?.root ?? 0 });
    });
    X.on("error", (err) => {
      if (settled) return;
      settled = true;
      reject(new Error(`cannot open X display ${display} for input: ${err.message}`));
    });
  });
}

export function requireXTest(X: XClient): Promise<XTestExt> {
  return call<XTestExt>((cb) => X.require("xtest", cb)).catch((err: Error) => {
    throw new Error(`the X server has no XTEST extension, so viewer input cannot be injected: ${err.message}`);
  });
}

export function requireFixes(X: XClient): Promise<FixesExt> {
  return call<FixesExt>((cb) => X.require("fixes", cb));
}

export function requireRandr(X: XClient): Promise<RandrExt> {
  return call<RandrExt>((cb) => X.require("randr", cb));
}
