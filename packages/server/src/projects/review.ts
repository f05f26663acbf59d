import type { Changes, MergeResult, MergeStrategyName } from "@strand/protocol";
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { sessions, users } from "../db/schema.js";
import { branchExists, diffChanges, MergeConflictError, mergeBranch, requireCommit } from "../git/index.js";
import { HttpError, notFound } from "../lib/http-error.js";
import { type Actor, assertAccess, personIdOf } from "../policy/policy.js";
import { owned } from "../sessions/owned.js";
import type { ProjectService } from "./service.js";
import { UpstreamSync } from "./upstream-sync.js";

/** A session's branch against its base: what review shows and merge lands. */
export class ReviewService {
  private readonly upstream: UpstreamSync;

  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
  ) {
    this.upstream = new UpstreamSync(projects);
  }

  async changes(actor: Actor, sessionId: string): Promise<Changes> {
    const w = await this.workOf(actor, sessionId, "view");
    if (!(await branchExists(w.path, w.branch))) {
      // Nothing pushed yet: no changes, compared at the base's tip.
      const tip = await requireCommit(w.path, w.base);
      return { base: tip, head: tip, branch: w.branch, base_branch: w.base, files: [] };
    }
    const c = await diffChanges(w.path, w.base, w.branch);
    return { ...c, branch: w.branch, base_branch: w.base };
  }

  async merge(actor: Actor, sessionId: string, strategy?: MergeStrategyName): Promise<MergeResult> {
    const w = await this.workOf(actor, sessionId, "control");
    if (!(await branchExists(w.path, w.branch))) {
      throw new HttpError(409, "nothing_to_merge", `nothing to merge: ${w.branch} has not been pushed yet`);
    }
    const [person] = await this.db
      .select()
      .from(users)
      .where(eq(users.id, personIdOf(actor)));
    const chosen = strategy ?? (w.project.mergeStrategy as MergeStrategyName);
    // With an upstream, the merge lands on top of the upstream's base and then goes there too.
    const repo = await this.projects.repo(w.project, w.repoName).catch(() => undefined);
    const source = repo && this.projects.upstreamSource(repo);
    if (repo && source) await this.upstream.refreshBase(repo, w.path, source, w.base);
    const before = await requireCommit(w.path, `refs/heads/${w.base}`);
    let commit: string;
    try {
      ({ commit } = await mergeBranch(w.path, {
        base: w.base,
        head: w.branch,
        strategy: chosen,
        message: `Merge ${w.branch}: ${w.sessionName}`,
        author: { name: person?.name || person?.email || "Strand", email: person?.email ?? "strand@localhost" },
        expectedBase: before,
      }));
    } catch (err) {
      if (err instanceof MergeConflictError) {
        throw new HttpError(409, "merge_conflict", err.message, { files: err.files });
      }
      throw err;
    }
    if (repo && source) await this.upstream.publishBase(repo, w.path, source, w.base, { before, after: commit });
    return { commit, base_branch: w.base, strategy: chosen };
  }

  /** The session's repo, branch and base, once the actor may `need` it; review threads use it too. */
  async workOf(actor: Actor, sessionId: string, need: "view" | "control") {
    const [s] = await this.db.select().from(sessions).where(eq(sessions.id, sessionId));
    if (!s) throw notFound("session", sessionId);
    assertAccess(actor, owned(s), need, { kind: "session", id: sessionId });
    if (!s.projectId || !s.repo || !s.branch || !s.base) {
      throw new HttpError(
        409,
        "no_workspace",
        `session ${sessionId} is not on a project, so it has no branch to review`,
      );
    }
    // Access was decided on the session: its project is read as the system.
    const project = await this.projects.byId(s.projectId);
    if (!project) throw new HttpError(409, "project_gone", `the project of session ${sessionId} no longer exists`);
    if (!(await this.projects.store.exists(project.slug, s.repo))) {
      throw new HttpError(
        409,
        "repo_gone",
        `repo ${s.repo} of session ${sessionId} was deleted from project ${project.slug}; its work cannot be reviewed or merged`,
      );
    }
    return {
      session: s,
      project,
      path: this.projects.store.pathFor(project.slug, s.repo),
      repoName: s.repo,
      branch: s.branch,
      base: s.base,
      sessionName: s.name,
    };
  }
}
