import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionWorkspace } from "@strand/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Log } from "../log.js";
import { checkpoint, pushRefusal } from "./checkpoint.js";
import { prepareWorkspace } from "./clone.js";
import { credentialHelper } from "./credential-helper.js";

/**
 * Strand's git hosting in miniature: `git http-backend` as a CGI behind node:http at
 * `/git/<project>/<repo>.git`, refusing any request whose Basic password is not `token.value`.
 */
async function serveGit(root: string, token: { value: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!url.pathname.startsWith("/git/")) return void res.writeHead(404).end();
    const auth = req.headers.authorization ?? "";
    const password = auth.startsWith("Basic ")
      ? Buffer.from(auth.slice(6), "base64").toString().split(":").slice(1).join(":")
      : undefined;
    if (password !== token.value) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="strand"' }).end();
      return;
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: url.pathname.slice("/git".length),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      // Authenticated: http-backend allows receive-pack (push) only for a known user.
      REMOTE_USER: "strand",
      REMOTE_ADDR: "127.0.0.1",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
    };
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    const cgi = spawn("/usr/lib/git-core/git-http-backend", [], { env, stdio: ["pipe", "pipe", "inherit"] });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const text = head.toString("latin1");
      const end = text.search(/\r?\n\r?\n/);
      if (end < 0) return;
      const sep = text.slice(end).startsWith("\r\n\r\n") ? 4 : 2;
      let status = 200;
      for (const line of text.slice(0, end).split(/\r?\n/)) {
        const i = line.indexOf(":");
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      headersDone = true;
      res.write(head.subarray(end + sep));
    });
    cgi.stdout.on("end", () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

let tmp: string;
let root: string;
let base: string;
let server: Server;
let tokenFile: string;
const token = { value: "strand_sess_first_4f1c9a" };
const log: Log = () => {};
let n = 0;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "strand-workspace-"));
  root = join(tmp, "hosted");
  mkdirSync(join(root, "proj"), { recursive: true });
  // The test's own git setup: a `store` helper would save whatever token git is given to it.
  process.env.GIT_CONFIG_GLOBAL = join(tmp, "gitconfig");
  process.env.GIT_CONFIG_NOSYSTEM = "1";
  writeFileSync(
    process.env.GIT_CONFIG_GLOBAL,
    `[init]\n\tdefaultBranch = main\n[user]\n\tname = Seeder\n\temail = seed@example.com\n` +
      `[credential]\n\thelper = store --file ${join(tmp, "stored-credentials")}\n`,
  );
  tokenFile = join(tmp, "session-token");
  writeFileSync(tokenFile, `${token.value}\n`);
  const served = await serveGit(root, token);
  base = served.url;
  server = served.server;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

/** A hosted repo with README.md on main, and optionally more branches with one commit each. */
function hostedRepo(branches: string[] = []): { name: string; bare: string } {
  const name = `repo${++n}`;
  const seed = join(tmp, `seed-${name}`);
  mkdirSync(seed);
  sh(seed, "init", "-q");
  writeFileSync(join(seed, "README.md"), "hello\n");
  sh(seed, "add", ".");
  sh(seed, "commit", "-qm", "Initial commit");
  for (const b of branches) {
    sh(seed, "switch", "-qc", b, "main");
    writeFileSync(join(seed, `${b.replaceAll("/", "-")}.txt`), `on ${b}\n`);
    sh(seed, "add", ".");
    sh(seed, "commit", "-qm", `Work on ${b}`);
  }
  const bare = join(root, "proj", `${name}.git`);
  sh(tmp, "clone", "-q", "--bare", seed, bare);
  return { name, bare };
}

function workspaceFor(repo: string, over: Partial<SessionWorkspace> = {}): SessionWorkspace {
  return {
    clone_url: `${base}/git/proj/${repo}.git`,
    repo,
    branch: "strand/ses_1",
    base: "main",
    checkpoint: true,
    author: { name: "Strand Agent", email: "agent@strand.example" },
    co_author: { name: "Ada Owner", email: "ada@example.com" },
    ...over,
  };
}

function workDir(): string {
  const dir = join(tmp, `work${++n}`);
  mkdirSync(dir);
  return dir;
}

