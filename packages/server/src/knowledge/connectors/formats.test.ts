import { describe, expect, it } from "vitest";
import { adfToSections, adfToText, textToAdf } from "./adf.js";
import { parseRetryAfter } from "./http.js";
import { wikiToSections } from "./jira.js";
import { storageToSections } from "./storage-format.js";
import { parseAtlassianDate, queryDate } from "./time.js";

describe("ADF", () => {
  it("keeps headings as sections and renders lists, mentions, code and links as text", () => {
    const doc = {
      type: "doc",
      content: [
        {
          type: "paragraph",
          content: [
            { type: "text", text: "Intro " },
            { type: "mention", attrs: { text: "@ann" } },
          ],
        },
        { type: "heading", attrs: { level: 2 }, content: [{ type: "text", text: "Repro" }] },
        {
          type: "bulletList",
          content: [
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "open app" }] }] },
            {
              type: "listItem",
              content: [{ type: "paragraph", content: [{ type: "inlineCard", attrs: { url: "https://x.test/a" } }] }],
            },
          ],
        },
        { type: "codeBlock", content: [{ type: "text", text: "npm test" }] },
        { type: "someFutureNode", content: [{ type: "text", text: "still read" }] },
      ],
    };
    expect(adfToSections(doc, "description")).toEqual([
      { headings: [], label: "description", text: "Intro @ann" },
      { headings: ["Repro"], label: "description", text: "- open app\n- https://x.test/a\n\nnpm test\n\nstill read" },
    ]);
    expect(adfToText(textToAdf("one\ntwo\n\nthree"))).toBe("one\ntwo\n\nthree");
  });
});

describe("storage format", () => {
  it("reads headings, tables, entities, code macros and page links; skips macro parameters", () => {
    const xhtml =
      "<p>Hi&nbsp;there &amp; &#x2603;</p><h1>Table</h1><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>" +
      '<h3>Deep</h3><ac:structured-macro ac:name="info"><ac:parameter ac:name="title">hidden</ac:parameter><ac:rich-text-body><p>Note <ac:link><ri:page ri:content-title="Other page"/><ac:plain-text-link-body><![CDATA[shown]]></ac:plain-text-link-body></ac:link></p></ac:rich-text-body></ac:structured-macro>';
    expect(storageToSections(xhtml)).toEqual([
      { headings: [], text: "Hi there & ☃" },
      { headings: ["Table"], text: "k | v\na | 1" },
      { headings: ["Table", "Deep"], text: "Note\nshown" },
    ]);
  });
});

describe("Jira wiki markup", () => {
  it("turns h1.–h6. lines into headings and drops macro fences", () => {
    expect(wikiToSections("intro\nh1. Setup\n{code:bash}\nmake\n{code}\nh2. Linux\napt", "description")).toEqual([
      { headings: [], label: "description", text: "intro" },
      { headings: ["Setup"], label: "description", text: "make" },
      { headings: ["Setup", "Linux"], label: "description", text: "apt" },
    ]);
  });
});

describe("dates and Retry-After", () => {
  it("writes the query bound floored to the minute, minus the overlap, in the user's zone", () => {
    const d = new Date("2026-07-01T12:34:56Z");
    expect(queryDate(d, 5)).toBe("2026/07/01 12:29");
    expect(queryDate(d, 0, "Europe/Berlin")).toBe("2026/07/01 14:34");
    expect(queryDate(d, 0, "Not/AZone")).toBe("2026/06/30 12:34");
    expect(parseAtlassianDate("2026-07-01T12:34:56.000+0200")?.toISOString()).toBe("2026-07-01T10:34:56.000Z");
    expect(parseAtlassianDate("nope")).toBeNull();
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-07-01T12:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Wed, 01 Jul 2026 12:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
