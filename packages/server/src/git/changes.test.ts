import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPatchSplitter, diffChanges, PATCH_LIMIT, UnrelatedHistoriesError } from "./changes.js";
import { RefNotFoundError } from "./inspect.js";
import { RepoStore } from "./repo-store.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "./test-kit.js";

const paragraph = Array.from({ length: 40 }, (_, i) => `line ${i} of a file that will be renamed\n`).join("");
const png = (seed: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, seed, 0, 1, 2, 3, 0, 0xff]);

describe("diffChanges", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let repo: string;
  let forkPoint: string;
  let feature: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    const store = new RepoStore(join(tmp.path, "repos"));
    repo = await store.create("acme", "diff");
    const work = await initWorkTree(join(tmp.path, "work"));
    forkPoint = await commitFiles(
      work,
      {
        "keep.txt": "same\n",
        "modify.txt": "a\nb\nc\n",
        "delete.txt": "bye\n",
        "old-name.txt": paragraph,
        "logo.png": png(1),
      },
      "base",
    );
    await git(work, "switch", "--quiet", "-c", "feature");
    feature = await commitFiles(
      work,
      {
        "new.txt": "hello\nworld\n",
        "modify.txt": "a\nB\nc\nd\n",
        "delete.txt": null,
        "old-name.txt": null,
        "docs/new-name.txt": paragraph,
        "logo.png": png(2),
        "zz-huge.txt": "x".repeat(99) + "\n".repeat(1) + `${"y".repeat(1023)}\n`.repeat(300),
      },
      "feature work",
    );
    // main moves on after the fork; three-dot semantics must not show main's own change.
    await git(work, "switch", "--quiet", "main");
    await commitFiles(work, { "main-only.txt": "main\n" }, "main work");
    await git(work, "push", "--quiet", repo, "main", "feature");
  });
  afterAll(() => tmp?.remove());

  it("lists what the branch changed since it left main, with counts and patches", async () => {
    const changes = await diffChanges(repo, "main", "feature");
    expect(changes.base).toBe(forkPoint);
    expect(changes.head).toBe(feature);
    const summary = changes.files.map(({ patch, ...rest }) => rest);
    expect(summary).toEqual([
      { path: "delete.txt", status: "deleted", additions: 0, deletions: 1, binary: false, truncated: false },
      {
        path: "docs/new-name.txt",
        old_path: "old-name.txt",
        status: "renamed",
        additions: 0,
        deletions: 0,
        binary: false,
        truncated: false,
      },
      { path: "logo.png", status: "modified", additions: 0, deletions: 0, binary: true, truncated: false },
      { path: "modify.txt", status: "modified", additions: 2, deletions: 1, binary: false, truncated: false },
      { path: "new.txt", status: "added", additions: 2, deletions: 0, binary: false, truncated: false },
      { path: "zz-huge.txt", status: "added", additions: 301, deletions: 0, binary: false, truncated: true },
    ]);
    const patch = (path: string) => changes.files.find((f) => f.path === path)?.patch ?? "";
    expect(patch("modify.txt")).toMatch(/^diff --git a\/modify\.txt b\/modify\.txt\n/);
    expect(patch("modify.txt")).toContain("-b\n+B\n c\n+d\n");
    expect(patch("new.txt")).toContain("new file mode 100644");
    expect(patch("docs/new-name.txt")).toContain("rename from old-name.txt");
    expect(patch("logo.png")).toContain("Binary files a/logo.png and b/logo.png differ");
    const huge = patch("zz-huge.txt");
    expect(Buffer.byteLength(huge)).toBeLessThanOrEqual(PATCH_LIMIT);
    expect(Buffer.byteLength(huge)).toBeGreaterThan(PATCH_LIMIT - 1100);
    expect(huge.endsWith("\n")).toBe(true);
  });

  it("is empty when head has nothing new, and clear about unknown or unrelated refs", async () => {
    expect((await diffChanges(repo, "feature", "main")).files.map((f) => f.path)).toEqual(["main-only.txt"]);
    expect((await diffChanges(repo, "feature", "feature")).files).toEqual([]);
    await expect(diffChanges(repo, "main", "nope")).rejects.toBeInstanceOf(RefNotFoundError);
    const other = await initWorkTree(join(tmp.path, "unrelated"), "island");
    await commitFiles(other, { "x.txt": "x\n" }, "island");
    await git(other, "push", "--quiet", repo, "island");
    await expect(diffChanges(repo, "main", "island")).rejects.toBeInstanceOf(UnrelatedHistoriesError);
  });
});

describe("createPatchSplitter", () => {
  const diff =
    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-diff --git not a header\n+x\n" +
    "diff --git a/y b/y\nBinary files a/y and b/y differ\n";

  it("splits at file headers however the output is chunked", () => {
    for (const size of [1, 3, 11, 12, 1000]) {
      const splitter = createPatchSplitter();
      const bytes = Buffer.from(diff);
      for (let i = 0; i < bytes.length; i += size) splitter.write(bytes.subarray(i, i + size));
      expect(splitter.finish(), `chunk size ${size}`).toEqual([
        {
          text: "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-diff --git not a header\n+x\n",
          truncated: false,
        },
        { text: "diff --git a/y b/y\nBinary files a/y and b/y differ\n", truncated: false },
      ]);
    }
  });

  it("cuts a long patch at the last whole line within the limit", () => {
    const splitter = createPatchSplitter(40);
    splitter.write(Buffer.from("diff --git a/x b/x\n+1234567890\n+1234567890\n+1234567890\n"));
    expect(splitter.finish()).toEqual([{ text: "diff --git a/x b/x\n+1234567890\n", truncated: true }]);
  });
});
