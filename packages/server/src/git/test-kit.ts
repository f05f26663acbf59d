/**
 * Fixtures shared by this folder's tests (real git in temp directories, a real HTTP server). Not used
 * by the library itself.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { type GitHttpGrant, type GitHttpTarget, gitHttpPlugin } from "./fastify-plugin.js";
import type { RepoStore } from "./repo-store.js";
import { runGit } from "./run-git.js";

export const IDENTITY = {
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.test",
  GIT_COMMITTER_NAME: "Test Committer",
  GIT_COMMITTER_EMAIL: "committer@example.test",
};

export async function makeTempDir(prefix = "strand-git-"): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Runs git in a work tree with a fixed identity; returns trimmed stdout. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd, env: IDENTITY })).stdout.trim();
}

/** Like git() but never throws: the exit code and both streams, for asserting on refusals. */
export async function gitResult(cwd: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await runGit(args, { cwd, env: IDENTITY });
    return { ok: true, stdout, stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; exitCode?: number };
    return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "", exitCode: e.exitCode };
  }
}

/** Writes (string or Buffer) or deletes (null) files, commits them all, and returns the commit. */
export async function commitFiles(
  workTree: string,
  files: Record<string, string | Buffer | null>,
  message: string,
): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(workTree, path);
    if (content === null) await rm(full);
    else {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  }
  await git(workTree, "add", "--all");
  await git(workTree, "commit", "--quiet", "--allow-empty", "-m", message);
  return git(workTree, "rev-parse", "HEAD");
}

/** A new non-bare repository on `branch`. */
export async function initWorkTree(path: string, branch = "main"): Promise<string> {
  await mkdir(path, { recursive: true });
  await git(path, "init", "--quiet", `--initial-branch=${branch}`);
  return path;
}

export type Authorize = (req: FastifyRequest, target: GitHttpTarget) => Promise<GitHttpGrant>;

/** Fastify with only the git plugin, listening on 127.0.0.1; `base` ends without a slash. */
export async function startGitServer(
  store: RepoStore,
  authorize: Authorize,
): Promise<{ app: FastifyInstance; base: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(gitHttpPlugin, { store, authorize });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return { app, base: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

/** The user and password of a Basic Authorization header, if any. */
export function basicCredentials(req: FastifyRequest): { user: string; password: string } | null {
  const header = req.headers.authorization;
  if (!header?.startsWith("Basic ")) return null;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}
