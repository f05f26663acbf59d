import { describe, expect, it } from "vitest";
import { ENTRY_TEXT_MAX, entryText, OUTPUT_EDGE } from "./entry-text.js";

describe("entryText", () => {
  it("takes the text of prompts, answers, thoughts and notices", () => {
    expect(entryText("user", { text: "fix the login", author: { id: "u", email: "a@b.c" } })).toBe("fix the login");
    expect(entryText("text", { text: "Done." })).toBe("Done.");
    expect(entryText("thinking", { text: "hmm" })).toBe("hmm");
    expect(entryText("notice", { text: "runtime restarted", level: "warning" })).toBe("runtime restarted");
  });

  it("takes a tool call's title, kind, command, paths and the edges of its output", () => {
    const long = `${"a".repeat(OUTPUT_EDGE)}${"MIDDLE".repeat(500)}${"z".repeat(OUTPUT_EDGE)}`;
    const text = entryText("tool_call", {
      tool_call_id: "c1",
      title: "Run npm test",
      kind: "execute",
      input: { command: ["npm", "test", "--", "login"], cwd: "/home/agent/work" },
      content: [{ type: "terminal", terminal_id: "t1", output: long, exit_code: 1 }],
      locations: [{ path: "/home/agent/work/src/auth/login.ts", line: 3 }],
      diffs: [{ path: "src/auth/login.ts", old_text: "a", new_text: "b" }],
    });
    expect(text).toContain("Run npm test");
    expect(text).toContain("execute");
    expect(text).toContain("npm test -- login");
    expect(text).toContain("src/auth/login.ts");
    expect(text).toContain("/home/agent/work/src/auth/login.ts");
    expect(text).toContain("a".repeat(OUTPUT_EDGE));
    expect(text).toContain("z".repeat(OUTPUT_EDGE));
    expect(text).not.toContain("MIDDLE");
  });

  it("takes plan items and a permission request's title", () => {
    expect(
      entryText("plan", {
        entries: [
          { content: "write the migration", priority: "high", status: "pending" },
          { content: "add tests", priority: "low", status: "completed" },
        ],
      }),
    ).toBe("write the migration\nadd tests");
    expect(
      entryText("permission", {
        tool_call: { tool_call_id: "c", title: "Delete build/", kind: "delete", input: { path: "build/" } },
        options: [{ option_id: "y", name: "Allow", kind: "allow_once" }],
        selected_option_id: null,
      }),
    ).toBe("Delete build/\ndelete\nbuild/");
  });

  it("bounds the whole text and survives odd content", () => {
    expect(entryText("text", { text: "x".repeat(50_000) })).toHaveLength(ENTRY_TEXT_MAX);
    expect(entryText("text", { text: `${"x".repeat(ENTRY_TEXT_MAX - 1)}😀` })).toHaveLength(ENTRY_TEXT_MAX - 1);
    expect(entryText("tool_call", null)).toBe("");
    expect(entryText("tool_call", { title: 3, content: "nope", diffs: [null] })).toBe("");
    expect(entryText("text", { text: "a\u0000b" })).toBe("ab");
  });
});
