import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linesOf, readFileAt } from "./file-at.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "./test-kit.js";

let tmp: { path: string; remove: () => Promise<void> };
let repo: string;
let first: string;
let second: string;

beforeAll(async () => {
  tmp = await makeTempDir();
  repo = await initWorkTree(`${tmp.path}/w`);
  first = await commitFiles(repo, { "a.txt": "one\ntwo\n", "dir/b.txt": "b\n" }, "first");
  second = await commitFiles(repo, { "a.txt": "one\n2\nthree", "dir/b.txt": null }, "second");
});
afterAll(() => tmp?.remove());

describe("readFileAt", () => {
  it("reads a file as it was at a commit, and null where it is not a file", async () => {
    const gitDir = `${repo}/.git`;
    expect(await readFileAt(gitDir, first, "a.txt")).toBe("one\ntwo\n");
    expect(await readFileAt(gitDir, second, "a.txt")).toBe("one\n2\nthree");
    expect(await readFileAt(gitDir, first, "dir/b.txt")).toBe("b\n");
    expect(await readFileAt(gitDir, second, "dir/b.txt")).toBeNull();
    expect(await readFileAt(gitDir, first, "dir")).toBeNull();
    expect(await readFileAt(gitDir, first, "no\nsuch")).toBeNull();
    await expect(readFileAt(gitDir, "HEAD", "a.txt")).rejects.toThrow(/full commit id/);
    expect(await git(repo, "rev-parse", "HEAD")).toBe(second);
  });

  it("counts lines as a diff does", () => {
    expect(linesOf("")).toEqual([]);
    expect(linesOf("a\n")).toEqual(["a"]);
    expect(linesOf("a\nb")).toEqual(["a", "b"]);
    expect(linesOf("a\n\n")).toEqual(["a", ""]);
  });
});