describe("prepareWorkspace", () => {
  it("clones onto a new branch made from the base, which the first checkpoint publishes", async () => {
    const { name, bare } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    const prepared = await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    expect(prepared).toEqual({ branch: "strand/ses_1", head: sh(bare, "rev-parse", "main") });
    expect(sh(dir, "symbolic-ref", "--short", "HEAD")).toBe("strand/ses_1");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("hello\n");
    expect(sh(dir, "config", "user.name")).toBe("Strand Agent");
    expect(sh(dir, "config", "user.email")).toBe("agent@strand.example");

    writeFileSync(join(dir, "new.txt"), "x\n");
    const result = await checkpoint({ dir, workspace: ws, prompt: "Add new.txt", log });
    expect(result).toMatchObject({ pushed: true });
    expect(sh(bare, "rev-parse", "refs/heads/strand/ses_1")).toBe(result?.commit);
    expect(sh(dir, "rev-parse", "--abbrev-ref", "@{upstream}")).toBe("origin/strand/ses_1");
  });

  it("checks out the session's branch when it already exists upstream", async () => {
    const { name, bare } = hostedRepo(["strand/ses_1"]);
    const dir = workDir();
    const prepared = await prepareWorkspace({ dir, tokenFile, workspace: workspaceFor(name), log });
    expect(prepared.head).toBe(sh(bare, "rev-parse", "refs/heads/strand/ses_1"));
    expect(existsSync(join(dir, "strand-ses_1.txt"))).toBe(true);
    expect(sh(dir, "rev-parse", "--abbrev-ref", "@{upstream}")).toBe("origin/strand/ses_1");
  });

  it("keeps the agent's uncommitted work when agentd starts again", async () => {
    const { name } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    writeFileSync(join(dir, "README.md"), "hello, edited\n");
    writeFileSync(join(dir, "draft.txt"), "not committed yet\n");
    const again = await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    expect(again.branch).toBe("strand/ses_1");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("hello, edited\n");
    expect(readFileSync(join(dir, "draft.txt"), "utf8")).toBe("not committed yet\n");
    expect(sh(dir, "status", "--porcelain")).toBe("M README.md\n?? draft.txt");
    // Config applied twice is still one helper, not two stacked ones.
    const helpers = execFileSync("git", ["config", "--local", "--get-all", `credential.${base}.helper`], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(helpers).toBe(`\n${credentialHelper(tokenFile)}\n`); // the reset ("") and the helper
  });

  it("never writes the token into the clone's config, its remote or a credential store", async () => {
    const { name } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    writeFileSync(join(dir, "a.txt"), "a\n");
    expect(await checkpoint({ dir, workspace: ws, prompt: "a", log })).toMatchObject({ pushed: true });
    expect(readFileSync(join(dir, ".git", "config"), "utf8")).not.toContain(token.value);
    expect(sh(dir, "config", "--list", "--show-origin")).not.toContain(token.value);
    expect(sh(dir, "remote", "get-url", "origin")).toBe(ws.clone_url);
    // The user's own `store` helper was never offered the token.
    expect(existsSync(join(tmp, "stored-credentials"))).toBe(false);
  });

  it("fetches the repo around files already in the workspace", async () => {
    const { name } = hostedRepo();
    const dir = workDir();
    writeFileSync(join(dir, "notes.txt"), "mine\n");
    await prepareWorkspace({ dir, tokenFile, workspace: workspaceFor(name), log });
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine\n");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("hello\n");
    expect(sh(dir, "status", "--porcelain")).toBe("?? notes.txt");
  });

  it("refuses to overwrite a file in the way, and leaves the workspace as it was", async () => {
    const { name } = hostedRepo();
    const dir = workDir();
    writeFileSync(join(dir, "README.md"), "my own readme\n");
    await expect(prepareWorkspace({ dir, tokenFile, workspace: workspaceFor(name), log })).rejects.toThrow(
      /README\.md[\s\S]*Move those files away/,
    );
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("my own readme\n");
    expect(existsSync(join(dir, ".git"))).toBe(false);
  });

  it("says when the base branch does not exist", async () => {
    const { name } = hostedRepo();
    await expect(
      prepareWorkspace({ dir: workDir(), tokenFile, workspace: workspaceFor(name, { base: "develop" }), log }),
    ).rejects.toThrow(/base branch "develop" is not in repo\d+ \(its branches: main\)/);
  });
});

describe("checkpoint", () => {
  it("commits with the prompt as a short subject, the full prompt and the owner's trailer", async () => {
    const { name, bare } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    writeFileSync(join(dir, "feature.ts"), "export const feature = true;\n");
    const prompt =
      "Add a feature flag module that exports a constant, and make sure it is wired into the build\n\nThanks!";
    const result = await checkpoint({ dir, workspace: ws, prompt, log });
    expect(result).toEqual({ commit: expect.stringMatching(/^[0-9a-f]{40}$/), pushed: true });
    const message = sh(bare, "log", "-1", "--format=%B", "refs/heads/strand/ses_1");
    const [subject = "", blank] = message.split("\n");
    expect(subject).toBe("Add a feature flag module that exports a constant, and make sure it is…");
    expect([...subject].length).toBeLessThanOrEqual(72);
    expect(blank).toBe("");
    expect(message).toContain(prompt);
    expect(message.match(/^Co-authored-by: .*$/gm)).toEqual(["Co-authored-by: Ada Owner <ada@example.com>"]);
    expect(sh(bare, "log", "-1", "--format=%an <%ae>", "refs/heads/strand/ses_1")).toBe(
      "Strand Agent <agent@strand.example>",
    );
    expect(sh(bare, "show", "--name-only", "--format=", "refs/heads/strand/ses_1")).toBe("feature.ts");
  });

  it("answers null when there is nothing to commit or push", async () => {
    const { name } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    expect(await checkpoint({ dir, workspace: ws, prompt: "look around", log })).toBeNull();
  });

  it("leaves agentd's own files out of the commit", async () => {
    const { name, bare } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    mkdirSync(join(dir, ".strand", "agentd"), { recursive: true });
    writeFileSync(join(dir, ".strand", "agentd", "acp-sessions.json"), "{}\n");
    expect(await checkpoint({ dir, workspace: ws, prompt: "nothing", log })).toBeNull();
    writeFileSync(join(dir, "b.txt"), "b\n");
    await checkpoint({ dir, workspace: ws, prompt: "b", log });
    expect(sh(bare, "show", "--name-only", "--format=", "refs/heads/strand/ses_1")).toBe("b.txt");
  });

  it("pushes commits the agent made itself, which credit the owner too", async () => {
    const { name, bare } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    writeFileSync(join(dir, "own.txt"), "own\n");
    sh(dir, "add", "own.txt");
    sh(dir, "commit", "-qm", "The agent's own commit");
    const head = sh(dir, "rev-parse", "HEAD");
    expect(await checkpoint({ dir, workspace: ws, prompt: "commit it yourself", log })).toEqual({
      commit: head,
      pushed: true,
    });
    expect(sh(bare, "rev-parse", "refs/heads/strand/ses_1")).toBe(head);
    expect(sh(bare, "log", "-1", "--format=%B", head)).toBe(
      "The agent's own commit\n\nCo-authored-by: Ada Owner <ada@example.com>",
    );
  });

  it("reports a push the server refuses, and pushes it with the next checkpoint once allowed", async () => {
    const { name, bare } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    const hook = join(bare, "hooks", "pre-receive");
    writeFileSync(hook, "#!/bin/sh\necho 'strand: session ses_1 may only push strand/ses_1 (policy)' >&2\nexit 1\n");
    chmodSync(hook, 0o755);
    writeFileSync(join(dir, "c.txt"), "c\n");
    const refused = await checkpoint({ dir, workspace: ws, prompt: "c", log });
    expect(refused).toMatchObject({ pushed: false, commit: sh(dir, "rev-parse", "HEAD") });
    expect(refused?.error).toContain("strand: session ses_1 may only push strand/ses_1 (policy)");
    expect(refused?.error).toContain("pre-receive hook declined");
    expect(sh(bare, "branch", "--list", "strand/ses_1")).toBe("");

    rmSync(hook);
    const retried = await checkpoint({ dir, workspace: ws, prompt: "d", log });
    expect(retried).toEqual({ commit: refused?.commit, pushed: true });
    expect(sh(bare, "rev-parse", "refs/heads/strand/ses_1")).toBe(refused?.commit);
  });

  it("uses a rotated token file at the next push", async () => {
    const { name, bare } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    const first = token.value;
    try {
      token.value = "strand_sess_second_8e2d07";
      writeFileSync(join(dir, "e.txt"), "e\n");
      // The server moved on but the file did not: the push is refused, proving the check is real.
      const stale = await checkpoint({ dir, workspace: ws, prompt: "e", log });
      expect(stale).toMatchObject({ pushed: false });
      expect(stale?.error).toMatch(/Authentication failed|could not read/);
      writeFileSync(tokenFile, `${token.value}\n`);
      const rotated = await checkpoint({ dir, workspace: ws, prompt: "e again", log });
      expect(rotated).toMatchObject({ pushed: true, commit: stale?.commit });
      expect(sh(bare, "rev-parse", "refs/heads/strand/ses_1")).toBe(stale?.commit);
      expect(readFileSync(join(dir, ".git", "config"), "utf8")).not.toContain(token.value);
    } finally {
      token.value = first;
      writeFileSync(tokenFile, `${first}\n`);
    }
  });

  it("runs one checkpoint at a time", async () => {
    const { name, bare } = hostedRepo();
    const dir = workDir();
    const ws = workspaceFor(name);
    await prepareWorkspace({ dir, tokenFile, workspace: ws, log });
    writeFileSync(join(dir, "f.txt"), "f\n");
    const results = await Promise.all([
      checkpoint({ dir, workspace: ws, prompt: "one", log }),
      checkpoint({ dir, workspace: ws, prompt: "two", log }),
    ]);
    expect(results[0]).toMatchObject({ pushed: true });
    expect(results[1]).toBeNull();
    expect(sh(bare, "rev-list", "--count", "main..refs/heads/strand/ses_1")).toBe("1");
  });
});

describe("pushRefusal", () => {
  it("keeps the server's words and git's verdict, without the noise", () => {
    const stderr =
      "remote: branch is protected        \nremote: ask an admin\nTo http://h/git/p/r.git\n" +
      " ! [remote rejected] HEAD -> b (pre-receive hook declined)\nerror: failed to push some refs to 'http://h/git/p/r.git'\n";
    expect(pushRefusal(stderr)).toBe(
      "branch is protected\nask an admin\n! [remote rejected] HEAD -> b (pre-receive hook declined)",
    );
  });
});
