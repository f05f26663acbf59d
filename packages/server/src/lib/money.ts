/**
 * Money is stored and summed as whole micro-dollars (1 USD = 1,000,000), so totals and limit
 * checks are exact; the API speaks USD decimals, converted here and only here.
 */
export const MICROS_PER_USD = 1_000_000;

/**
 * A non-negative USD amount as whole micro-dollars, rounded half up at the sixth decimal.
 * Works on the number's decimal form rather than `usd * 1e6`: 0.0000015 * 1e6 is
 * 1.4999999999999998 in floats, which would round down a value the caller wrote as a half.
 */
export function usdToMicros(usd: number): number;
/** A limit: null (no limit) stays null. */
export function usdToMicros(usd: number | null): number | null;
export function usdToMicros(usd: number | null): number | null {
  if (usd === null) return null;
  if (!Number.isFinite(usd) || usd < 0) {
    throw new RangeError(`a USD amount must be a finite number of 0 or more, got ${usd}`);
  }
  const [mantissa = "0", exponent = "0"] = String(usd).split("e");
  const [whole = "0", fraction = ""] = mantissa.split(".");
  const digits = whole + fraction;
  // Where the decimal point falls in `digits` once the amount is in micro-dollars.
  const point = whole.length + Number(exponent) + 6;
  let micros: bigint;
  let next: number;
  if (point <= 0) {
    micros = 0n;
    next = point === 0 ? Number(digits[0]) : 0;
  } else if (point >= digits.length) {
    micros = BigInt(digits + "0".repeat(point - digits.length));
    next = 0;
  } else {
    micros = BigInt(digits.slice(0, point));
    next = Number(digits[point]);
  }
  if (next >= 5) micros += 1n;
  const n = Number(micros);
  if (!Number.isSafeInteger(n)) throw new RangeError(`$${usd} is too large to count in micro-dollars`);
  return n;
}

/** Micro-dollars as USD for the API: the nearest double, which prints as the exact decimal. */
export function microsToUsd(micros: number): number;
export function microsToUsd(micros: number | null): number | null;
export function microsToUsd(micros: number | null): number | null {
  return micros === null ? null : micros / MICROS_PER_USD;
}
