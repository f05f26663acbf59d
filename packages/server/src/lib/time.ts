/** ISO string for API output; null stays null. */
export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

/** The UTC calendar month a date falls in, as `YYYY-MM`: the period of per-user spend limits. */
export function spendMonth(d: Date = new Date()): string {
  return d.toISOString().slice(0, 7);
}
