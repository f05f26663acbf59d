import { describe, expect, it } from "vitest";
import { parseChecklist, progressOf, withTicks } from "./checklist.js";

describe("tasks.md checklist", () => {
  it("reads - [ ] and - [x] items at any depth, in order, and nothing else", () => {
    const md = [
      "# Tasks",
      "",
      "- [ ] Write the parser",
      "  - [x] Nested step",
      "    * [X] Deeper, with a star",
      "1. [ ] Numbered",
      "- not a checkbox",
      "- [] not one either",
      "```",
      "- [ ] an example inside a code block",
      "```",
      "+ [ ]   Spaces trimmed   ",
    ].join("\n");
    expect(parseChecklist(md)).toEqual([
      { index: 0, text: "Write the parser", done: false },
      { index: 1, text: "Nested step", done: true },
      { index: 2, text: "Deeper, with a star", done: true },
      { index: 3, text: "Numbered", done: false },
      { index: 4, text: "Spaces trimmed", done: false },
    ]);
    expect(parseChecklist("")).toEqual([]);
    expect(parseChecklist("- [ ] a\r\n- [x] b\r\n").map((i) => i.done)).toEqual([false, true]);
  });

  it("counts an item done when the file or the agent's ticks say so, matched by text", () => {
    const items = parseChecklist("- [ ] one\n- [x] two\n- [ ] three\n");
    const ticked = withTicks(items, ["three", "not in the file"]);
    expect(ticked.map((i) => i.done)).toEqual([false, true, true]);
    expect(progressOf(ticked)).toEqual({ done: 2, total: 3 });
    expect(progressOf([])).toEqual({ done: 0, total: 0 });
  });
});
