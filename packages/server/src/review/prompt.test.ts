import { describe, expect, it } from "vitest";
import { buildResolveConflictsPrompt, buildReviewPrompt, type PromptThread, QUOTE_LINES } from "./prompt.js";

const at = { branch: "strand/fix-login", base_branch: "main" };
const thread = (more: Partial<PromptThread>): PromptThread => ({
  path: "src/login.ts",
  side: "new",
  start_line: 12,
  end_line: 12,
  anchor: "if (user) return;",
  outdated: false,
  commit: "0123456789abcdef0123456789abcdef01234567",
  comments: [{ author: "ann@example.com", body: "Check the password too." }],
  ...more,
});

describe("the review prompt", () => {
  it("names each thread by path:line, quotes its code with line numbers, and gives its comments in order", () => {
    const prompt = buildReviewPrompt(at, [
      thread({}),
      thread({
        path: "src/db.ts",
        start_line: 9,
        end_line: 10,
        anchor: "const a = 1;\nconst b = 2;",
        comments: [
          { author: "ann@example.com", body: "Why two?" },
          { author: "bob@example.com", body: "Agreed:\nmerge them." },
        ],
      }),
    ]);
    expect(prompt).toBe(
      [
        "Review comments on your branch `strand/fix-login` (its changes against `main`): 2 review threads. " +
          "Address each one in the code, then commit and push to `strand/fix-login`. " +
          "If you disagree with a comment, say why instead of changing the code.",
        "",
        "## 1. src/login.ts:12",
        "```",
        "12 if (user) return;",
        "```",
        "- ann@example.com: Check the password too.",
        "",
        "## 2. src/db.ts:9-10",
        "```",
        " 9 const a = 1;",
        "10 const b = 2;",
        "```",
        "- ann@example.com: Why two?",
        "- bob@example.com: Agreed:",
        "  merge them.",
        "",
      ].join("\n"),
    );
  });

  it("labels removed lines and outdated threads, and fences code that holds backticks", () => {
    const prompt = buildReviewPrompt(at, [thread({ side: "old", outdated: true, anchor: "const s = ```;" })]);
    expect(prompt).toContain(
      "## 1. src/login.ts:12 (removed lines, as they were on main; outdated: these lines have changed since the comment was written at 0123456789ab)",
    );
    expect(prompt).toContain("````\n12 const s = ```;\n````");
    expect(prompt).toContain("1 review thread.");
  });

  it("quotes long ranges in part", () => {
    const anchor = Array.from({ length: QUOTE_LINES + 5 }, (_, i) => `l${i + 1}`).join("\n");
    const prompt = buildReviewPrompt(at, [thread({ start_line: 1, end_line: QUOTE_LINES + 5, anchor })]);
    expect(prompt).toContain(`${QUOTE_LINES} l${QUOTE_LINES}\n… 5 more lines\n`);
    expect(prompt).not.toContain(`l${QUOTE_LINES + 1}\n`);
  });
});

describe("the resolve-conflicts prompt", () => {
  it("names the conflicting files and asks for a merge of the base and a push, never a rebase", () => {
    const prompt = buildResolveConflictsPrompt(at, ["src/a.ts", "src/b.ts"]);
    expect(prompt).toContain("they conflict in `src/a.ts`, `src/b.ts`");
    expect(prompt).toContain("`git merge origin/main` on `strand/fix-login`");
    expect(prompt).toContain("push `strand/fix-login`");
    expect(prompt).toContain("Do not rebase or force-push");
  });

  it("without conflicting files says the base moved on", () => {
    expect(buildResolveConflictsPrompt(at, [])).toMatch(/^`main` has moved on since `strand\/fix-login` left it/);
  });
});
