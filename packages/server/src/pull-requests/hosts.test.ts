import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGitHost, startFakeGitHost } from "../../../../test/support/fake-git-hosts.js";
import { createHost } from "./create-host.js";
import { HostError, type HostKind } from "./types.js";

const token = "tok-right";
// GitLab namespaces nest; the client must send the whole path as one encoded segment.
const owners: Record<HostKind, string> = { github: "acme", gitea: "acme", gitlab: "acme/platform" };

async function refusal(p: Promise<unknown>): Promise<HostError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  return error as HostError;
}

describe.each(["github", "gitlab", "gitea"] as const)("%s pull requests", (kind) => {
  let fake: FakeGitHost;
  const owner = owners[kind];
  const input = { head: "strand/session-1", base: "main", title: "Add login", body: "From a Strand session." };
  const host = (overrides: { token?: string; apiBase?: string; repo?: string } = {}) =>
    createHost(kind, { apiBase: fake.apiBase, owner, repo: "app", token, ...overrides });

  beforeEach(async () => {
    fake = await startFakeGitHost(kind, { token });
    fake.addRepo(owner, "app", ["main", "strand/session-1", "strand/session-2"]);
  });
  afterEach(() => fake.close());

  it("opens a pull request and reads it back as open", async () => {
    const opened = await host().open(input);
    expect(opened.state).toBe("open");
    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]).toMatchObject({ repo: `${owner}/app`, head: input.head, base: "main", title: "Add login" });
    expect(fake.pulls[0]!.body).toBe("From a Strand session.");
    expect(opened.number).toBe(fake.pulls[0]!.number);
    expect(opened.url).toMatch(new RegExp(`^${fake.url}/${owner}/app/.*${opened.number}$`));
    expect(await host().get(opened.number)).toEqual(opened);
  });

  it("sees a merge and a close made on the host", async () => {
    const a = await host().open(input);
    const b = await host().open({ ...input, head: "strand/session-2" });
    fake.setState(a.number, "merged");
    fake.setState(b.number, "closed");
    expect((await host().get(a.number)).state).toBe("merged");
    expect((await host().get(b.number)).state).toBe("closed");
  });

  it("reopens a pull request closed on the host, and refuses to reopen a merged one", async () => {
    const a = await host().open(input);
    fake.setState(a.number, "closed");
    expect(await host().reopen(a.number)).toEqual({ ...a, state: "open" });
    expect(fake.pulls.find((p) => p.number === a.number)?.state).toBe("open");
    const b = await host().open({ ...input, head: "strand/session-2" });
    fake.setState(b.number, "merged");
    if (kind === "gitlab") expect((await host().reopen(b.number)).state).toBe("merged");
    else expect((await refusal(host().reopen(b.number))).status).toBeGreaterThanOrEqual(400);
  });

  it("returns the open pull request when one already exists for the branch", async () => {
    const first = await host().open(input);
    const again = await host().open({ ...input, title: "Add login (retry)" });
    expect(again).toEqual(first);
    expect(fake.pulls).toHaveLength(1);
  });

  it("opens a new pull request when the earlier one for the branch was closed", async () => {
    const first = await host().open(input);
    fake.setState(first.number, "closed");
    const second = await host().open(input);
    expect(second.number).not.toBe(first.number);
    expect(second.state).toBe("open");
  });

  it("says the stored token was rejected when the host refuses it", async () => {
    const error = await refusal(host({ token: "tok-wrong" }).open(input));
    expect(error.status).toBe(401);
    expect(error.hint).toBe("the stored token was rejected: update the repo's upstream token");
    expect(error.message).toContain("update the repo's upstream token");
    expect(fake.pulls).toHaveLength(0);
    expect((await refusal(host({ token: "tok-wrong" }).get(1))).status).toBe(401);
  });

  it("names the repository the host does not know", async () => {
    const error = await refusal(host({ repo: "nope" }).open(input));
    expect(error.status).toBe(404);
    expect(error.hint).toContain(`${owner}/nope was not found at ${fake.apiBase}`);
  });

  it("asks for the branch to be pushed when the host does not have it", async () => {
    const error = await refusal(host().open({ ...input, head: "strand/never-pushed" }));
    expect(error.status).toBe(kind === "gitea" ? 404 : 422);
    expect(error.hint).toContain("strand/never-pushed");
    if (kind !== "gitea") expect(error.hint).toContain("push the session's branch");
    expect(fake.pulls).toHaveLength(0);
  });

  it("names the base branch the host does not have", async () => {
    const error = await refusal(host().open({ ...input, base: "develop" }));
    expect(error.hint).toContain("develop");
    expect(error.hint).not.toContain("push the session's branch");
  });

  it("names the pull request number the host does not know", async () => {
    const error = await refusal(host().get(99));
    expect(error.status).toBe(404);
    expect(error.hint).toContain(`${owner}/app has no pull request 99`);
  });

  it("reports a host that is not there as unreachable, with its address", async () => {
    const apiBase = fake.apiBase;
    await fake.close();
    const error = await refusal(host({ apiBase }).get(1));
    expect(error.status).toBe(0);
    expect(error.hint).toContain(`could not reach ${apiBase}`);
    expect(error.message).toMatch(/could not be reached/);
    fake = await startFakeGitHost(kind, { token }); // for afterEach
  });

  it("refuses a success reply that is not a pull request, pointing at the host kind", async () => {
    // What a GitLab answers where a GitHub client expects a pull request, or a login page does.
    const fetchStub: typeof fetch = async () =>
      new Response(JSON.stringify({ id: 1, name: "app" }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    const error = await refusal(
      createHost(kind, { apiBase: fake.apiBase, owner, repo: "app", token, fetch: fetchStub }).get(1),
    );
    expect(error.status).toBe(200);
    expect(error.hostMessage).toMatch(/^unexpected reply: /);
    expect(error.hint).toContain("check the upstream's host kind and API address");
  });
});

