import { describe, expect, it } from "vitest";
import { containsQuote, plainText } from "./quote.js";

const doc = [
  "# Requirements",
  "",
  "- [ ] The login form **must** lock after five failed attempts.",
  "- See [the design](design.md) for `lockout`.",
  "",
  "> Users are told",
  "> why they are locked out.",
  "",
  "| field | rule |",
  "| ----- | ---- |",
  "| email | required |",
].join("\n");

describe("spec quotes", () => {
  it("finds a selection of the rendered text in the Markdown source", () => {
    expect(containsQuote(doc, "The login form must lock after five")).toBe(true);
    expect(containsQuote(doc, "See the design for lockout.")).toBe(true);
    expect(containsQuote(doc, "Users are told why they are locked out.")).toBe(true);
    // A selection across list items comes with the browser's line breaks.
    expect(containsQuote(doc, "failed attempts.\nSee the design")).toBe(true);
    expect(containsQuote(doc, "email\trequired")).toBe(true);
    expect(containsQuote(doc, "  Requirements  ")).toBe(true);
  });

  it("does not find text the document does not have, nor anything in a missing document", () => {
    expect(containsQuote(doc, "lock after three failed attempts")).toBe(false);
    expect(containsQuote(doc, "design.md")).toBe(false);
    expect(containsQuote(null, "Requirements")).toBe(false);
    expect(containsQuote(doc, "**")).toBe(false);
  });

  it("reads past what renders as no text: fences, rules, table separators, images, tags, escapes", () => {
    const more = [
      "Intro paragraph.",
      "",
      "```ts",
      "const limit = 3;",
      "```",
      "",
      "---",
      "",
      "| a | b |",
      "| :-- | --: |",
      "| 1 | 2 |",
      "",
      "See ![diagram](d.png) <https://example.com/x> and <br> AT&T &amp; co *not bold*.",
    ].join("\n");
    expect(containsQuote(more, "Intro paragraph.\nconst limit = 3;")).toBe(true);
    expect(containsQuote(more, "const limit = 3;\n\na\tb\n1\t2")).toBe(true);
    expect(containsQuote(more, "See https://example.com/x and AT&T & co *not bold*.")).toBe(true);
  });

  it("reads Markdown as plain text with single spaces", () => {
    expect(plainText("## A *b*  c\n\n1. d")).toBe("A b c d");
  });
});
