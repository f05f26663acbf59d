import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("allows a burst, then the rate", () => {
    let now = 0;
    const b = new TokenBucket(1000, 5, () => now);
    for (let i = 0; i < 5; i++) expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    now += 2; // 2 ms at 1000/s: two more
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    now += 60_000; // a long pause saves up only the burst
    let n = 0;
    while (b.take()) n++;
    expect(n).toBe(5);
  });
});
