import { describe, expect, it } from "vitest";
import { GopCache } from "./gop-cache.js";

const frame = (n: number, bytes = 10) => new Uint8Array(bytes).fill(n);

describe("GopCache", () => {
  it("holds the frames since the last keyframe", () => {
    const c = new GopCache();
    expect(c.push(frame(1), false)).toBe("not-cached");
    c.push(frame(2), true);
    c.push(frame(3), false);
    c.push(frame(4), true);
    c.push(frame(5), false);
    expect(c.snapshot().map((f) => f[0])).toEqual([4, 5]);
    expect(c.bytes).toBe(20);
  });

  it("asks for a keyframe past its soft bound and drops everything past its hard bound", () => {
    const c = new GopCache();
    c.push(frame(1, 1024 * 1024), true);
    for (let i = 0; i < 3; i++) c.push(frame(2, 1024 * 1024), false);
    expect(c.wantsKeyframe).toBe(false);
    c.push(frame(3, 1024 * 1024), false);
    expect(c.wantsKeyframe).toBe(true);
    let last = "cached";
    for (let i = 0; i < 12 && last === "cached"; i++) last = c.push(frame(4, 1024 * 1024), false);
    expect(last).toBe("not-cached");
    expect(c.length).toBe(0);
    // Until the next keyframe nothing is cached: a joiner must not get a GOP without its start.
    expect(c.push(frame(5), false)).toBe("not-cached");
    expect(c.push(frame(6), true)).toBe("cached");
  });
});
