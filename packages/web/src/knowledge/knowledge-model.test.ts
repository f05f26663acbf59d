import { describe, expect, it } from "vitest";
import {
  configOf,
  createBody,
  EMPTY_FORM,
  progressText,
  putUrl,
  UPLOAD_MAX_BYTES,
  uploadRefusal,
  uploadResult,
} from "./knowledge-model.js";

const progress = { documents_done: 3, documents_total: 5, chunks_done: 40, chunks_total: 60 };

describe("knowledge sources in the UI", () => {
  it("refuses a file over 200 MB before sending it, in the server's words", () => {
    expect(uploadRefusal({ name: "notes.md", size: 10 })).toBeNull();
    expect(uploadRefusal({ name: "dump.zip", size: UPLOAD_MAX_BYTES })).toBeNull();
    expect(uploadRefusal({ name: "dump.zip", size: 250 * 1024 * 1024 })).toBe(
      "dump.zip is 250 MB; the limit is 200 MB",
    );
  });

  it("says progress as done of total while syncing, as totals when not", () => {
    expect(progressText({ state: "syncing", progress })).toBe("3 of 5 documents · 40 of 60 chunks");
    expect(progressText({ state: "ready", progress: { ...progress, documents_done: 1, chunks_done: 1 } })).toBe(
      "1 document · 1 chunk",
    );
  });

  it("builds Jira Cloud and Confluence Data Center configs with the secret under its sealed field", () => {
    const jira = { ...EMPTY_FORM, kind: "jira" as const, site_url: " https://x.atlassian.net ", email: "a@b.c" };
    expect(configOf({ ...jira, token: "t0k", jql: "project = PAY" })).toEqual({
      site_url: "https://x.atlassian.net",
      deployment: "cloud",
      email: "a@b.c",
      api_token: "t0k",
      jql: "project = PAY",
    });
    const conf = {
      ...EMPTY_FORM,
      kind: "confluence" as const,
      site_url: "https://wiki",
      deployment: "datacenter" as const,
    };
    expect(configOf({ ...conf, token: "pat", spaces: "ENG, OPS" })).toEqual({
      site_url: "https://wiki",
      deployment: "datacenter",
      personal_access_token: "pat",
      spaces: ["ENG", "OPS"],
    });
  });

  it("attaches a new source to the page's team or project; only synced kinds carry a schedule", () => {
    const owner = { kind: "project" as const, id: "prj_1", slug: "shop", name: "Shop" };
    expect(createBody({ ...EMPTY_FORM, name: " Docs " }, owner)).toEqual({
      name: "Docs",
      kind: "files",
      project_id: "prj_1",
      config: {},
    });
    const team = { kind: "team" as const, id: "team_1", slug: "pay", name: "Pay" };
    expect(
      createBody({ ...EMPTY_FORM, kind: "jira", name: "Bugs", site_url: "https://j", token: "x" }, team),
    ).toMatchObject({ team_id: "team_1", schedule: "6h" });
  });

  it("reads an upload's answer as a list of documents whatever its shape", () => {
    const d = { external_id: "a.md", title: "A", state: "ready" as const, error: null, chunk_count: 2 };
    expect(uploadResult({ documents: [d] }).documents).toEqual([d]);
    expect(uploadResult([d]).documents).toEqual([d]);
    expect(uploadResult(d).documents).toEqual([d]);
    expect(uploadResult(undefined).documents).toEqual([]);
  });

  it("shows the URL an api source's scripts PUT to", () => {
    expect(putUrl("https://strand.example", "ks_1")).toBe(
      "https://strand.example/api/v1/knowledge/ks_1/documents/<doc_id>",
    );
  });
});
