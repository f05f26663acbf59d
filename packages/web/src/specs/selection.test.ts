import { describe, expect, it } from "vitest";
import { quoteOf, shortQuote } from "./selection.js";

describe("a selection in a rendered spec document", () => {
  const text = "Requirements\nThe login form must lock after three failed attempts.\nLocked users get an email.";

  it("gives the selected text with up to 30 characters either side", () => {
    const start = text.indexOf("lock after");
    const end = start + "lock after three".length;
    expect(quoteOf(text, start, end)).toEqual({
      quote: "lock after three",
      prefix: "Requirements\nThe login form must ".slice(-30),
      suffix: " failed attempts.\nLocked users",
    });
  });

  it("trims whitespace at the edges, accepts a backwards selection and clips at the ends", () => {
    const start = text.indexOf("\nLocked");
    expect(quoteOf(text, text.length, start)).toEqual({
      quote: "Locked users get an email.",
      prefix: " lock after three failed attempts.\n".slice(-30),
      suffix: "",
    });
    expect(quoteOf(text, 0, 12, 5)).toEqual({ quote: "Requirements", prefix: "", suffix: "\nThe " });
    expect(quoteOf(text, 12, 13)).toBeNull();
    expect(quoteOf(text, 4, 4)).toBeNull();
  });

  it("shortens a long quote to one line", () => {
    expect(shortQuote("a\n\nb   c")).toBe("a b c");
    expect(shortQuote("x".repeat(200), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
