import { describe, expect, it } from "vitest";
import { buildSpecReviewPrompt, type SpecPromptThread } from "./prompt.js";

const task = { specPath: "specs/7-login-lockout", branch: "strand/7-login-lockout" };
const thread = (more: Partial<SpecPromptThread>): SpecPromptThread => ({
  document: "requirements",
  quote: "lock after five failed attempts",
  outdated: false,
  comments: [{ author: "ann@example.com", body: "Five is too many; make it three." }],
  ...more,
});

describe("the spec review prompt", () => {
  it("numbers each thread by document, quotes the selection and lists the comments with their authors", () => {
    const prompt = buildSpecReviewPrompt(task, [
      thread({}),
      thread({
        document: "design",
        quote: "Store attempts in Redis.\n\nExpire them after an hour.",
        comments: [
          { author: "ann@example.com", body: "Why Redis?" },
          { author: "agent", body: "It is already deployed." },
          { author: "bob@example.com", body: "Use the database:\nwe have one." },
        ],
      }),
    ]);
    expect(prompt).toBe(
      [
        "Review comments on your spec in `specs/7-login-lockout/` on `strand/7-login-lockout`: 2 review threads. " +
          "Revise requirements.md, design.md and tasks.md to address each one, then commit and push. " +
          "If you disagree with a comment, say why instead of changing the spec.",
        "",
        "## 1. requirements.md",
        "> lock after five failed attempts",
        "- ann@example.com: Five is too many; make it three.",
        "",
        "## 2. design.md",
        "> Store attempts in Redis.",
        ">",
        "> Expire them after an hour.",
        "- ann@example.com: Why Redis?",
        "- agent: It is already deployed.",
        "- bob@example.com: Use the database:",
        "  we have one.",
        "",
      ].join("\n"),
    );
  });

  it("labels outdated threads and counts one thread in the singular", () => {
    const prompt = buildSpecReviewPrompt({ ...task, branch: null }, [thread({ document: "tasks", outdated: true })]);
    expect(prompt).toContain("in `specs/7-login-lockout/`: 1 review thread.");
    expect(prompt).toContain("## 1. tasks.md (outdated: the text has changed since)\n> lock after five");
  });
});
