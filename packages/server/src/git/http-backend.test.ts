import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitServiceOf, runHttpBackend } from "./http-backend.js";
import { RepoStore } from "./repo-store.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "./test-kit.js";

async function readAll(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("latin1");
}

describe("gitServiceOf", () => {
  const q = (s: string) => new URLSearchParams(s);
  it("recognises the smart-HTTP endpoints and nothing else", () => {
    expect(gitServiceOf("/p/r.git/info/refs", q("service=git-upload-pack"))).toBe("upload-pack");
    expect(gitServiceOf("/p/r.git/info/refs", q("service=git-receive-pack"))).toBe("receive-pack");
    expect(gitServiceOf("/p/r.git/git-upload-pack", q(""))).toBe("upload-pack");
    expect(gitServiceOf("/p/r.git/git-receive-pack", q(""))).toBe("receive-pack");
    expect(gitServiceOf("/p/r.git/info/refs", q(""))).toBeNull();
    expect(gitServiceOf("/p/r.git/info/refs", q("service=git-upload-archive"))).toBeNull();
    expect(gitServiceOf("/p/r.git/HEAD", q(""))).toBeNull();
    expect(gitServiceOf("/p/r.git/objects/info/packs", q(""))).toBeNull();
  });
});

describe("runHttpBackend", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: RepoStore;
  let head: string;

  beforeAll(async () => {
    tmp = await makeTempDir();
    store = new RepoStore(join(tmp.path, "repos"));
    const bare = await store.create("acme", "web");
    const work = await initWorkTree(join(tmp.path, "work"));
    head = await commitFiles(work, { "a.txt": "a\n" }, "one");
    await git(work, "push", "--quiet", bare, "main");
  });
  afterAll(() => tmp?.remove());

  const base = () => ({ projectRoot: store.root, query: new URLSearchParams(), remoteUser: "alice" });

  it("answers the ref advertisement with the CGI status, headers and body", async () => {
    const res = await runHttpBackend({
      ...base(),
      pathInfo: "/acme/web.git/info/refs",
      method: "GET",
      query: new URLSearchParams("service=git-upload-pack"),
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/x-git-upload-pack-advertisement");
    expect(res.headers["cache-control"]).toMatch(/no-cache/);
    const body = await readAll(res.body);
    expect(body).toContain("# service=git-upload-pack");
    expect(body).toContain(`${head} refs/heads/main`);
    expect((await res.done).exitCode).toBe(0);
  });

  it("passes git's own status through for a repository that does not exist", async () => {
    const res = await runHttpBackend({
      ...base(),
      pathInfo: "/acme/missing.git/info/refs",
      method: "GET",
      query: new URLSearchParams("service=git-upload-pack"),
    });
    expect(res.status).toBe(404);
    await readAll(res.body);
  });

  it("kills git when the request body fails mid-push, without an unhandled error", async () => {
    const body = new PassThrough();
    const res = await runHttpBackend({
      ...base(),
      pathInfo: "/acme/web.git/git-receive-pack",
      method: "POST",
      contentType: "application/x-git-receive-pack-request",
      body,
    });
    // The headers arrived, so receive-pack is running and waiting for the rest of the pack.
    expect(res.status).toBe(200);
    const line = `${head} ${"1".repeat(40)} refs/heads/main\0report-status\n`;
    body.write(`${(line.length + 4).toString(16).padStart(4, "0")}${line}0000PACK`);
    body.destroy(new Error("client went away"));
    const drained = readAll(res.body).catch(() => "");
    const { exitCode } = await res.done;
    expect(exitCode).not.toBe(0);
    await drained;
  });

  it("kills git when the signal aborts", async () => {
    const body = new PassThrough();
    const aborter = new AbortController();
    const res = await runHttpBackend({
      ...base(),
      pathInfo: "/acme/web.git/git-receive-pack",
      method: "POST",
      contentType: "application/x-git-receive-pack-request",
      body,
      signal: aborter.signal,
    });
    res.body.on("error", () => {});
    aborter.abort();
    expect((await res.done).exitCode).not.toBe(0);
  });

  it("refuses to start for a request already aborted", async () => {
    const aborter = new AbortController();
    aborter.abort();
    await expect(
      runHttpBackend({ ...base(), pathInfo: "/acme/web.git/info/refs", method: "GET", signal: aborter.signal }),
    ).rejects.toThrow(/aborted/);
  });
});
