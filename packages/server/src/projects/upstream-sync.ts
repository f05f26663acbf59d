import type { RepoFetchResult, RepoPushResult } from "@strand/protocol";
import {
  type FetchUpstreamResult,
  fetchUpstream,
  GitCommandError,
  pushUpstream,
  resolveRef,
  runGit,
  UpstreamError,
  type UpstreamSource,
  validateBranchName,
} from "../git/index.js";
import { HttpError } from "../lib/http-error.js";
import type { Actor } from "../policy/policy.js";
import type { ProjectService } from "./service.js";
import type { ProjectRow, RepoRow } from "./to-project.js";

const PUSH_STATUS: Record<string, RepoPushResult["pushed"][number]["status"]> = {
  " ": "updated",
  "+": "forced",
  "-": "deleted",
  "*": "new",
  "=": "up_to_date",
};

const noUpstream = (project: ProjectRow, repo: RepoRow) =>
  new HttpError(
    409,
    "no_upstream",
    `repo ${project.slug}/${repo.name} was not imported from an upstream, so there is nothing to fetch from or push to`,
  );

/**
 * Keeps a hosted repo and the upstream it was imported from in step: on demand (fetch, push) and
 * around a server-side merge, which must land on top of the upstream's base and then reach it.
 */
export class UpstreamSync {
  constructor(private readonly projects: ProjectService) {}

  /** Fetches every branch and tag from the upstream, fast-forwards only (members and up). */
  async fetch(actor: Actor, idOrSlug: string, name: string): Promise<RepoFetchResult> {
    const { project, repo, source } = await this.target(actor, idOrSlug, name);
    const result = await fetchUpstream(this.projects.store.pathFor(project.slug, repo.name), source);
    return {
      updated: result.updated.map((u) => ({ ref: u.ref, old: u.oldSha, new: u.newSha })),
      ahead: result.ahead,
      rejected: result.rejected,
    };
  }

  /** Pushes branches (default: the default branch) to the upstream, never forced (members and up). */
  async push(actor: Actor, idOrSlug: string, name: string, branches?: string[]): Promise<RepoPushResult> {
    const { project, repo, source } = await this.target(actor, idOrSlug, name);
    const path = this.projects.store.pathFor(project.slug, repo.name);
    const wanted = [...new Set(branches ?? [repo.defaultBranch])];
    for (const branch of wanted) {
      await validateBranchName(branch);
      if (!(await resolveRef(path, `refs/heads/${branch}`))) {
        throw new HttpError(404, "not_found", `repo ${project.slug}/${repo.name} has no branch ${branch} to push`);
      }
    }
    const pushed = await pushUpstream(
      path,
      source,
      wanted.map((b) => `refs/heads/${b}:refs/heads/${b}`),
    );
    return {
      pushed: pushed.map((p) => ({ ref: p.ref, status: PUSH_STATUS[p.flag] ?? "updated", summary: p.summary })),
    };
  }

  /**
   * Before a merge into `base`: brings the upstream's `base` in, so the merge lands on top of it. A base
   * that moved on both sides cannot be merged onto safely, and says how to bring them together.
   */
  async refreshBase(repo: RepoRow, path: string, source: UpstreamSource, base: string): Promise<FetchUpstreamResult> {
    const result = await fetchUpstream(path, source);
    const ref = `refs/heads/${base}`;
    if (result.rejected.some((r) => r.ref === ref)) {
      throw new HttpError(
        409,
        "upstream_diverged",
        `${base} of repo ${repo.name} has commits on Strand that the upstream (${source.url}) lacks, and the upstream has ` +
          `commits Strand lacks; bring them together (merge the upstream's ${base} into Strand's in a clone and push it ` +
          "to Strand), then merge again",
      );
    }
    return result;
  }

  /**
   * After a merge: pushes `base` to the upstream. If the upstream refuses (it moved again meanwhile),
   * the merge is undone on Strand, compare-and-swap, so merging again lands on top of the new upstream.
   */
  async publishBase(
    repo: RepoRow,
    path: string,
    source: UpstreamSource,
    base: string,
    merged: { before: string; after: string },
  ): Promise<void> {
    const ref = `refs/heads/${base}`;
    try {
      await pushUpstream(path, source, [`${ref}:${ref}`]);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      const undone = await runGit(
        ["update-ref", "-m", "strand: undo merge the upstream refused", ref, merged.before, merged.after],
        { gitDir: path },
      ).then(
        () => true,
        (e: unknown) => {
          if (e instanceof GitCommandError) return false;
          throw e;
        },
      );
      const what = undone
        ? `the merge was undone on Strand; merge again to land it on top of the upstream's ${base}`
        : `the merge stays on Strand (${base} moved since); push it with \`strand repos push\` once the upstream allows`;
      const status = err.kind === "rejected" ? 409 : err.statusCode;
      throw new HttpError(
        status,
        err.kind === "rejected" ? "upstream_refused" : err.code,
        `merged ${base} of repo ${repo.name}, but pushing it to the upstream failed: ${err.message}; ${what}`,
      );
    }
  }

  private async target(actor: Actor, idOrSlug: string, name: string) {
    const project = await this.projects.row(actor, idOrSlug, "control");
    const repo = await this.projects.repo(project, name);
    const source = this.projects.upstreamSource(repo);
    if (!source) throw noUpstream(project, repo);
    return { project, repo, source };
  }
}
