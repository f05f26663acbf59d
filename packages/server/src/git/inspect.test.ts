import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  branchExists,
  defaultBranch,
  isAncestor,
  listBranches,
  RefNotFoundError,
  recentCommits,
  resolveRef,
} from "./inspect.js";
import { RepoStore } from "./repo-store.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "./test-kit.js";

describe("inspect", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let repo: string;
  let first: string;
  let second: string;
  let side: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    const store = new RepoStore(join(tmp.path, "repos"));
    repo = await store.create("acme", "look", { defaultBranch: "main" });
    const work = await initWorkTree(join(tmp.path, "work"));
    first = await commitFiles(work, { "a.txt": "1\n" }, "first commit");
    second = await commitFiles(work, { "a.txt": "2\n" }, "second commit\n\nwith a body");
    await git(work, "switch", "--quiet", "-c", "side", first);
    side = await commitFiles(work, { "b.txt": "b\n" }, "side");
    // A tag with a branch's name: a short name must still mean the branch.
    await git(work, "tag", "main", first);
    await git(work, "push", "--quiet", repo, "refs/heads/main", "refs/heads/side", "refs/tags/main");
  });
  afterAll(() => tmp?.remove());

  it("resolves branches before same-named tags, full refs and shas; null when missing", async () => {
    expect(await resolveRef(repo, "main")).toBe(second);
    expect(await resolveRef(repo, "refs/tags/main")).toBe(first);
    expect(await resolveRef(repo, first)).toBe(first);
    expect(await resolveRef(repo, "nope")).toBeNull();
    await expect(resolveRef(repo, "--all")).rejects.toBeInstanceOf(RefNotFoundError);
  });

  it("answers ancestry", async () => {
    expect(await isAncestor(repo, first, second)).toBe(true);
    expect(await isAncestor(repo, second, first)).toBe(false);
    expect(await isAncestor(repo, second, side)).toBe(false);
  });

  it("lists branches with their tips and dates, and knows the default", async () => {
    const branches = await listBranches(repo);
    expect(branches.map(({ name, commit }) => ({ name, commit }))).toEqual([
      { name: "main", commit: second },
      { name: "side", commit: side },
    ]);
    for (const b of branches) expect(Number.isNaN(Date.parse(b.updated_at))).toBe(false);
    expect(await defaultBranch(repo)).toBe("main");
    expect(await branchExists(repo, "side")).toBe(true);
    expect(await branchExists(repo, "nope")).toBe(false);
  });

  it("gives recent commits newest first, limited", async () => {
    const commits = await recentCommits(repo, "main", 10);
    expect(commits.map((c) => [c.sha, c.subject])).toEqual([
      [second, "second commit"],
      [first, "first commit"],
    ]);
    expect(commits[0]).toMatchObject({ author_name: "Test Author", author_email: "author@example.test" });
    expect(Number.isNaN(Date.parse(commits[0]?.authored_at ?? ""))).toBe(false);
    expect(await recentCommits(repo, "main", 1)).toHaveLength(1);
    await expect(recentCommits(repo, "nope", 5)).rejects.toThrow('no branch or commit "nope" in this repository');
  });
});
