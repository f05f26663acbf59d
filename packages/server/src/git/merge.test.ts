import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolveRef } from "./inspect.js";
import {
  BaseMovedError,
  MergeConflictError,
  type MergeOptions,
  mergeBranch,
  NotFastForwardError,
  NothingToMergeError,
} from "./merge.js";
import { RepoStore } from "./repo-store.js";
import { runGit } from "./run-git.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "./test-kit.js";

const people = {
  author: { name: "Ada Reviewer", email: "ada@example.test" },
  committer: { name: "Strand", email: "strand@example.test" },
};

describe("mergeBranch", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: RepoStore;
  let n = 0;
  let repo: string;
  let work: string;
  const sha: Record<string, string> = {};

  beforeAll(async () => {
    tmp = await makeTempDir();
    store = new RepoStore(join(tmp.path, "repos"));
  });
  afterAll(() => tmp?.remove());

  // main: base → main2 (c.txt). ahead: base → ahead (b.txt). clash: base → a.txt changed differently.
  beforeEach(async () => {
    n++;
    repo = await store.create("acme", `m${n}`);
    work = await initWorkTree(join(tmp.path, `work${n}`));
    sha.base = await commitFiles(work, { "a.txt": "one\ntwo\nthree\n" }, "base");
    await git(work, "switch", "--quiet", "-c", "ahead");
    sha.ahead = await commitFiles(work, { "b.txt": "from ahead\n" }, "ahead work");
    await git(work, "switch", "--quiet", "-c", "clash", "main");
    sha.clash = await commitFiles(work, { "a.txt": "one\nTWO (clash)\nthree\n" }, "clash work");
    await git(work, "switch", "--quiet", "main");
    sha.main = await commitFiles(work, { "a.txt": "one\ntwo (main)\nthree\n", "c.txt": "main\n" }, "main work");
    await git(work, "push", "--quiet", repo, "main", "ahead", "clash");
    await git(work, "branch", "behind", sha.base);
    await git(work, "push", "--quiet", repo, "behind");
  });

  const merge = (o: Partial<MergeOptions>) =>
    mergeBranch(repo, { base: "main", head: "ahead", strategy: "merge", message: "Merge ahead", ...people, ...o });
  const show = (format: string, rev: string) => runGit(["show", "-s", `--format=${format}`, rev], { gitDir: repo });
  const files = async (rev: string) =>
    (await runGit(["ls-tree", "-r", "--name-only", rev], { gitDir: repo })).stdout.trim().split("\n");

  it("fast-forwards when main is an ancestor of head, and refuses otherwise", async () => {
    const err = await merge({ strategy: "fast-forward" }).catch((e) => e);
    expect(err).toBeInstanceOf(NotFastForwardError);
    expect(err.message).toMatch(/main cannot be fast-forwarded to ahead/);
    expect(await resolveRef(repo, "main")).toBe(sha.main);

    await git(work, "switch", "--quiet", "-c", "next", "main");
    const next = await commitFiles(work, { "d.txt": "d\n" }, "next");
    await git(work, "push", "--quiet", repo, "next");
    expect(await merge({ head: "next", strategy: "fast-forward" })).toEqual({ commit: next });
    expect(await resolveRef(repo, "main")).toBe(next);
  });

  it("makes a merge commit with both parents, the message and the given people", async () => {
    const { commit } = await merge({});
    expect(await resolveRef(repo, "main")).toBe(commit);
    expect((await show("%P", commit)).stdout.trim()).toBe(`${sha.main} ${sha.ahead}`);
    expect((await show("%an <%ae>|%cn <%ce>|%B", commit)).stdout.trim()).toBe(
      "Ada Reviewer <ada@example.test>|Strand <strand@example.test>|Merge ahead",
    );
    expect(await files(commit)).toEqual(["a.txt", "b.txt", "c.txt"]);
  });

  it("squashes head's work into one commit on top of main", async () => {
    const { commit } = await merge({ strategy: "squash", message: "Ahead, squashed" });
    expect((await show("%P", commit)).stdout.trim()).toBe(sha.main);
    expect((await show("%s", commit)).stdout.trim()).toBe("Ahead, squashed");
    expect(await files(commit)).toEqual(["a.txt", "b.txt", "c.txt"]);
  });

  it("reports conflicting files and leaves main alone", async () => {
    for (const strategy of ["merge", "squash"] as const) {
      const err = await merge({ head: "clash", strategy }).catch((e) => e);
      expect(err).toBeInstanceOf(MergeConflictError);
      expect(err.files).toEqual(["a.txt"]);
      expect(err.message).toMatch(/clash does not merge cleanly into main: conflicts in a\.txt/);
    }
    expect(await resolveRef(repo, "main")).toBe(sha.main);
  });

  it("refuses when head has nothing main lacks", async () => {
    for (const strategy of ["merge", "squash", "fast-forward"] as const) {
      await expect(merge({ head: "behind", strategy })).rejects.toBeInstanceOf(NothingToMergeError);
      await expect(merge({ head: "main", strategy })).rejects.toBeInstanceOf(NothingToMergeError);
    }
  });

  it("refuses with BaseMovedError when main is no longer where the merge started", async () => {
    // The diff was reviewed when main was at sha.base; main has moved since.
    const err = await merge({ expectedBase: sha.base }).catch((e) => e);
    expect(err).toBeInstanceOf(BaseMovedError);
    expect(err.message).toMatch(/main moved while merging/);
    expect(await resolveRef(repo, "main")).toBe(sha.main);
    expect(await merge({ expectedBase: sha.main })).toEqual({ commit: await resolveRef(repo, "main") });
  });

  it("never loses a merge when two run at once", async () => {
    await git(work, "switch", "--quiet", "-c", "other", sha.base ?? "");
    await commitFiles(work, { "d.txt": "other\n" }, "other work");
    await git(work, "push", "--quiet", repo, "other");
    const results = await Promise.allSettled([merge({}), merge({ head: "other", message: "Merge other" })]);
    const main = (await resolveRef(repo, "main")) ?? "";
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(BaseMovedError);
      else {
        const reachable = await runGit(["merge-base", "--is-ancestor", result.value.commit, main], { gitDir: repo });
        expect(reachable.stderr).toBe("");
      }
    }
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
  });
});
