import { describe, expect, it } from "vitest";
import {
  codeRevisionExtra,
  directPrompt,
  implementPrompt,
  nudgePrompt,
  type PromptTask,
  planningPrompt,
  retryPreamble,
  SANDBOX_TOKEN_FILE,
  specRevisionPrompt,
} from "./prompts.js";
import { branchOf, specPathOf, taskSlug } from "./slug.js";

const task: PromptTask = {
  number: 7,
  title: "Add a login page",
  description: "Email and password, with a remember-me box.",
  branch: "strand/7-add-a-login-page",
  spec_path: "specs/7-add-a-login-page",
  attachments: ["mockup.png"],
};

describe("task prompts", () => {
  it("planning asks for the three documents under the spec path, lists attachments, and forbids implementing", () => {
    const p = planningPrompt(task);
    for (const f of ["requirements.md", "design.md", "tasks.md"]) expect(p).toContain(`specs/7-add-a-login-page/${f}`);
    expect(p).toContain("Task #7: Add a login page");
    expect(p).toContain("Email and password");
    expect(p).toContain("`specs/7-add-a-login-page/attachments/mockup.png`");
    expect(p).toContain("- [ ] step");
    expect(p).toMatch(/Do not implement it yet/);
    expect(p).toMatch(/commit the three files and push `strand\/7-add-a-login-page`/);
    // How to read the task from the desktop, as agentd really sets it up.
    expect(p).toContain(`$(cat ${SANDBOX_TOKEN_FILE})`);
    expect(p).toContain("$STRAND_SERVER_URL/api/v1/agent/task");
    expect(planningPrompt({ ...task, description: " ", attachments: [] })).toContain(
      "(no description beyond the title)",
    );
    expect(planningPrompt({ ...task, attachments: [] })).not.toContain("attachments/");
  });

  it("spec revision carries the open comments and the extra words; either may be absent", () => {
    const both = specRevisionPrompt(task, "## design.md\n> quoted\n- alice: why?", "Also think about SSO.");
    expect(both).toContain("> quoted");
    expect(both).toContain("The reviewer also says:\n\nAlso think about SSO.");
    expect(both).toMatch(/Still do not implement/);
    expect(specRevisionPrompt(task, null, "Only this.")).toContain("Only this.");
    expect(specRevisionPrompt(task, "c", null)).not.toContain("also says");
  });

  it("implement names the approved commit and asks to tick tasks.md; direct mode implements from the title", () => {
    const p = implementPrompt(task, "0123456789abcdef0123456789abcdef01234567");
    expect(p).toContain("0123456789ab");
    expect(p).not.toContain("0123456789abc");
    expect(p).toContain("specs/7-add-a-login-page/tasks.md");
    expect(p).toContain("- [x]");
    expect(p).toContain("/api/v1/agent/task/checklist");
    const d = directPrompt(task);
    expect(d).toMatch(/^Implement this task/);
    expect(d).toContain("Add a login page");
    expect(d).not.toContain("requirements.md");
  });

  it("nudge names exactly the missing files; code revision and retry say what to do", () => {
    const n = nudgePrompt(task, ["design.md", "tasks.md"]);
    expect(n).toContain("`specs/7-add-a-login-page/design.md`, `specs/7-add-a-login-page/tasks.md` yet");
    expect(n).toContain("missing documents");
    expect(nudgePrompt(task, ["tasks.md"])).toContain("missing document,");
    expect(codeRevisionExtra(task, "  Rename it.  ")).toContain(
      "also says:\n\nRename it.\n\nAddress it on `strand/7-add-a-login-page`",
    );
    expect(retryPreamble("its session failed: OOM")).toContain("(its session failed: OOM)");
    expect(retryPreamble(null)).not.toContain("(");
  });

  it("slugs, branches and spec paths follow the title and number", () => {
    expect(taskSlug("Add a Login Page!")).toBe("add-a-login-page");
    expect(taskSlug("Ünïcödé — façade")).toBe("unicode-facade");
    expect(taskSlug("!!!")).toBe("task");
    expect(taskSlug("x".repeat(60)).length).toBe(40);
    expect(taskSlug(`${"a".repeat(39)} b`)).toBe("a".repeat(39));
    expect(branchOf("strand/", 3, "fix-it")).toBe("strand/3-fix-it");
    expect(specPathOf(3, "fix-it")).toBe("specs/3-fix-it");
  });
});
