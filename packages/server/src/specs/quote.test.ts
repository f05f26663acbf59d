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

  it("reads Markdown as plain text with single spaces", () => {
    expect(plainText("## A *b*  c\n\n1. d")).toBe("A b c d");
  });
});
