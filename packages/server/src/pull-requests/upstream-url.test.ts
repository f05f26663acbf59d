import { describe, expect, it } from "vitest";
import { parseUpstream } from "./upstream-url.js";

describe("parseUpstream", () => {
  it.each([
    "https://github.com/acme/app.git",
    "https://github.com/acme/app",
    "https://user:secret@github.com/acme/app.git/",
    "git@github.com:acme/app.git",
    "ssh://git@github.com/acme/app.git",
  ])("knows github.com from %s", (url) => {
    expect(parseUpstream(url)).toEqual({
      kind: "github",
      apiBase: "https://api.github.com",
      owner: "acme",
      repo: "app",
      path: "acme/app",
    });
  });

  it("keeps GitLab's nested groups in the owner and path", () => {
    expect(parseUpstream("git@gitlab.com:acme/platform/app.git")).toEqual({
      kind: "gitlab",
      apiBase: "https://gitlab.com/api/v4",
      owner: "acme/platform",
      repo: "app",
      path: "acme/platform/app",
    });
    expect(parseUpstream("https://gitlab.com/acme/platform/app/-/tree/main").path).toBe("acme/platform/app");
  });

  it("knows the public Gitea hosts", () => {
    expect(parseUpstream("https://codeberg.org/acme/app.git")).toMatchObject({
      kind: "gitea",
      apiBase: "https://codeberg.org/api/v1",
    });
  });

  it("puts a self-hosted API at the kind's usual place, keeping an https port", () => {
    expect(parseUpstream("https://ghe.example.com/acme/app.git", { kind: "github" }).apiBase).toBe(
      "https://ghe.example.com/api/v3",
    );
    expect(parseUpstream("https://git.example.com:8443/acme/app.git", { kind: "gitlab" }).apiBase).toBe(
      "https://git.example.com:8443/api/v4",
    );
    expect(parseUpstream("http://127.0.0.1:3000/acme/app.git", { kind: "gitea" })).toEqual({
      kind: "gitea",
      apiBase: "http://127.0.0.1:3000/api/v1",
      owner: "acme",
      repo: "app",
      path: "acme/app",
    });
  });

  it("reaches an ssh upstream's API over https on the same name, not on the ssh port", () => {
    expect(parseUpstream("ssh://git@git.example.com:2222/acme/app.git", { kind: "gitea" }).apiBase).toBe(
      "https://git.example.com/api/v1",
    );
    expect(parseUpstream("git@git.example.com:acme/app.git", { kind: "gitlab" }).apiBase).toBe(
      "https://git.example.com/api/v4",
    );
  });

  it("takes a Gitea under a sub-path from the segments before owner/repo", () => {
    expect(parseUpstream("https://example.com/git/acme/app.git", { kind: "gitea" })).toMatchObject({
      apiBase: "https://example.com/git/api/v1",
      owner: "acme",
      repo: "app",
    });
  });

  it("uses the API address it is given", () => {
    expect(
      parseUpstream("https://example.com/gitlab/acme/app.git", {
        kind: "gitlab",
        apiBase: "https://example.com/gitlab/api/v4/",
      }),
    ).toMatchObject({ apiBase: "https://example.com/gitlab/api/v4" });
  });

  it("asks for the host kind when the host is not a known one", () => {
    expect(() => parseUpstream("https://git.example.com/acme/app.git")).toThrow(
      "cannot tell which software serves git.example.com: set the upstream's host kind: github, gitlab or gitea",
    );
  });

  it("refuses a kind that contradicts a known host", () => {
    expect(() => parseUpstream("https://github.com/acme/app.git", { kind: "gitlab" })).toThrow(
      /github\.com is served by github, but the upstream's host kind is set to gitlab/,
    );
  });

  it.each([
    ["https://github.com/acme", /does not name one repository/],
    ["https://github.com/acme/app/pull/3", /does not name one repository/],
    ["https://gitlab.com/app", /names no project/],
    ["file:///srv/git/app.git", /uses the file scheme/],
    ["https://git.example.com/acme/%zz.git", /malformed %-escape/],
    ["not a url", /not a URL git can clone/],
  ])("explains what is wrong with %s", (url, why) => {
    expect(() => parseUpstream(url)).toThrow(why);
  });
});
