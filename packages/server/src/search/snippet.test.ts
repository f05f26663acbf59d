import { describe, expect, it } from "vitest";
import { makeSnippet, SNIPPET_LENGTH } from "./snippet.js";

const shown = (s: { snippet: string; highlights: { start: number; end: number }[] }) =>
  s.highlights.map((h) => s.snippet.slice(h.start, h.end));

describe("makeSnippet", () => {
  it("highlights exact terms, words and their other forms", () => {
    const s = makeSnippet("Tests failed: ERR_CONN_4417 after the test run failing twice", {
      exact: ["err_conn_4417"],
      words: ["failed"],
      stems: ["fail", "test"],
    });
    expect(s.snippet).toBe("Tests failed: ERR_CONN_4417 after the test run failing twice");
    expect(shown(s)).toEqual(["Tests", "failed", "ERR_CONN_4417", "test", "failing"]);
  });

  it("cuts around the first exact match of a long text, with offsets into the snippet", () => {
    const text = `${"lorem ipsum ".repeat(100)}the ERR_X_1 line\n${"dolor sit ".repeat(100)}`;
    const s = makeSnippet(text, { exact: ["ERR_X_1"], words: [], stems: [] });
    expect(s.snippet.startsWith("…")).toBe(true);
    expect(s.snippet.endsWith("…")).toBe(true);
    expect(s.snippet.length).toBeLessThanOrEqual(SNIPPET_LENGTH + 2);
    expect(shown(s)).toEqual(["ERR_X_1"]);
    expect(s.snippet).not.toContain("\n");
  });

  it("counts UTF-16 units and never splits a surrogate pair", () => {
    const s = makeSnippet("😀 emoji then quokka", { exact: [], words: ["quokka"], stems: [] });
    expect(shown(s)).toEqual(["quokka"]);
    const long = makeSnippet(`${"😀".repeat(400)} quokka`, { exact: [], words: ["quokka"], stems: [] });
    expect(long.snippet).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(shown(long)).toEqual(["quokka"]);
  });

  it("shows the start when nothing matches (a semantic match)", () => {
    const s = makeSnippet("short text", { exact: ["zzz"], words: [], stems: [] });
    expect(s).toEqual({ snippet: "short text", highlights: [] });
  });
});
