import { describe, expect, it } from "vitest";
import { LoginThrottle } from "./login-throttle.js";

describe("LoginThrottle", () => {
  it("blocks a key after too many failures until the window passes", () => {
    const t = new LoginThrottle(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfter("k", 1000 + i)).toBe(0);
      t.fail("k", 1000 + i);
    }
    expect(t.retryAfter("k", 2000)).toBe(59);
    expect(t.retryAfter("other", 2000)).toBe(0);
    expect(t.retryAfter("k", 61_001)).toBe(0);
  });

  it("a success clears the failures", () => {
    const t = new LoginThrottle(2, 60_000);
    t.fail("k", 0);
    t.succeed("k");
    t.fail("k", 1);
    expect(t.retryAfter("k", 2)).toBe(0);
  });

  it("keeps memory bounded", () => {
    const t = new LoginThrottle(1, 60_000, 100);
    for (let i = 0; i < 1000; i++) t.fail(`k${i}`, 0);
    expect(t.retryAfter("k0", 1)).toBe(0);
    expect(t.retryAfter("k999", 1)).toBeGreaterThan(0);
  });
});
