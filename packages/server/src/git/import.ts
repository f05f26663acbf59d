import { rm } from "node:fs/promises";
import { defaultBranch, isAncestor } from "./inspect.js";
import { configureHostedRepo, RepoExistsError, type RepoStore } from "./repo-store.js";
import { GitCommandError, runGit } from "./run-git.js";
import {
  type CheckedUpstream,
  checkUpstreamUrl,
  UpstreamError,
  type UpstreamFailure,
  type UpstreamSource,
} from "./upstream-url.js";

/** Importing a repository failed; nothing was left on disk. */
export class ImportError extends UpstreamError {}

export interface UpstreamOptions {
  /** Kills git after this long (default 10 minutes). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const USERNAME_VAR = "STRAND_UPSTREAM_USERNAME";
const PASSWORD_VAR = "STRAND_UPSTREAM_PASSWORD";

// Answers git's credential requests from this child's environment, so the secret exists only in the
// memory of the processes using it: never in a config file, a URL or an argument list.
const ENV_CREDENTIAL_HELPER =
  `!f() { test "$1" = get || exit 0; ` +
  `printf 'username=%s\\npassword=%s\\n' "$${USERNAME_VAR}" "$${PASSWORD_VAR}"; }; f`;

/** The `git -c …` arguments and environment that make git use these credentials and no others. */
function credentialSetup(upstream: CheckedUpstream): { args: string[]; env: Record<string, string> } {
  // An empty helper first clears any helper git might otherwise find.
  const args = ["-c", "credential.helper="];
  const env: Record<string, string> = {
    // Only network transports, also for anything git is redirected to.
    GIT_ALLOW_PROTOCOL: "http:https:ssh:git",
    // ssh must fail rather than wait for someone to type a passphrase or confirm a host key.
    GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
  };
  if (upstream.transport === "http" && (upstream.username !== undefined || upstream.password !== undefined)) {
    args.push("-c", `credential.helper=${ENV_CREDENTIAL_HELPER}`);
    env[USERNAME_VAR] = upstream.username ?? "git";
    env[PASSWORD_VAR] = upstream.password ?? "";
  }
  return { args, env };
}

const REASONS: Record<Exclude<UpstreamFailure, "url_refused" | "rejected">, string> = {
  authentication_failed: "authentication failed (check the username and the password or token)",
  not_found: "repository not found (check the URL; a private repository also looks like this without access)",
  unreachable: "the host is unreachable or refused the connection",
  timeout: "timed out",
  failed: "git failed",
};

/** Sorts a failed git network command into what the user should fix. */
export function classifyGitFailure(stderr: string, timedOut: boolean): Exclude<UpstreamFailure, "url_refused"> {
  if (timedOut || /timed out|Operation too slow/i.test(stderr)) return "timeout";
  if (
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled|Access denied|Permission denied \(|Invalid username or password|returned error: 40[13]\b/i.test(
      stderr,
    )
  ) {
    return "authentication_failed";
  }
  if (
    /not found|does not appear to be a git repository|does not exist|returned error: 404\b|No such repository/i.test(
      stderr,
    )
  ) {
    return "not_found";
  }
  if (
    /Could not resolve host|Failed to connect|Connection refused|Couldn't connect|No route to host|Network is unreachable|Name or service not known|Connection reset|unable to connect|Could not read from remote repository/i.test(
      stderr,
    )
  ) {
    return "unreachable";
  }
  return "failed";
}

function upstreamFailure(
  ErrorClass: typeof UpstreamError,
  doing: string,
  upstream: CheckedUpstream,
  err: unknown,
  timeoutMs: number,
): unknown {
  if (!(err instanceof GitCommandError)) return err;
  const kind = classifyGitFailure(err.stderr, err.timedOut);
  const reason =
    kind === "timeout"
      ? `timed out${err.timedOut ? ` after ${Math.round(timeoutMs / 1000)} s` : ""}`
      : REASONS[kind as keyof typeof REASONS];
  const said = err.lastStderrLine;
  return new ErrorClass(
    kind,
    upstream.url,
    `${doing} ${upstream.url}: ${reason}${said ? ` (git: ${said})` : ""}`,
    said || undefined,
  );
}

export interface ImportResult {
  path: string;
  defaultBranch: string;
}

/**
 * Copies an upstream repository (every branch and tag) into the store as a new hosted repository.
 * It is cloned beside its final place and renamed in only when complete, so a failure leaves nothing.
 */
export async function importRepo(
  store: RepoStore,
  projectSlug: string,
  repoName: string,
  source: UpstreamSource,
  opts: UpstreamOptions = {},
): Promise<ImportResult> {
  let upstream: CheckedUpstream;
  try {
    upstream = checkUpstreamUrl(source);
  } catch (err) {
    if (err instanceof UpstreamError) throw new ImportError(err.kind, err.url, err.message);
    throw err;
  }
  store.pathFor(projectSlug, repoName);
  if (await store.exists(projectSlug, repoName)) throw new RepoExistsError(projectSlug, repoName);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const temp = await store.tempPathBeside(projectSlug, repoName, "import");
  try {
    const { args, env } = credentialSetup(upstream);
    try {
      await runGit([...args, "clone", "--mirror", "--quiet", "--", upstream.url, temp], { env, timeoutMs });
    } catch (err) {
      throw upstreamFailure(ImportError, "could not import", upstream, err, timeoutMs);
    }
    await keepUpstreamSafely(temp, upstream.url);
    await configureHostedRepo(temp);
    const branch = await defaultBranch(temp);
    const path = await store.publish(temp, projectSlug, repoName);
    return { path, defaultBranch: branch };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * A mirror clone's `origin` would push with --mirror (deleting upstream branches Strand lacks) and fetch
 * with force (overwriting merges not yet upstream). Keep only the URL, plainly, and under strand.upstream.
 */
async function keepUpstreamSafely(gitDir: string, url: string): Promise<void> {
  await runGit(["config", "remote.origin.url", url], { gitDir });
  await runGit(["config", "--unset-all", "remote.origin.mirror"], { gitDir }).catch(() => {});
  await runGit(["config", "--replace-all", "remote.origin.fetch", "refs/heads/*:refs/heads/*"], { gitDir });
  await runGit(["config", "strand.upstream", url], { gitDir });
}

/** The upstream URL recorded at import, or null for a repository created empty. */
export async function storedUpstream(repoPath: string): Promise<string | null> {
  try {
    return (await runGit(["config", "--get", "strand.upstream"], { gitDir: repoPath })).stdout.trim() || null;
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 1) return null;
    throw err;
  }
}

export interface UpstreamRefChange {
  ref: string;
  /** Null when the ref is new here. */
  oldSha: string | null;
  newSha: string;
}

export interface FetchUpstreamResult {
  /** Refs created or fast-forwarded to upstream's commit. */
  updated: UpstreamRefChange[];
  /** Branches where Strand has commits upstream lacks and upstream none Strand lacks: a push brings it up. */
  ahead: string[];
  /** Refs left alone because upstream's commit does not descend from ours (history diverged). */
  rejected: { ref: string; reason: string }[];
}

const STAGING = "refs/strand/upstream/";

/**
 * Brings every upstream branch and tag in, but only as fast-forwards: a branch where Strand has work
 * upstream lacks (a merge not pushed yet) is reported as ahead, one where both sides have work as
 * rejected; neither is overwritten. Branches deleted upstream stay.
 */
export async function fetchUpstream(
  repoPath: string,
  source: UpstreamSource,
  opts: UpstreamOptions = {},
): Promise<FetchUpstreamResult> {
  const upstream = checkUpstreamUrl(source);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { args, env } = credentialSetup(upstream);
  const gitDir = repoPath;
  try {
    // Staged under a hidden namespace first, so each ref can then be moved with a compare-and-swap.
    await deleteRefsUnder(gitDir, STAGING);
    try {
      await runGit(
        [
          ...args,
          "fetch",
          "--quiet",
          "--no-tags",
          "--",
          upstream.url,
          `+refs/heads/*:${STAGING}heads/*`,
          `+refs/tags/*:${STAGING}tags/*`,
        ],
        { gitDir, env, timeoutMs },
      );
    } catch (err) {
      throw upstreamFailure(UpstreamError, "could not fetch from", upstream, err, timeoutMs);
    }
    const staged = await refsUnder(gitDir, STAGING);
    const local = new Map([...(await refsUnder(gitDir, "refs/heads/")), ...(await refsUnder(gitDir, "refs/tags/"))]);
    const result: FetchUpstreamResult = { updated: [], ahead: [], rejected: [] };
    for (const [stagedRef, newSha] of staged) {
      const ref = `refs/${stagedRef.slice(STAGING.length)}`;
      const oldSha = local.get(ref) ?? null;
      if (oldSha === newSha) continue;
      if (oldSha !== null) {
        const isTag = ref.startsWith("refs/tags/");
        const forward = !isTag && (await isAncestor(gitDir, oldSha, newSha));
        if (!forward && !isTag && (await isAncestor(gitDir, newSha, oldSha))) {
          result.ahead.push(ref);
          continue;
        }
        if (!forward) {
          result.rejected.push({
            ref,
            reason: isTag
              ? "the tag points elsewhere upstream; tags are never moved"
              : "upstream and Strand have diverged; merge or push before refreshing this branch",
          });
          continue;
        }
      }
      try {
        await runGit(
          ["update-ref", "-m", `strand: fetch from ${upstream.url}`, ref, newSha, oldSha ?? "0".repeat(newSha.length)],
          { gitDir },
        );
        result.updated.push({ ref, oldSha, newSha });
      } catch (err) {
        if (!(err instanceof GitCommandError)) throw err;
        result.rejected.push({ ref, reason: "it changed here during the refresh; refresh again" });
      }
    }
    return result;
  } finally {
    await deleteRefsUnder(gitDir, STAGING);
  }
}

export interface PushedRef {
  /** Where it went upstream, e.g. `refs/heads/main`. */
  ref: string;
  /** git's porcelain flag: ' ' fast-forward, '+' forced, '-' deleted, '*' new, '=' up to date. */
  flag: string;
  summary: string;
}

/** Pushes refspecs (e.g. `refs/heads/main:refs/heads/main`) to the upstream; any rejection throws. */
export async function pushUpstream(
  repoPath: string,
  source: UpstreamSource,
  refspecs: string[],
  opts: UpstreamOptions = {},
): Promise<PushedRef[]> {
  const upstream = checkUpstreamUrl(source);
  if (refspecs.length === 0) throw new UpstreamError("failed", upstream.url, "nothing to push: no refspecs given");
  for (const spec of refspecs) {
    if (!spec || spec.startsWith("-") || /[\s\0]/.test(spec)) {
      throw new UpstreamError("failed", upstream.url, `refspec ${JSON.stringify(spec)} is not valid`);
    }
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { args, env } = credentialSetup(upstream);
  let stdout: string;
  try {
    ({ stdout } = await runGit([...args, "push", "--porcelain", "--", upstream.url, ...refspecs], {
      gitDir: repoPath,
      env,
      timeoutMs,
    }));
  } catch (err) {
    if (err instanceof GitCommandError) {
      const refused = parsePorcelain(err.stdout).filter((r) => r.flag === "!");
      if (refused.length > 0) {
        const list = refused.map((r) => `${r.ref} (${r.summary})`).join(", ");
        throw new UpstreamError(
          "rejected",
          upstream.url,
          `${upstream.url} refused ${list}; fetch from upstream and merge first`,
          err.lastStderrLine || undefined,
        );
      }
    }
    throw upstreamFailure(UpstreamError, "could not push to", upstream, err, timeoutMs);
  }
  return parsePorcelain(stdout);
}

function parsePorcelain(stdout: string): PushedRef[] {
  const pushed: PushedRef[] = [];
  for (const line of stdout.split("\n")) {
    const match = /^(.)\t([^\t]*)\t(.*)$/.exec(line);
    if (!match) continue;
    const [, flag = "", spec = "", summary = ""] = match;
    pushed.push({ flag, ref: spec.slice(spec.lastIndexOf(":") + 1), summary });
  }
  return pushed;
}

async function refsUnder(gitDir: string, prefix: string): Promise<Map<string, string>> {
  const { stdout } = await runGit(["for-each-ref", "--format=%(refname) %(objectname)", prefix], { gitDir });
  const refs = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const [ref, sha] = line.split(" ");
    if (ref && sha) refs.set(ref, sha);
  }
  return refs;
}

async function deleteRefsUnder(gitDir: string, prefix: string): Promise<void> {
  const refs = await refsUnder(gitDir, prefix);
  if (refs.size === 0) return;
  const input = [...refs.keys()].map((ref) => `delete ${ref}\n`).join("");
  await runGit(["update-ref", "--stdin"], { gitDir, input });
}
