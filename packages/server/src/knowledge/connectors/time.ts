/*
 * JQL and CQL compare dates as "yyyy/MM/dd HH:mm" in the querying user's time zone, to the
 * minute: the lower bound of an incremental sync is written that way, floored and moved back by
 * the overlap window, so nothing changed within the same minute (or under clock skew) is missed.
 */

/** `date` minus `overlapMinutes`, floored to the minute, as "yyyy/MM/dd HH:mm" in `timeZone`. */
export function queryDate(date: Date, overlapMinutes: number, timeZone = "UTC"): string {
  const t = new Date(Math.floor((date.getTime() - overlapMinutes * 60_000) / 60_000) * 60_000);
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(t);
  } catch {
    // A zone this Node does not know: UTC and a wider window than asked is still safe.
    return queryDate(new Date(date.getTime() - 24 * 60 * 60_000), overlapMinutes, "UTC");
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${get("year")}/${get("month")}/${get("day")} ${get("hour")}:${get("minute")}`;
}

/** Atlassian timestamps ("2024-01-31T12:30:45.123+0000") as a Date; null when unreadable. */
export function parseAtlassianDate(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const d = new Date(value.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
  return Number.isNaN(d.getTime()) ? null : d;
}
