import type { Project } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { ApiRequestError } from "../api/errors.js";
import {
  NEW_PROJECT,
  parseBranchList,
  repoErrors,
  settingsFormOf,
  toCreateProjectBody,
  toUpdateBody,
} from "./project-form.js";

const project: Project = {
  id: "prj_1",
  slug: "app",
  name: "App",
  owner_id: "usr_1",
  team_id: "team_1",
  desktop: null,
  runtime: "claude-code",
  model: null,
  resources: { cpus: null, memory_mb: 2048 },
  branch_prefix: "strand/",
  protected_branches: null,
  merge_strategy: "merge",
  checkpoints: true,
  wip_limits: { planning: 3, spec_review: 5, in_progress: 5 },
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("project settings form", () => {
  it("sends nothing when nothing changed", () => {
    expect(toUpdateBody(settingsFormOf(project), project)).toEqual({});
  });

  it("sends only what changed; emptied defaults become null", () => {
    const f = {
      ...settingsFormOf(project),
      runtime: "" as const,
      desktop: "sway" as const,
      branch_prefix: " ai/ ",
      merge_strategy: "squash" as const,
      checkpoints: false,
      cpus: "1.5",
    };
    expect(toUpdateBody(f, project)).toEqual({
      runtime: null,
      desktop: "sway",
      branch_prefix: "ai/",
      merge_strategy: "squash",
      checkpoints: false,
      resources: { cpus: 1.5 },
    });
  });

  it("reads protected branches as a list; empty means each repo's default branch", () => {
    expect(parseBranchList("main, release/*  hotfix")).toEqual(["main", "release/*", "hotfix"]);
    expect(parseBranchList(" , ")).toBeNull();
    const f = { ...settingsFormOf(project), protected_branches: "main,release/*" };
    expect(toUpdateBody(f, project)).toEqual({ protected_branches: ["main", "release/*"] });
    const back = { ...settingsFormOf({ ...project, protected_branches: ["main"] }), protected_branches: "" };
    expect(toUpdateBody(back, { ...project, protected_branches: ["main"] })).toEqual({ protected_branches: null });
  });

  it("passes a number that is not one on as text, so the API names the field", () => {
    const f = { ...settingsFormOf(project), memory_mb: "lots" };
    expect(toUpdateBody(f, project)).toEqual({ resources: { memory_mb: "lots" } });
  });

  it("creates a project with only the defaults that were chosen", () => {
    expect(toCreateProjectBody({ ...NEW_PROJECT, name: "Billing" })).toEqual({ name: "Billing" });
    expect(
      toCreateProjectBody({ name: "Billing", team_id: "team_1", desktop: "sway", runtime: "", model: " p/m " }),
    ).toEqual({ name: "Billing", team_id: "team_1", desktop: "sway", model: "p/m" });
  });
});

describe("new repo errors", () => {
  it("puts a failed import's reason at the URL, and field issues at their fields", () => {
    const failed = new ApiRequestError(
      422,
      "upstream_authentication_failed",
      "could not import http://h/x.git: authentication failed",
    );
    expect(repoErrors(failed)).toEqual({
      fields: { import_url: "could not import http://h/x.git: authentication failed" },
      form: undefined,
    });
    const invalid = new ApiRequestError(400, "validation_failed", "bad", [
      { path: "body.name", message: "name must be lower-case letters" },
    ]);
    expect(repoErrors(invalid).fields).toEqual({ name: "name must be lower-case letters" });
    expect(repoErrors(new ApiRequestError(409, "conflict", "project app already has a repo named api")).form).toBe(
      "project app already has a repo named api",
    );
  });
});
