import type { ReviewThread } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { parsePatch, placeThreads, select, threadOnFile, visibleLines } from "./patch.js";

// As git prints it: headers, two hunks, a missing final newline.
const PATCH = [
  "diff --git a/src/app.js b/src/app.js",
  "index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644",
  "--- a/src/app.js",
  "+++ b/src/app.js",
  "@@ -1,4 +1,4 @@ function main() {",
  " line 1",
  "-line 2",
  "+line two",
  " line 3",
  " line 4",
  "@@ -20,2 +20,3 @@",
  " line 20",
  "-line 21",
  "\\ No newline at end of file",
  "+line 21",
  "+line 22",
  "",
].join("\n");

const thread = (side: "old" | "new", start: number, end = start, path = "src/app.js") =>
  ({ id: `${side}-${start}-${end}`, path, side, start_line: start, end_line: end }) as ReviewThread;

describe("git patches → diff lines", () => {
  it("numbers each line on its sides, keeps hunk headers, and drops the no-newline mark", () => {
    const hunks = parsePatch(PATCH);
    expect(hunks.map((h) => h.header)).toEqual(["@@ -1,4 +1,4 @@ function main() {", "@@ -20,2 +20,3 @@"]);
    expect(hunks[0]?.lines).toEqual([
      { kind: "context", text: "line 1", oldNo: 1, newNo: 1 },
      { kind: "remove", text: "line 2", oldNo: 2 },
      { kind: "add", text: "line two", newNo: 2 },
      { kind: "context", text: "line 3", oldNo: 3, newNo: 3 },
      { kind: "context", text: "line 4", oldNo: 4, newNo: 4 },
    ]);
    expect(hunks[1]?.lines.map((l) => [l.kind, l.oldNo, l.newNo])).toEqual([
      ["context", 20, 20],
      ["remove", 21, undefined],
      ["add", undefined, 21],
      ["add", undefined, 22],
    ]);
  });

  it("reads an empty context line, a new file's single hunk, and a binary file's lack of hunks", () => {
    const hunks = parsePatch("@@ -1,2 +1,2 @@\n \n-a\n+b\n");
    expect(hunks[0]?.lines[0]).toEqual({ kind: "context", text: "", oldNo: 1, newNo: 1 });
    expect(parsePatch("--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+only\n")[0]?.lines).toEqual([
      { kind: "add", text: "only", newNo: 1 },
    ]);
    expect(parsePatch("diff --git a/x.png b/x.png\nBinary files a/x.png and b/x.png differ\n")).toEqual([]);
  });

  it("knows which lines of each side the diff shows", () => {
    const shown = visibleLines(parsePatch(PATCH));
    expect([...shown].sort()).toEqual(
      ["old:1", "new:1", "old:2", "new:2", "old:3", "new:3", "old:4", "new:4", "old:20", "new:20", "old:21"]
        .concat(["new:21", "new:22"])
        .sort(),
    );
  });
});

describe("threads on a file's diff", () => {
  it("go under the line they end on, on their side; others are listed on top", () => {
    const hunks = parsePatch(PATCH);
    const placed = placeThreads(
      [thread("new", 2), thread("old", 2), thread("new", 1, 3), thread("new", 10), thread("old", 22)],
      hunks,
    );
    expect([...placed.inline.entries()].map(([k, ts]) => [k, ts.map((t) => t.id)])).toEqual([
      ["new:2", ["new-2-2"]],
      ["old:2", ["old-2-2"]],
      ["new:3", ["new-1-3"]],
    ]);
    expect(placed.top.map((t) => t.id)).toEqual(["new-10-10", "old-22-22"]);
  });

  it("belong to a renamed file by its new path on the new side and its old path on the old side", () => {
    const renamed = { path: "src/new.js", old_path: "src/old.js" };
    expect(threadOnFile(thread("new", 1, 1, "src/new.js"), renamed)).toBe(true);
    expect(threadOnFile(thread("old", 1, 1, "src/old.js"), renamed)).toBe(true);
    expect(threadOnFile(thread("old", 1, 1, "src/new.js"), renamed)).toBe(false);
    expect(threadOnFile(thread("old", 1, 1, "src/a.js"), { path: "src/a.js" })).toBe(true);
  });
});

describe("selecting lines", () => {
  it("a click picks a line, shift-click extends from it either way, another side starts again", () => {
    let s = select(null, { side: "new", line: 5 }, false);
    expect(s).toMatchObject({ side: "new", start: 5, end: 5 });
    s = select(s, { side: "new", line: 8 }, true);
    expect(s).toMatchObject({ start: 5, end: 8 });
    s = select(s, { side: "new", line: 2 }, true);
    expect(s).toMatchObject({ start: 2, end: 5 });
    s = select(s, { side: "old", line: 3 }, true);
    expect(s).toMatchObject({ side: "old", start: 3, end: 3 });
    expect(select(s, { side: "old", line: 9 }, false)).toMatchObject({ start: 9, end: 9 });
  });
});
