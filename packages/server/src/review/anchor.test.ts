import { describe, expect, it } from "vitest";
import { anchorOf, commitOfSide, isOutdated, lineRef } from "./anchor.js";

const lines = ["a", "b", "c", "d"];

describe("review anchors", () => {
  it("take the text of lines start…end, counted from 1, or nothing past the end", () => {
    expect(anchorOf(lines, 2, 2)).toBe("b");
    expect(anchorOf(lines, 1, 4)).toBe("a\nb\nc\nd");
    expect(anchorOf(lines, 4, 5)).toBeNull();
    expect(anchorOf(lines, 0, 1)).toBeNull();
    expect(anchorOf(lines, 3, 2)).toBeNull();
    expect(anchorOf([], 1, 1)).toBeNull();
  });

  it("are outdated when their lines read differently, moved, or are gone; not when other lines change", () => {
    expect(isOutdated("b\nc", ["a", "b", "c", "d"], 2, 3)).toBe(false);
    expect(isOutdated("b\nc", ["A", "b", "c", "D", "E"], 2, 3)).toBe(false);
    expect(isOutdated("b\nc", ["a", "b", "C", "d"], 2, 3)).toBe(true);
    expect(isOutdated("b\nc", ["new", "a", "b", "c"], 2, 3)).toBe(true);
    expect(isOutdated("b\nc", ["a", "b"], 2, 3)).toBe(true);
    expect(isOutdated("b", null, 2, 2)).toBe(true);
    // An empty line is a line: its anchor is "", and it stays current while it stays empty.
    expect(isOutdated("", ["a", "", "c"], 2, 2)).toBe(false);
    expect(isOutdated("", ["a", "x", "c"], 2, 2)).toBe(true);
  });

  it("name lines as path:line or path:start-end, read at the head (new) or the merge base (old)", () => {
    expect(lineRef("src/a.ts", 3, 3)).toBe("src/a.ts:3");
    expect(lineRef("src/a.ts", 3, 7)).toBe("src/a.ts:3-7");
    expect(commitOfSide("new", { head: "h", base: "b" })).toBe("h");
    expect(commitOfSide("old", { head: "h", base: "b" })).toBe("b");
  });
});
