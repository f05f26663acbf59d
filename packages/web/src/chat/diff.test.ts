import { describe, expect, it } from "vitest";
import { diffLines, diffStats, splitRows, unifiedHunks } from "./diff.js";

const render = (oldText: string | null, newText: string, context = 3) =>
  unifiedHunks(oldText, newText, context).flatMap((h) => [
    h.header,
    ...h.lines.map((l) => `${l.kind === "add" ? "+" : l.kind === "remove" ? "-" : " "}${l.text}`),
  ]);

describe("diff", () => {
  it("shows a changed line in its context, with diff(1) hunk numbers", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\nh\n";
    const after = "a\nb\nc\nd\nE\nf\ng\nh\n";
    expect(render(before, after)).toEqual(["@@ -2,7 +2,7 @@", " b", " c", " d", "-e", "+E", " f", " g", " h"]);
  });

  it("shows a new file as all added lines", () => {
    expect(render(null, "one\ntwo\n")).toEqual(["@@ -0,0 +1,2 @@", "+one", "+two"]);
  });

  it("a deleted content is all removed lines", () => {
    expect(render("x\ny", "")).toEqual(["@@ -1,2 +0,0 @@", "-x", "-y"]);
  });

  it("splits far-apart changes into separate hunks and joins close ones", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const changed = lines.slice();
    changed[1] = "LINE 2";
    changed[25] = "LINE 26";
    const far = unifiedHunks(lines.join("\n"), changed.join("\n"));
    expect(far.map((h) => h.header)).toEqual(["@@ -1,5 +1,5 @@", "@@ -23,7 +23,7 @@"]);
    const close = lines.slice();
    close[1] = "LINE 2";
    close[6] = "LINE 7";
    expect(unifiedHunks(lines.join("\n"), close.join("\n")).map((h) => h.header)).toEqual(["@@ -1,10 +1,10 @@"]);
  });

  it("finds insertions in the middle instead of replacing everything after them", () => {
    const out = diffLines("a\nb\nc\nd", "a\nb\nX\nc\nd");
    expect(out.map((l) => l.kind)).toEqual(["context", "context", "add", "context", "context"]);
    expect(out[2]).toEqual({ kind: "add", text: "X", newNo: 3 });
    expect(out[3]).toMatchObject({ oldNo: 3, newNo: 4 });
    expect(diffStats(unifiedHunks("a\nb\nc\nd", "a\nb\nX\nc\nd"))).toEqual({ added: 1, removed: 0 });
  });

  it("interleaves edits by common subsequence", () => {
    const out = diffLines("1\n2\n3\n4\n5", "1\nx\n3\ny\n5");
    expect(out.map((l) => `${l.kind[0]}${l.text}`)).toEqual(["c1", "r2", "ax", "c3", "r4", "ay", "c5"]);
  });

  it("identical texts have no hunks", () => {
    expect(unifiedHunks("same\n", "same\n")).toEqual([]);
  });

  it("stays correct (remove all, add all) for a huge rewrite", () => {
    const a = Array.from({ length: 2000 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 2000 }, (_, i) => `b${i}`).join("\n");
    expect(diffStats(unifiedHunks(a, b))).toEqual({ added: 2000, removed: 2000 });
  });
});

describe("side by side", () => {
  it("pairs each run of removed lines with the added lines after it; context is on both sides", () => {
    const [hunk] = unifiedHunks("a\nb\nc\nd\n", "a\nB\nC\nX\nd\n");
    const rows = splitRows(hunk?.lines ?? []).map((r) => [r.left?.text ?? null, r.right?.text ?? null]);
    expect(rows).toEqual([
      ["a", "a"],
      ["b", "B"],
      ["c", "C"],
      [null, "X"],
      ["d", "d"],
    ]);
  });

  it("leaves the right side empty for removed lines with nothing added", () => {
    const rows = splitRows(unifiedHunks("a\nb\n", "a\n")[0]?.lines ?? []);
    expect(rows.map((r) => [r.left?.kind, r.right?.kind])).toEqual([
      ["context", "context"],
      ["remove", undefined],
    ]);
  });
});
