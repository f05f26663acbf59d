import type { SearchQuery } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { HttpError } from "../lib/http-error.js";
import { decodeCursor, encodeCursor, queryKey } from "./cursor.js";

const q = (over: Partial<SearchQuery> = {}): SearchQuery => ({
  q: "x",
  limit: 20,
  mode: "auto",
  scope: "history",
  ...over,
});

describe("search cursors", () => {
  it("round-trips, whatever the page size", () => {
    const key = queryKey(q(), "");
    expect(queryKey(q({ limit: 5, cursor: "abc" }), "")).toBe(key);
    const at = new Date("2026-12-04T10:00:00.123Z");
    expect(decodeCursor(key, encodeCursor(key, { at, offset: 40 }))).toEqual({ at, offset: 40 });
  });

  it("refuses another query's cursor and junk, as 400s", () => {
    const cursor = encodeCursor(queryKey(q(), ""), { at: new Date(), offset: 20 });
    for (const other of [q({ q: "y" }), q({ kind: ["text"] }), q({ mode: "keyword" }), q({ session_id: "ses_1" })]) {
      expect(() => decodeCursor(queryKey(other, ""), cursor)).toThrow(/another query/);
    }
    for (const junk of ["", "!!", Buffer.from('{"v":1,"k":"a","at":1,"o":-1}').toString("base64url")]) {
      const err = (() => {
        try {
          decodeCursor("a", junk);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).statusCode).toBe(400);
    }
  });
});
