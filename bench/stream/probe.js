// Injected into the viewer page by bench/stream/run.ts: reads what bench/stream/painter.mjs drew
// back out of the decoded canvas. Plain browser JavaScript (no bundling), as a page init script.
(() => {
  const hook = () => window.__strandViewer;
  const ctx = () => document.querySelector("canvas").getContext("2d", { willReadFrequently: true });

  /** The painter's 32 blocks at the top left: the low 32 bits of Date.now() when it drew them. */
  const readTime = () => {
    const px = ctx().getImageData(0, 0, 320, 20).data;
    let t = 0;
    for (let i = 0; i < 32; i++) {
      const o = (10 * 320 + i * 10 + 5) * 4;
      t = t * 2 + ((px[o] + px[o + 1] + px[o + 2]) / 3 > 128 ? 1 : 0);
    }
    return t;
  };
  /** The key square at (20, 30): blue or yellow. */
  const readSquare = () => ctx().getImageData(20, 30, 1, 1).data[0] > 128;

  /** Calls `fn` with each new paint until it returns true or `ms` pass. */
  const onPaints = (fn, ms) =>
    new Promise((resolve) => {
      let last = hook()?.lastPaintAt ?? 0;
      const deadline = performance.now() + ms;
      const tick = () => {
        const h = hook();
        if (h && h.lastPaintAt !== last) {
          last = h.lastPaintAt;
          if (fn(h)) return resolve(true);
        }
        if (performance.now() > deadline) return resolve(false);
        setTimeout(tick, 2);
      };
      tick();
    });

  window.__benchProbe = {
    size: () => ({ width: document.querySelector("canvas").width, square: readSquare() }),
    /** draw → decoded (ms) for the next `n` paints; differences are taken modulo 2^32. */
    async drawToDecoded(n) {
      const samples = [];
      const rejected = [];
      // Of each sample, the time the picture spent in the browser's decoder and being drawn.
      const decode = [];
      const draw = [];
      await onPaints((h) => {
        const lat = (((h.lastPaintWallMs - readTime()) % 2 ** 32) + 2 ** 32) % 2 ** 32;
        (lat < 2000 ? samples : rejected).push(lat);
        if (lat < 2000 && h.lastDecodeMs !== undefined) {
          decode.push(h.lastDecodeMs);
          draw.push(h.lastDrawMs);
        }
        return samples.length >= n;
      }, 60_000);
      return { samples, rejected, decode, draw };
    },
    /** Arms a watcher for the square to flip; `flipped()` resolves with that paint's wall time. */
    armFlip() {
      const before = readSquare();
      let at = 0;
      const done = onPaints((h) => {
        if (readSquare() === before) return false;
        at = h.lastPaintWallMs;
        return true;
      }, 5_000);
      window.__benchFlip = done.then((ok) => (ok ? at : -1));
    },
  };
})();
