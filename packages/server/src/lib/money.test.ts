import { describe, expect, it } from "vitest";
import { microsToUsd, usdToMicros } from "./money.js";

describe("usdToMicros", () => {
  it.each([
    [0, 0],
    [1, 1_000_000],
    [0.01, 10_000],
    [0.018, 18_000],
    [1_000_000, 1_000_000_000_000],
    [123.456789, 123_456_789],
    // Rounded half up at the sixth decimal, on the decimal the caller wrote.
    [0.0000015, 2],
    [0.0000014999, 1],
    [0.0000005, 1],
    [0.00000049, 0],
    [5e-7, 1],
    [1e-7, 0],
    [2.9999995, 3_000_000],
  ])("$%s is %s micro-dollars", (usd, micros) => {
    expect(usdToMicros(usd)).toBe(micros);
  });

  it("keeps null limits null, and refuses what is not an amount", () => {
    expect(usdToMicros(null)).toBeNull();
    expect(() => usdToMicros(-1)).toThrow(RangeError);
    expect(() => usdToMicros(Number.NaN)).toThrow(RangeError);
    expect(() => usdToMicros(1e300)).toThrow(/too large/);
  });
});

describe("microsToUsd", () => {
  it("gives the decimal back exactly, as JSON shows it", () => {
    expect(microsToUsd(18_000)).toBe(0.018);
    expect(JSON.stringify(microsToUsd(300_000))).toBe("0.3");
    expect(JSON.stringify(microsToUsd(1_000_000))).toBe("1");
    expect(microsToUsd(null)).toBeNull();
  });

  it("round-trips every limit the API accepts to six decimals", () => {
    for (const usd of [0.1, 0.2, 0.3, 0.7, 9.99, 123.456789, 999_999.999999]) {
      expect(microsToUsd(usdToMicros(usd))).toBe(usd);
    }
  });
});
