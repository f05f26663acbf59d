import type {
  DesiredState,
  Desktop,
  EgressPolicy,
  PermissionMode,
  PullRequest,
  Resolution,
  Runtime,
  Session,
  SessionState,
} from "@strand/protocol";
import type { sessions } from "../db/schema.js";
import { microsToUsd } from "../lib/money.js";
import { iso } from "../lib/time.js";

export type SessionRow = typeof sessions.$inferSelect;

/** `pullRequest` comes from its own table (pull-requests/rows.ts); callers that show a session look it up. */
export function toSession(row: SessionRow, pullRequest: PullRequest | null = null): Session {
  return {
    id: row.id,
    owner_id: row.ownerId,
    team_id: row.teamId,
    project_id: row.projectId,
    repo: row.repo,
    branch: row.branch,
    base: row.base,
    pull_request: pullRequest,
    name: row.name,
    desktop: row.desktop as Desktop,
    runtime: row.runtime as Runtime,
    model: row.model,
    egress: row.egress as EgressPolicy,
    trusted: row.trusted,
    resources: { cpus: row.cpus, memory_mb: row.memoryMb, pids: row.pids, disk_mb: row.diskMb },
    permission_mode: row.permissionMode as PermissionMode,
    resolution: row.resolution as Resolution,
    desired_state: row.desiredState as DesiredState,
    state: row.state as SessionState,
    state_reason: row.stateReason,
    node_id: row.nodeId,
    spend_limit_usd: microsToUsd(row.spendLimitMicros),
    spend_usd: microsToUsd(row.spendMicros),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    started_at: iso(row.startedAt),
    stopped_at: iso(row.stoppedAt),
  };
}
