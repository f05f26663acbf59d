import { describe, expect, it } from "vitest";
import { chunkDocument, estimateTokens } from "./chunk.js";
import type { Section } from "./types.js";

/** Deterministic prose: sentences of numbered words so that any loss shows. */
function prose(words: number, seed: string): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    out.push(`${seed}${i}${i % 12 === 11 ? "." : ""}`);
    if (i % 120 === 119) out.push("\n\n");
  }
  return out.join(" ").replace(/ \n\n /g, "\n\n");
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== "");
}

describe("chunkDocument", () => {
  const doc = {
    title: "Manual",
    sections: [
      { headings: [], text: "Intro paragraph before any heading." },
      { headings: ["Install"], text: "Pick your platform." },
      { headings: ["Install", "Debian"], page: 3, text: "apt-get install strand" },
      { headings: ["Install", "Debian"], page: 3, text: "Then run strand init." },
      { headings: ["Reference"], page: 4, text: prose(3000, "ref") },
      { headings: [], label: "comment 2", text: "A comment." },
    ] satisfies Section[],
  };

  it("keeps headings and pages in the prefix line and the location", () => {
    const chunks = chunkDocument(doc);
    expect(chunks[0]).toMatchObject({ seq: 0, location: "" });
    expect(chunks[0]?.text.split("\n")[0]).toBe("Manual");
    const debian = chunks.find((c) => c.location === "page 3 · Install › Debian");
    expect(debian?.text.split("\n")[0]).toBe("Manual › Install › Debian · page 3");
    // Neighbouring small sections under the same heading and page merge into one chunk.
    expect(debian?.text).toContain("apt-get install strand");
    expect(debian?.text).toContain("Then run strand init.");
    expect(chunks.filter((c) => c.location === "page 3 · Install › Debian")).toHaveLength(1);
    // Different headings are never merged.
    expect(chunks.find((c) => c.location === "Install")?.text).not.toContain("apt-get");
    const comment = chunks.find((c) => c.location === "comment 2");
    expect(comment?.text.split("\n")[0]).toBe("Manual · comment 2");
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
  });

  it("bounds sizes: long sections split near the target, never over the maximum", () => {
    const chunks = chunkDocument(doc);
    const ref = chunks.filter((c) => c.location === "page 4 · Reference");
    expect(ref.length).toBeGreaterThan(5);
    for (const c of ref) {
      const body = c.text.slice(c.text.indexOf("\n") + 1);
      expect(estimateTokens(body)).toBeLessThanOrEqual(500);
      expect(estimateTokens(body)).toBeGreaterThan(200);
    }
    const small = chunkDocument(doc, { targetTokens: 50, maxTokens: 80 });
    for (const c of small) {
      expect(estimateTokens(c.text.slice(c.text.indexOf("\n") + 1))).toBeLessThanOrEqual(80);
    }
  });

  it("loses nothing and never splits a word", () => {
    const text = prose(2000, "w");
    // A paragraph with no sentence ends forces the word-level split.
    const run = Array.from({ length: 900 }, (_, i) => `run${i}`).join(" ");
    const chunks = chunkDocument(
      {
        title: "T",
        sections: [
          { headings: ["A"], text },
          { headings: ["B"], text: run },
        ],
      },
      { targetTokens: 100 },
    );
    const seen = new Set(chunks.flatMap((c) => words(c.text.slice(c.text.indexOf("\n") + 1))));
    for (const w of [...words(text), ...words(run)]) expect(seen.has(w)).toBe(true);
    // In order, each word exactly once.
    const all = chunks.flatMap((c) => words(c.text.slice(c.text.indexOf("\n") + 1)));
    expect(all).toEqual([...words(text), ...words(run)]);
  });

  it("is deterministic and skips empty sections", () => {
    expect(chunkDocument(doc)).toEqual(chunkDocument(doc));
    expect(chunkDocument({ title: "T", sections: [{ headings: ["x"], text: "  \n " }] })).toEqual([]);
  });
});
