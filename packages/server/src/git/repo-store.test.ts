import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBranch } from "./inspect.js";
import { InvalidNameError } from "./names.js";
import { PRE_RECEIVE_HOOK, RepoExistsError, RepoStore } from "./repo-store.js";
import { runGit } from "./run-git.js";
import { makeTempDir } from "./test-kit.js";

describe("RepoStore", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: RepoStore;
  beforeAll(async () => {
    tmp = await makeTempDir();
    store = new RepoStore(join(tmp.path, "repos"));
  });
  afterAll(() => tmp?.remove());

  const config = async (gitDir: string, key: string) =>
    (await runGit(["config", "--get", key], { gitDir })).stdout.trim();

  it("creates a bare repository configured for pushes over HTTP, with the policy hook", async () => {
    const path = await store.create("acme", "api", { defaultBranch: "trunk" });
    expect(path).toBe(join(tmp.path, "repos", "acme", "api.git"));
    expect(await store.exists("acme", "api")).toBe(true);
    expect(await config(path, "core.bare")).toBe("true");
    expect(await config(path, "http.receivepack")).toBe("true");
    expect(await config(path, "receive.denyNonFastForwards")).toBe("false");
    expect(await defaultBranch(path)).toBe("trunk");
    const hook = join(path, "hooks", "pre-receive");
    expect(await readFile(hook, "utf8")).toBe(PRE_RECEIVE_HOOK);
    expect((await stat(hook)).mode & 0o111).toBe(0o111);
  });

  it("refuses to create a repository that exists, and leaves no temp directory behind", async () => {
    await store.create("acme", "dup");
    const err = await store.create("acme", "dup").catch((e) => e);
    expect(err).toBeInstanceOf(RepoExistsError);
    expect(err.message).toBe("repository acme/dup already exists; pick another name or remove it first");
    expect(err.statusCode).toBe(409);
    expect((await readdir(join(tmp.path, "repos", "acme"))).sort()).toEqual(["api.git", "dup.git"]);
  });

  it("refuses unsafe names before touching the disk", async () => {
    for (const [slug, name] of [
      ["acme", "../escape"],
      ["acme", "Upper"],
      ["acme", "x.git"],
      ["..", "x"],
      ["acme", ".hidden"],
      ["acme", "a..b"],
    ] as const) {
      await expect(store.create(slug, name)).rejects.toBeInstanceOf(InvalidNameError);
    }
    await expect(store.create("acme", "ok", { defaultBranch: "bad name" })).rejects.toThrow(/not allowed/);
    expect(await store.exists("acme", "ok")).toBe(false);
  });

  it("removes a repository, and says when there was none", async () => {
    await store.create("acme", "gone");
    expect(await store.remove("acme", "gone")).toBe(true);
    expect(await store.exists("acme", "gone")).toBe(false);
    expect(await store.remove("acme", "gone")).toBe(false);
    expect((await readdir(join(tmp.path, "repos", "acme"))).filter((n) => n.startsWith("."))).toEqual([]);
  });
});
