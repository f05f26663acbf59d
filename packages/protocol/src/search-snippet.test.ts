import { describe, expect, it } from "vitest";
import { snippetParts } from "./search-snippet.js";

const marked = (snippet: string, h: { start: number; end: number }[]) =>
  snippetParts(snippet, h)
    .map((p) => (p.mark ? `[${p.text}]` : p.text))
    .join("");

describe("snippetParts", () => {
  it("marks each range and keeps every character once", () => {
    expect(
      marked("connect ERR_CONN_4417 after retry", [
        { start: 8, end: 21 },
        { start: 28, end: 33 },
      ]),
    ).toBe("connect [ERR_CONN_4417] after [retry]");
    expect(marked("no match here", [])).toBe("no match here");
    expect(snippetParts("", [])).toEqual([{ text: "", mark: false }]);
  });

  it("sorts, merges overlapping and touching ranges, clamps ranges past the end and drops empty ones", () => {
    expect(
      marked("abcdefghij", [
        { start: 6, end: 8 },
        { start: 0, end: 2 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 5, end: 5 },
        { start: 9, end: 40 },
      ]),
    ).toBe("[abcd]ef[gh]i[j]");
    expect(marked("abc", [{ start: 7, end: 9 }])).toBe("abc");
  });

  it("never splits a surrogate pair (ranges are UTF-16 offsets)", () => {
    const s = "fix 🐛 now";
    // 🐛 is two code units at 4 and 5; a range ending or starting between them widens to the whole emoji.
    expect(marked(s, [{ start: 4, end: 5 }])).toBe("fix [🐛] now");
    expect(marked(s, [{ start: 5, end: 10 }])).toBe("fix [🐛 now]");
  });
});
