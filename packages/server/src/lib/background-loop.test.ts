import { describe, expect, it } from "vitest";
import { BackgroundLoop } from "./background-loop.js";

describe("BackgroundLoop", () => {
  it("runs one step at a time; a wake during a run brings the next run right after it; stop waits", async () => {
    let runs = 0;
    let inFlight = 0;
    let most = 0;
    let release: () => void = () => {};
    const loop = new BackgroundLoop(async () => {
      runs++;
      inFlight++;
      most = Math.max(most, inFlight);
      if (runs === 1) await new Promise<void>((r) => (release = r));
      inFlight--;
      return 60_000;
    });
    loop.start();
    await expect.poll(() => runs).toBe(1);
    loop.wake();
    loop.wake();
    release();
    // The wakes during the first run make exactly one more run, at once rather than in a minute.
    await expect.poll(() => runs).toBe(2);
    await loop.stop();
    expect(most).toBe(1);
  });
});