describe("request details the hosts rely on", () => {
  it("GitHub: bearer token, the v3 media type and the pinned API version", async () => {
    const fake = await startFakeGitHost("github", { token });
    try {
      fake.addRepo("acme", "app", ["main", "b"]);
      await createHost("github", { apiBase: fake.apiBase, owner: "acme", repo: "app", token }).open({
        head: "b",
        base: "main",
        title: "t",
        body: "",
      });
      const req = fake.requests[0]!;
      expect(req.url).toBe("/api/v3/repos/acme/app/pulls");
      expect(req.headers.authorization).toBe(`Bearer ${token}`);
      expect(req.headers.accept).toBe("application/vnd.github+json");
      expect(req.headers["x-github-api-version"]).toBe("2022-11-28");
      expect(req.body).toEqual({ title: "t", head: "b", base: "main", body: "" });
    } finally {
      await fake.close();
    }
  });

  it("GitLab: PRIVATE-TOKEN, the project path as one encoded segment, description for the body", async () => {
    const fake = await startFakeGitHost("gitlab", { token });
    try {
      fake.addRepo("acme/platform", "app", ["main", "b"]);
      await createHost("gitlab", { apiBase: fake.apiBase, owner: "acme/platform", repo: "app", token }).open({
        head: "b",
        base: "main",
        title: "t",
        body: "why",
      });
      const req = fake.requests[0]!;
      expect(req.url).toBe("/api/v4/projects/acme%2Fplatform%2Fapp/merge_requests");
      expect(req.headers["private-token"]).toBe(token);
      expect(req.body).toEqual({ source_branch: "b", target_branch: "main", title: "t", description: "why" });
    } finally {
      await fake.close();
    }
  });

  it("Gitea: token authorization", async () => {
    const fake = await startFakeGitHost("gitea", { token });
    try {
      fake.addRepo("acme", "app", ["main", "b"]);
      await createHost("gitea", { apiBase: fake.apiBase, owner: "acme", repo: "app", token })
        .get(7)
        .catch(() => {});
      expect(fake.requests[0]!.url).toBe("/api/v1/repos/acme/app/pulls/7");
      expect(fake.requests[0]!.headers.authorization).toBe(`token ${token}`);
    } finally {
      await fake.close();
    }
  });
});
