import { describe, expect, it } from "vitest";
import { findQuote, quoteOf, shortQuote } from "./selection.js";

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

describe("placing a thread's quote in the rendered text", () => {
  const text = "Lock the account.\nThe account stays\n  locked for an hour; then the account opens.";

  it("finds the occurrence that the prefix and suffix point at, across changed line breaks", () => {
    const second = findQuote(text, { quote: "the account", prefix: "an hour; then ", suffix: " opens." });
    expect(second && text.slice(second.start, second.end)).toBe("the account");
    expect(second?.start).toBe(text.lastIndexOf("the account"));
    const spread = findQuote(text, { quote: "stays locked for", prefix: "", suffix: "" });
    expect(spread && text.slice(spread.start, spread.end)).toBe("stays\n  locked for");
  });

  it("gives null when the text no longer has the quote", () => {
    expect(findQuote(text, { quote: "three attempts", prefix: "", suffix: "" })).toBeNull();
    expect(findQuote(text, { quote: "  ", prefix: "", suffix: "" })).toBeNull();
  });
});
