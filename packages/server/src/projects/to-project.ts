import {
  DEFAULT_WIP_LIMITS,
  type Desktop,
  type MergeStrategyName,
  type Project,
  pathFor,
  type Repo,
  type RepoPullRequestSettings,
  ROUTES,
  type Runtime,
} from "@strand/protocol";
import type { projects, repos } from "../db/schema.js";
import { iso } from "../lib/time.js";
import { repoHost } from "../pull-requests/repo-host.js";

export type ProjectRow = typeof projects.$inferSelect;
export type RepoRow = typeof repos.$inferSelect;

export function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    owner_id: row.ownerId,
    team_id: row.teamId,
    desktop: row.desktop as Desktop | null,
    runtime: row.runtime as Runtime | null,
    model: row.model,
    resources: { cpus: row.cpus, memory_mb: row.memoryMb },
    branch_prefix: row.branchPrefix,
    protected_branches: row.protectedBranches ?? null,
    merge_strategy: row.mergeStrategy as MergeStrategyName,
    checkpoints: row.checkpoints,
    wip_limits: { ...DEFAULT_WIP_LIMITS, ...row.wipLimits },
    created_at: iso(row.createdAt) as string,
    updated_at: iso(row.updatedAt) as string,
  };
}

/** The path git clients use; the API answers with it absolute (the caller's own origin). */
export const gitPath = (projectSlug: string, repoName: string) => `/git/${projectSlug}/${repoName}.git`;

export function toRepo(row: RepoRow, projectSlug: string, origin: string): Repo {
  return {
    id: row.id,
    project_id: row.projectId,
    name: row.name,
    clone_url: `${origin}${gitPath(projectSlug, row.name)}`,
    default_branch: row.defaultBranch,
    upstream_url: row.upstreamUrl,
    pull_requests: pullRequestSettings(row, origin),
    created_at: iso(row.createdAt) as string,
  };
}

function pullRequestSettings(row: RepoRow, origin: string): RepoPullRequestSettings | null {
  const host = repoHost(row);
  if (!host.ok) return null;
  return {
    host_kind: host.upstream.kind,
    api_base: host.upstream.apiBase,
    token_set: row.hostTokenEnc !== null,
    webhook_secret_set: row.webhookSecretEnc !== null,
    webhook_url: `${origin}${pathFor(ROUTES["webhooks.repo"], { repo_id: row.id })}`,
  };
}

/** Branches sessions may not push to: the project's list, or else the repo's default branch. */
export const protectedBranchesOf = (project: ProjectRow, repo: RepoRow): string[] =>
  project.protectedBranches ?? [repo.defaultBranch];
