/** One wheel notch is 120 units, as in the browser's line-mode deltas and Windows' WHEEL_DELTA. */
export const NOTCH = 120;

export interface Notches {
  /** Positive: right. */
  x: number;
  /** Positive: down (towards the user), as a browser's deltaY. */
  y: number;
}

/**
 * Turns 1/120-notch wheel deltas into whole notches. Touchpads send many small deltas; the
 * remainder is kept until it adds up, and dropped when the direction reverses so a flick back
 * scrolls at once instead of first paying off the old remainder.
 */
export class WheelAccumulator {
  private x = 0;
  private y = 0;

  add(dx: number, dy: number): Notches {
    this.x = accumulate(this.x, dx);
    this.y = accumulate(this.y, dy);
    const x = Math.trunc(this.x / NOTCH);
    const y = Math.trunc(this.y / NOTCH);
    this.x -= x * NOTCH;
    this.y -= y * NOTCH;
    return { x, y };
  }

  reset(): void {
    this.x = 0;
    this.y = 0;
  }
}

function accumulate(acc: number, delta: number): number {
  if (delta === 0) return acc;
  if (Math.sign(delta) !== Math.sign(acc)) return delta;
  return acc + delta;
}
