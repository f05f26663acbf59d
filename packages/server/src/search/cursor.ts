import { createHash } from "node:crypto";
import { ErrorCodes, type SearchQuery } from "@strand/protocol";
import { HttpError } from "../lib/http-error.js";

/**
 * A page cursor: the position in the ranking, bound to the query it came from and to the moment
 * the first page was asked (`at`). Every page ranks as of `at` and leaves out entries stored after
 * it, so pages neither repeat nor skip results while entries keep arriving; ties in score are
 * broken by entry id, so the order is total.
 */
export interface Cursor {
  at: Date;
  offset: number;
}

/** Deeper than any ranking goes (keyword.ts CANDIDATES): a cursor past it was not made here. */
const MAX_OFFSET = 10_000;

interface Encoded {
  v: 1;
  k: string;
  at: number;
  o: number;
}

/** What makes two requests the same search: everything but the page size and the cursor. */
export function queryKey(q: SearchQuery, scopeKey: string): string {
  const { limit: _limit, cursor: _cursor, ...rest } = q;
  const canonical = JSON.stringify(Object.entries({ ...rest, scopeKey }).sort(([a], [b]) => a.localeCompare(b)));
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
}

export function encodeCursor(key: string, c: Cursor): string {
  const e: Encoded = { v: 1, k: key, at: c.at.getTime(), o: c.offset };
  return Buffer.from(JSON.stringify(e)).toString("base64url");
}

export function decodeCursor(key: string, cursor: string): Cursor {
  let e: Partial<Encoded>;
  try {
    e = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<Encoded>;
  } catch {
    throw badCursor("it is not a cursor this server made");
  }
  if (
    e?.v !== 1 ||
    typeof e.at !== "number" ||
    !Number.isSafeInteger(e.o) ||
    (e.o as number) < 0 ||
    (e.o as number) > MAX_OFFSET
  ) {
    throw badCursor("it is not a cursor this server made");
  }
  if (e.k !== key) throw badCursor("it belongs to another query; pass the same q and filters as the first page");
  return { at: new Date(e.at), offset: e.o as number };
}

const badCursor = (why: string) =>
  new HttpError(
    400,
    ErrorCodes.validationFailed,
    `cursor is not valid: ${why}. Leave it out to start from the first page.`,
  );
