import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGitHost, startFakeGitHost } from "../../../../test/support/fake-git-hosts.js";
import { createHost } from "./create-host.js";
import { pollPullRequests } from "./poll.js";
import { HostError, type PullRequestHost, type PullRequestState } from "./types.js";

const token = "tok";

describe("pollPullRequests", () => {
  let github: FakeGitHost;
  let gitlab: FakeGitHost;
  let gh: PullRequestHost;
  let gl: PullRequestHost;

  beforeEach(async () => {
    github = await startFakeGitHost("github", { token });
    gitlab = await startFakeGitHost("gitlab", { token });
    github.addRepo("acme", "app", ["main", "a", "b", "c"]);
    gitlab.addRepo("acme", "app", ["main", "a"]);
    gh = createHost("github", { apiBase: github.apiBase, owner: "acme", repo: "app", token });
    gl = createHost("gitlab", { apiBase: gitlab.apiBase, owner: "acme", repo: "app", token });
  });
  afterEach(async () => {
    await github.close();
    await gitlab.close();
  });

  const open = (host: PullRequestHost, head: string) => host.open({ head, base: "main", title: head, body: "" });

  it("reports the pull requests whose state moved, and only those", async () => {
    const merged = await open(gh, "a");
    const still = await open(gh, "b");
    const closed = await open(gl, "a");
    github.setState(merged.number, "merged");
    gitlab.setState(closed.number, "closed");
    const seen: [string, PullRequestState][] = [];
    const report = await pollPullRequests(
      [
        { id: "pr-merged", host: gh, number: merged.number, state: "open" },
        { id: "pr-still", host: gh, number: still.number, state: "open" },
        { id: "pr-closed", host: gl, number: closed.number, state: "open" },
      ],
      async (id, state) => {
        seen.push([id, state]);
      },
    );
    expect(seen).toEqual([
      ["pr-merged", "merged"],
      ["pr-closed", "closed"],
    ]);
    expect(report).toEqual({ checked: 3, changed: seen.map(([id, state]) => ({ id, state })), errors: [] });
  });

  it("leaves merged and closed pull requests alone", async () => {
    const pr = await open(gh, "a");
    const before = github.requests.length;
    const report = await pollPullRequests([{ id: "done", host: gh, number: pr.number, state: "merged" }], async () => {
      throw new Error("no change expected");
    });
    expect(report).toEqual({ checked: 0, changed: [], errors: [] });
    expect(github.requests.length).toBe(before);
  });

  it("collects the error of a host that is down and still checks the others", async () => {
    const onGitlab = await open(gl, "a");
    const onGithub = await open(gh, "a");
    github.setState(onGithub.number, "merged");
    await gitlab.close();
    const seen: string[] = [];
    const report = await pollPullRequests(
      [
        { id: "down", host: gl, number: onGitlab.number, state: "open" },
        { id: "up", host: gh, number: onGithub.number, state: "open" },
      ],
      async (id) => {
        seen.push(id);
      },
    );
    expect(seen).toEqual(["up"]);
    expect(report.changed).toEqual([{ id: "up", state: "merged" }]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]!.id).toBe("down");
    expect(report.errors[0]!.error).toBeInstanceOf(HostError);
    expect((report.errors[0]!.error as HostError).status).toBe(0);
    gitlab = await startFakeGitHost("gitlab", { token }); // for afterEach
  });

  it("collects a failure to record a change without losing the rest of the round", async () => {
    const a = await open(gh, "a");
    const b = await open(gh, "b");
    github.setState(a.number, "closed");
    github.setState(b.number, "merged");
    const report = await pollPullRequests(
      [
        { id: "a", host: gh, number: a.number, state: "open" },
        { id: "b", host: gh, number: b.number, state: "open" },
      ],
      async (id) => {
        if (id === "a") throw new Error("database is down");
      },
    );
    expect(report.changed).toEqual([{ id: "b", state: "merged" }]);
    expect(report.errors.map((e) => [e.id, (e.error as Error).message])).toEqual([["a", "database is down"]]);
  });
});
