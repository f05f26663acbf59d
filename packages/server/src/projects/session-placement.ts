import type { CreateSessionBody } from "@strand/protocol";
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { sessions } from "../db/schema.js";
import { branchExists, isProtectedBranch, validateBranchName } from "../git/index.js";
import { HttpError } from "../lib/http-error.js";
import type { Actor } from "../policy/policy.js";
import { firstFreeSlug, slugify } from "../teams/slug.js";
import type { ProjectService } from "./service.js";
import { type ProjectRow, protectedBranchesOf, type RepoRow } from "./to-project.js";

export interface Placement {
  project: ProjectRow;
  repo: RepoRow;
  base: string;
  branch: string;
}

const invalid = (path: string, message: string) =>
  new HttpError(400, "validation_failed", `${path}: ${message}`, [{ path: `body.${path}`, message }]);

/**
 * Where a new session on a project works: the repo (default its first), the base (default the
 * repo's default branch, which must exist) and its own branch (default prefix + session name,
 * numbered when another session of the repo has it), never a protected one.
 */
export async function placeSession(
  db: Db,
  projects: ProjectService,
  actor: Actor,
  body: CreateSessionBody & { project_id: string },
): Promise<Placement> {
  const project = await projects.row(actor, body.project_id, "control");
  const all = await projects.repos(project);
  const repo = body.repo ? all.find((r) => r.name === body.repo) : all[0];
  if (!repo) {
    throw body.repo
      ? invalid(
          "repo",
          `project ${project.slug} has no repo ${body.repo}; it has: ${all.map((r) => r.name).join(", ") || "none"}`,
        )
      : invalid(
          "project_id",
          `project ${project.slug} has no repos yet; create or import one first (strand repos create)`,
        );
  }
  const path = projects.store.pathFor(project.slug, repo.name);
  const base = body.base ?? repo.defaultBranch;
  if (!(await branchExists(path, base))) {
    throw invalid(
      "base",
      base === repo.defaultBranch
        ? `repo ${repo.name} is empty: push a first commit to ${base} before starting a session on it`
        : `repo ${repo.name} has no branch ${base}`,
    );
  }
  let branch: string;
  if (body.branch) {
    branch = body.branch.trim();
    try {
      await validateBranchName(branch);
    } catch (err) {
      throw invalid("branch", (err as Error).message);
    }
  } else {
    const wanted = `${project.branchPrefix}${slugify(body.name, "session")}`;
    const used = await db
      .select({ branch: sessions.branch })
      .from(sessions)
      .where(and(eq(sessions.projectId, project.id), eq(sessions.repo, repo.name)));
    branch = firstFreeSlug(wanted, new Set(used.map((u) => u.branch ?? "")));
  }
  if (isProtectedBranch(branch, protectedBranchesOf(project, repo))) {
    throw invalid(
      "branch",
      `${branch} is protected in project ${project.slug}; a session works on a branch of its own`,
    );
  }
  return { project, repo, base, branch };
}
