import type { Project } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { branchPreview, INITIAL_FORM, toCreateBody, withProjectDefaults } from "./session-form.js";

const project = {
  id: "prj_1",
  slug: "app",
  desktop: "sway",
  runtime: null,
  model: "work/claude-sonnet-4-5",
  resources: { cpus: 1, memory_mb: null },
  branch_prefix: "ai/",
} as Project;

describe("new session form", () => {
  it("sends typed numbers and leaves the model out when empty", () => {
    expect(toCreateBody({ ...INITIAL_FORM, name: "x", cpus: "1.5", memory_mb: "2048" })).toEqual({
      name: "x",
      desktop: "xfce",
      resolution: "720p",
      runtime: "strand-agent",
      resources: { cpus: 1.5, memory_mb: 2048, pids: 4096, disk_mb: 20480 },
      egress: "allow",
      permission_mode: "autonomous",
    });
  });

  it("sends the disk size, and trusted only when ticked", () => {
    const body = toCreateBody({ ...INITIAL_FORM, name: "x", disk_mb: "4096", trusted: true });
    expect(body.resources?.disk_mb).toBe(4096);
    expect(body.trusted).toBe(true);
    expect("trusted" in toCreateBody({ ...INITIAL_FORM, name: "x" })).toBe(false);
  });

  it("passes out-of-range and non-numeric values on, so the API names the field", () => {
    const body = toCreateBody({ ...INITIAL_FORM, cpus: "999", pids: "lots", model: " p/m ", spend_limit_usd: "5" });
    expect(body.resources).toMatchObject({ cpus: 999, pids: "lots" });
    expect(body.model).toBe("p/m");
    expect(body.spend_limit_usd).toBe(5);
  });

  it("sends project, repo, base and branch when a project is chosen (its team comes with it)", () => {
    const body = toCreateBody({
      ...INITIAL_FORM,
      name: "x",
      team_id: "team_1",
      project_id: "prj_1",
      repo: "api",
      base: "develop",
      branch: " ai/my-branch ",
    });
    expect(body).toMatchObject({ project_id: "prj_1", repo: "api", base: "develop", branch: "ai/my-branch" });
    expect("team_id" in body).toBe(false);
  });

  it("leaves repo, base and branch to the server's defaults when empty", () => {
    const body = toCreateBody({ ...INITIAL_FORM, name: "x", project_id: "prj_1" });
    expect(body.project_id).toBe("prj_1");
    expect(["repo", "base", "branch"].filter((k) => k in body)).toEqual([]);
  });

  it("sends the team for a session without a project, and nothing for a personal one", () => {
    expect(toCreateBody({ ...INITIAL_FORM, name: "x", team_id: "team_1" }).team_id).toBe("team_1");
    expect("team_id" in toCreateBody({ ...INITIAL_FORM, name: "x" })).toBe(false);
  });

  it("takes the project's defaults for fields not touched, and the form's own again without a project", () => {
    const chosen = withProjectDefaults({ ...INITIAL_FORM, runtime: "codex" }, project, new Set(["runtime"]));
    expect(chosen).toMatchObject({ desktop: "sway", runtime: "codex", model: "work/claude-sonnet-4-5", cpus: "1" });
    expect(chosen.memory_mb).toBe(INITIAL_FORM.memory_mb);
    const none = withProjectDefaults(chosen, undefined, new Set(["runtime"]));
    expect(none).toMatchObject({ desktop: "xfce", runtime: "codex", model: "", cpus: INITIAL_FORM.cpus });
  });

  it("previews the branch the server will pick: prefix + the name made URL-safe", () => {
    expect(branchPreview("strand/", "Fix the Login bug!")).toBe("strand/fix-the-login-bug");
    expect(branchPreview("ai/", "")).toBe("ai/<session name>");
  });
});
