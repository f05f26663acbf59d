import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchUpstream, ImportError, importRepo, pushUpstream, storedUpstream } from "./import.js";
import { listBranches, resolveRef } from "./inspect.js";
import { prePushEnv } from "./push-env.js";
import { PRE_RECEIVE_HOOK, RepoStore } from "./repo-store.js";
import { runGit } from "./run-git.js";
import {
  basicCredentials,
  commitFiles,
  git,
  httpError,
  initWorkTree,
  makeTempDir,
  startGitServer,
} from "./test-kit.js";
import { UpstreamError } from "./upstream-url.js";

const PASSWORD = "s3cret-token-value";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("importRepo, fetchUpstream and pushUpstream against an HTTP upstream", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let upstreamStore: RepoStore;
  let store: RepoStore;
  let upstream: Awaited<ReturnType<typeof startGitServer>>;
  let work: string;
  let silent: Server;
  let silentPort: number;
  const url = (repo: string) => `${upstream.base}/git/up/${repo}.git`;

  beforeAll(async () => {
    tmp = await makeTempDir();
    upstreamStore = new RepoStore(join(tmp.path, "upstream"));
    store = new RepoStore(join(tmp.path, "strand"));
    const publicRepo = await upstreamStore.create("up", "public");
    const privateRepo = await upstreamStore.create("up", "private", { defaultBranch: "trunk" });
    work = await initWorkTree(join(tmp.path, "work"));
    await commitFiles(work, { "README.md": "hello\n" }, "first");
    await git(work, "branch", "feature");
    await git(work, "tag", "-a", "v1", "-m", "v1");
    await git(work, "push", "--quiet", publicRepo, "main", "feature", "v1");
    await git(work, "push", "--quiet", privateRepo, "main:trunk");
    upstream = await startGitServer(upstreamStore, async (req, { repoName }) => {
      const env = prePushEnv({ kind: "user", canPush: true, protectedBranches: [] });
      if (repoName !== "private") return { remoteUser: "anonymous", env };
      const creds = basicCredentials(req);
      if (creds?.user !== "alice" || creds.password !== PASSWORD) throw httpError(401, "who are you?");
      return { remoteUser: creds.user, env };
    });
    // Accepts connections and never answers: an upstream that hangs.
    silent = createServer((socket) => {
      socket.on("error", () => {});
      socket.resume();
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    await upstream?.close();
    await new Promise((r) => silent?.close(r));
    await tmp?.remove();
  });

  const leftovers = async () => {
    try {
      return await readdir(join(tmp.path, "strand", "acme"));
    } catch {
      return [];
    }
  };

  it("imports a public repository with all branches and tags, safe to serve", async () => {
    const result = await importRepo(store, "acme", "public", { url: url("public") });
    expect(result).toEqual({ path: store.pathFor("acme", "public"), defaultBranch: "main" });
    expect((await listBranches(result.path)).map((b) => b.name)).toEqual(["feature", "main"]);
    expect(await resolveRef(result.path, "refs/tags/v1")).toBe(await git(work, "rev-parse", "main"));
    expect(await storedUpstream(result.path)).toBe(url("public"));
    const config = await readFile(join(result.path, "config"), "utf8");
    expect(config).not.toMatch(/mirror\s*=/);
    expect(config).toContain("receivepack = true");
    expect(await readFile(join(result.path, "hooks", "pre-receive"), "utf8")).toBe(PRE_RECEIVE_HOOK);
  });

  it("imports a private repository with credentials that end up in no file", async () => {
    const result = await importRepo(store, "acme", "private", {
      url: url("private"),
      username: "alice",
      password: PASSWORD,
    });
    expect(result.defaultBranch).toBe("trunk");
    const { stdout } = await runGit(["config", "--get", "remote.origin.url"], { gitDir: result.path });
    expect(stdout.trim()).toBe(url("private"));
    const { stdout: files } = await runGit(["grep", "-r", "-l", PASSWORD, "."], { cwd: result.path }).catch(() => ({
      stdout: "",
    }));
    expect(files).toBe("");
    expect(await readFile(join(result.path, "config"), "utf8")).not.toContain(PASSWORD);
  });

  it("takes credentials written into the URL out of it", async () => {
    const inline = url("private").replace("http://", `http://alice:${PASSWORD}@`);
    const result = await importRepo(store, "acme", "inline", { url: inline });
    expect(await storedUpstream(result.path)).toBe(url("private"));
    expect(await readFile(join(result.path, "config"), "utf8")).not.toContain(PASSWORD);
  });

  it("refuses local and command-running URLs, naming the allowed schemes", async () => {
    for (const bad of ["file:///etc", "ext::sh -c touch% /tmp/pwned", "/srv/repo.git", "./repo", "ftp://host/x"]) {
      const err = await importRepo(store, "acme", "bad", { url: bad }).catch((e) => e);
      expect(err, bad).toBeInstanceOf(ImportError);
      expect(err.kind).toBe("url_refused");
      expect(err.message).toContain("http://, https://, ssh:// (or scp-like user@host:path) and git:// URLs");
    }
    expect(await leftovers()).not.toContain("bad.git");
  });

  it("classifies failures and leaves nothing behind", async () => {
    const cases: [string, Parameters<typeof importRepo>[3], string, RegExp][] = [
      [
        "wrong password",
        { url: url("private"), username: "alice", password: "nope" },
        "authentication_failed",
        /authentication failed/,
      ],
      ["no credentials", { url: url("private") }, "authentication_failed", /authentication failed/],
      ["missing repository", { url: url("absent") }, "not_found", /repository not found/],
      ["closed port", { url: `http://127.0.0.1:${await freePort()}/x.git` }, "unreachable", /unreachable or refused/],
    ];
    for (const [what, source, kind, message] of cases) {
      const err = await importRepo(store, "acme", "broken", source).catch((e) => e);
      expect(err, what).toBeInstanceOf(ImportError);
      expect(err.kind, what).toBe(kind);
      expect(err.message, what).toMatch(message);
      expect(err.message, what).toMatch(/\(git: .+\)$/);
      expect(err.message).not.toContain("nope");
    }
    const hung = await importRepo(
      store,
      "acme",
      "broken",
      { url: `http://127.0.0.1:${silentPort}/x.git` },
      { timeoutMs: 1000 },
    ).catch((e) => e);
    expect(hung.kind).toBe("timeout");
    expect(hung.message).toMatch(/timed out after 1 s/);
    expect((await leftovers()).filter((n) => n === "broken.git" || n.startsWith("."))).toEqual([]);
  });

  it("fetches upstream fast-forwards and new branches, but never overwrites diverged work", async () => {
    const repo = store.pathFor("acme", "public");
    const publicRepo = upstreamStore.pathFor("up", "public");
    // Strand's copy gets work of its own on feature; upstream moves feature and main differently.
    const local = join(tmp.path, "local");
    await git(tmp.path, "clone", "--quiet", repo, local);
    await git(local, "switch", "--quiet", "feature");
    await commitFiles(local, { "local.txt": "strand\n" }, "strand-side work");
    await git(local, "push", "--quiet", "origin", "feature");
    const oldMain = await git(work, "rev-parse", "main");
    const newMain = await commitFiles(work, { "README.md": "hello again\n" }, "upstream main");
    await git(work, "switch", "--quiet", "feature");
    await commitFiles(work, { "up.txt": "upstream\n" }, "upstream feature");
    await git(work, "switch", "--quiet", "-c", "fresh");
    await git(work, "switch", "--quiet", "main");
    await git(work, "push", "--quiet", "--all", publicRepo);

    const result = await fetchUpstream(repo, { url: url("public") });
    expect(result.updated).toEqual([
      { ref: "refs/heads/fresh", oldSha: null, newSha: await git(work, "rev-parse", "fresh") },
      { ref: "refs/heads/main", oldSha: oldMain, newSha: newMain },
    ]);
    expect(result.rejected).toEqual([{ ref: "refs/heads/feature", reason: expect.stringMatching(/diverged/) }]);
    expect(await resolveRef(repo, "feature")).toBe(await git(local, "rev-parse", "HEAD"));
    expect((await runGit(["for-each-ref", "refs/strand/"], { gitDir: repo })).stdout).toBe("");
  });

  it("reports a branch where only Strand moved as ahead, not as diverged", async () => {
    const repo = store.pathFor("acme", "public");
    const local = join(tmp.path, "local-ahead");
    await git(tmp.path, "clone", "--quiet", repo, local);
    await commitFiles(local, { "ahead.txt": "strand only\n" }, "a merge not pushed yet");
    await git(local, "push", "--quiet", "origin", "main");
    const result = await fetchUpstream(repo, { url: url("public") });
    expect(result.ahead).toEqual(["refs/heads/main"]);
    expect(result.rejected.map((r) => r.ref)).toEqual(["refs/heads/feature"]);
    expect(await resolveRef(repo, "main")).toBe(await git(local, "rev-parse", "HEAD"));
  });

  it("pushes to upstream with credentials and reports a rejected push", async () => {
    const repo = store.pathFor("acme", "private");
    const pushed = await pushUpstream(repo, { url: url("private"), username: "alice", password: PASSWORD }, [
      "refs/heads/trunk:refs/heads/from-strand",
    ]);
    expect(pushed).toEqual([{ ref: "refs/heads/from-strand", flag: "*", summary: "[new branch]" }]);
    expect(await resolveRef(upstreamStore.pathFor("up", "private"), "from-strand")).toBe(
      await resolveRef(repo, "trunk"),
    );

    const publicRepo = store.pathFor("acme", "public");
    const err = await pushUpstream(publicRepo, { url: url("public") }, ["refs/heads/feature:refs/heads/feature"]).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.kind).toBe("rejected");
    expect(err.message).toMatch(/refused refs\/heads\/feature/);

    const denied = await pushUpstream(repo, { url: url("private"), username: "alice", password: "x" }, [
      "refs/heads/trunk:refs/heads/other",
    ]).catch((e) => e);
    expect(denied.kind).toBe("authentication_failed");
  });
});
