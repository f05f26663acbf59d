import { describe, expect, it } from "vitest";
import { parseBlocks, parseInline } from "./markdown.js";

describe("markdown-light", () => {
  it("splits paragraphs on blank lines and keeps code fences verbatim", () => {
    const text = "First line\nsame paragraph\n\nSecond.\n\n```ts\nconst a = 1;\n\nconst b = 2;\n```\nAfter.";
    expect(parseBlocks(text)).toEqual([
      { type: "paragraph", text: "First line\nsame paragraph" },
      { type: "paragraph", text: "Second." },
      { type: "code", lang: "ts", text: "const a = 1;\n\nconst b = 2;" },
      { type: "paragraph", text: "After." },
    ]);
  });

  it("treats a fence still open while the answer streams as code to the end", () => {
    expect(parseBlocks("Run:\n```sh\nnpm test")).toEqual([
      { type: "paragraph", text: "Run:" },
      { type: "code", lang: "sh", text: "npm test" },
    ]);
  });

  it("groups list items", () => {
    expect(parseBlocks("Steps:\n- one\n- two\n1. a\n2. b")).toEqual([
      { type: "paragraph", text: "Steps:" },
      { type: "list", ordered: false, items: ["one", "two"] },
      { type: "list", ordered: true, items: ["a", "b"] },
    ]);
  });

  it("finds inline code spans", () => {
    expect(parseInline("run `npm test` now")).toEqual([
      { type: "text", text: "run " },
      { type: "code", text: "npm test" },
      { type: "text", text: " now" },
    ]);
  });
});
