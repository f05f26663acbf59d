import type { SearchResult } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { formatResults, parseTime } from "./search-format.js";

function hit(session: string, entry: string, extra: Partial<SearchResult> = {}): SearchResult {
  return {
    session_id: session,
    session_name: `Fix ${session}`,
    entry_id: entry,
    seq: 3,
    kind: "text",
    snippet: "the token expired after retry",
    highlights: [{ start: 4, end: 9 }],
    score: 1,
    created_at: "2026-12-01T00:00:00Z",
    project_id: null,
    team_id: null,
    runtime: "strand-agent",
    ...extra,
  };
}

const opts = { ago: () => "2h ago" };

describe("formatResults", () => {
  it("groups hits under their session, best session first, in plain text without a terminal", () => {
    const text = formatResults(
      [
        hit("ses_a", "ent_1"),
        hit("ses_b", "ent_2", { kind: "tool_call", project_id: "prj_1", team_id: "team_1", runtime: "codex" }),
        hit("ses_a", "ent_3", {
          kind: "user",
          snippet: "why did the\ntoken fail?",
          highlights: [{ start: 12, end: 17 }],
        }),
      ],
      { ...opts, color: false, projectName: (id) => (id === "prj_1" ? "storefront" : undefined) },
    );
    expect(text).toBe(
      [
        "Fix ses_a (ses_a) · strand-agent",
        "  answer      2h ago  the token expired after retry",
        "                      entry ent_1 #3",
        "  prompt      2h ago  why did the ⏎ token fail?",
        "                      entry ent_3 #3",
        "",
        "Fix ses_b (ses_b) · codex · project storefront · team team_1",
        "  tool call   2h ago  the token expired after retry",
        "                      entry ent_2 #3",
      ].join("\n"),
    );
    expect(text).not.toContain("\x1b");
  });

  it("emphasises the matched part in a terminal", () => {
    const text = formatResults([hit("ses_a", "ent_1")], { ...opts, color: true });
    expect(text).toContain("the \x1b[1;33mtoken\x1b[0m expired");
  });
});

describe("parseTime", () => {
  const now = Date.parse("2026-12-04T12:00:00Z");
  it("reads ages, days and ISO times; passes anything else on for the server to judge", () => {
    expect(parseTime("30m", now)).toBe("2026-12-04T11:30:00.000Z");
    expect(parseTime("12h", now)).toBe("2026-12-04T00:00:00.000Z");
    expect(parseTime("7d", now)).toBe("2026-11-27T12:00:00.000Z");
    expect(parseTime("2w", now)).toBe("2026-11-20T12:00:00.000Z");
    expect(parseTime("2026-11-30", now)).toBe("2026-11-30T00:00:00Z");
    expect(parseTime("2026-11-30T08:00:00+01:00", now)).toBe("2026-11-30T08:00:00+01:00");
    expect(parseTime("last tuesday", now)).toBe("last tuesday");
  });
});
