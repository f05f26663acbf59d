import {
  type CreateSessionBody,
  canTransition,
  DEFAULT_RESOURCES,
  ErrorCodes,
  type ListSessionsQuery,
  type Session,
  type SessionEventType,
  type SessionList,
  type SessionState,
  type UpdateSessionBody,
} from "@strand/protocol";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { sessions } from "../db/schema.js";
import { recordEvent } from "../events/record.js";
import { HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import { usdToMicros } from "../lib/money.js";
import type { Notifier } from "../notifications/notify.js";
import {
  type Access,
  type Actor,
  accessTo,
  assertAccess,
  assertCanRunTrusted,
  assertCanWorkIn,
  type Owned,
  personIdOf,
  personOf,
} from "../policy/policy.js";
import { sessionScope } from "../policy/scopes.js";
import type { ProjectService } from "../projects/service.js";
import { placeSession } from "../projects/session-placement.js";
import { pullRequestOf, pullRequestsOf } from "../pull-requests/rows.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { owned } from "./owned.js";
import { type SessionRow, toSession } from "./to-session.js";

export const WAITING_FOR_NODE = "Waiting for a sandbox node to start it.";

type Patch = Partial<typeof sessions.$inferInsert>;
type AccessRule = (actor: Actor, thing: Owned) => Access;

/**
 * All session writes go through here: each change is one transaction that updates the row,
 * checks the state machine, and records the event every UI and replica sees.
 */
export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly projects?: ProjectService,
    private readonly notifier?: Notifier,
  ) {}

  async create(actor: Actor, body: CreateSessionBody): Promise<Session> {
    if (body.trusted) assertCanRunTrusted(actor);
    const ownerId = personOf(actor).userId;
    const placement = body.project_id ? await this.place(actor, { ...body, project_id: body.project_id }) : undefined;
    const project = placement?.project;
    const teamId = project ? project.teamId : (body.team_id ?? null);
    if (teamId && !project) assertCanWorkIn(actor, teamId);
    const now = new Date();
    const start = body.start ?? true;
    const resources = {
      ...DEFAULT_RESOURCES,
      ...(placement?.project.cpus ? { cpus: placement.project.cpus } : {}),
      ...(placement?.project.memoryMb ? { memory_mb: placement.project.memoryMb } : {}),
      ...body.resources,
    };
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(sessions)
        .values({
          id: newId("ses"),
          ownerId,
          teamId,
          projectId: project?.id ?? null,
          repo: placement?.repo.name ?? null,
          branch: placement?.branch ?? null,
          base: placement?.base ?? null,
          name: body.name.trim(),
          desktop: body.desktop ?? project?.desktop ?? "xfce",
          runtime: body.runtime ?? project?.runtime ?? "strand-agent",
          model: body.model !== undefined ? body.model : (project?.model ?? null),
          egress: body.egress ?? "allow",
          trusted: body.trusted ?? false,
          permissionMode: body.permission_mode ?? "autonomous",
          resolution: body.resolution ?? "720p",
          cpus: resources.cpus,
          memoryMb: resources.memory_mb,
          pids: resources.pids,
          diskMb: resources.disk_mb,
          spendLimitMicros: usdToMicros(body.spend_limit_usd ?? null),
          desiredState: start ? "running" : "stopped",
          state: start ? "pending" : "stopped",
          stateReason: start ? WAITING_FOR_NODE : null,
          // Set here, not by the database, so timestamps keep the millisecond precision cursors use.
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error("insert into sessions returned no row");
      const session = toSession(row);
      await recordEvent(tx, "session.created", session);
      return session;
    });
  }

  private place(actor: Actor, body: CreateSessionBody & { project_id: string }) {
    if (!this.projects) throw new Error("SessionService was built without projects");
    return placeSession(this.db, this.projects, actor, body);
  }

  async list(actor: Actor, q: ListSessionsQuery): Promise<SessionList> {
    const limit = q.limit;
    const conditions = [sessionScope(actor)];
    if (q.state) conditions.push(eq(sessions.state, q.state));
    if (q.team === "personal") conditions.push(eq(sessions.ownerId, personIdOf(actor)), isNull(sessions.teamId));
    else if (q.team) conditions.push(eq(sessions.teamId, q.team));
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      conditions.push(
        sql`(${sessions.createdAt}, ${sessions.id}) < (${c.createdAt.toISOString()}::timestamptz, ${c.id})`,
      );
    }
    const rows = await this.db
      .select()
      .from(sessions)
      .where(and(...conditions))
      .orderBy(desc(sessions.createdAt), desc(sessions.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const prs = await pullRequestsOf(
      this.db,
      page.filter((r) => r.projectId !== null).map((r) => r.id),
    );
    return {
      items: page.map((r) => toSession(r, prs.get(r.id) ?? null)),
      next_cursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async get(actor: Actor, id: string): Promise<Session> {
    const { session } = await this.find(actor, id);
    return session.project_id ? { ...session, pull_request: await pullRequestOf(this.db, id) } : session;
  }

  /**
   * The session and what the actor may do with it, under `rule` (the desktop has its own, for
   * admins). Answers 404 when they may not even see it.
   */
  async find(actor: Actor, id: string, rule: AccessRule = accessTo): Promise<{ session: Session; access: Access }> {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.id, id));
    if (!row) throw notFound("session", id);
    const access = rule(actor, owned(row));
    assertAccess(actor, owned(row), "view", { kind: "session", id }, access);
    return { session: toSession(row), access };
  }

  /** Any session by id, whoever owns it: for nodes and agents, never for user routes. */
  async getAny(id: string): Promise<Session> {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.id, id));
    if (!row) throw notFound("session", id);
    return toSession(row);
  }

  async update(actor: Actor, id: string, body: UpdateSessionBody): Promise<Session> {
    return this.mutate(actor, id, (row) => {
      const patch: Patch = {};
      if (body.name !== undefined) patch.name = body.name.trim();
      if (body.model !== undefined) patch.model = body.model;
      if (body.egress !== undefined) patch.egress = body.egress;
      if (body.trusted !== undefined && body.trusted !== row.trusted) {
        if (body.trusted) assertCanRunTrusted(actor);
        patch.trusted = body.trusted;
      }
      if (body.permission_mode !== undefined) patch.permissionMode = body.permission_mode;
      if (body.spend_limit_usd !== undefined) patch.spendLimitMicros = usdToMicros(body.spend_limit_usd);
      if (body.resources) {
        patch.cpus = body.resources.cpus ?? row.cpus;
        patch.memoryMb = body.resources.memory_mb ?? row.memoryMb;
        patch.pids = body.resources.pids ?? row.pids;
        const disk = body.resources.disk_mb;
        if (disk !== undefined && disk < row.diskMb && row.startedAt !== null) {
          // Shrinking a filesystem that holds the session's work could lose it: grow only.
          throw new HttpError(
            400,
            ErrorCodes.validationFailed,
            `disk_mb can only grow once a session has started: this one has ${row.diskMb} MiB`,
            [{ path: "resources.disk_mb", message: `must be at least ${row.diskMb}` }],
          );
        }
        patch.diskMb = disk ?? row.diskMb;
      }
      return patch;
    });
  }

  /** Asks for the session to stop. One that never reached a node stops at once. */
  async stop(actor: Actor, id: string): Promise<Session> {
    return this.mutate(actor, id, (row) => {
      if (row.desiredState === "deleted") throw beingDeleted(id);
      const patch: Patch = { desiredState: "stopped" };
      if (row.state === "pending" || row.state === "failed") {
        Object.assign(
          patch,
          stateChange(row, "stopped", row.state === "pending" ? "Stopped before it started." : row.stateReason),
        );
      }
      return patch;
    });
  }

  /** Asks for the session to run. A stopped or failed session goes back to `pending`. */
  async start(actor: Actor, id: string): Promise<Session> {
    return this.mutate(actor, id, (row) => {
      if (row.desiredState === "deleted") throw beingDeleted(id);
      const patch: Patch = { desiredState: "running" };
      if (row.state === "stopped" || row.state === "failed") {
        Object.assign(patch, stateChange(row, "pending", WAITING_FOR_NODE));
      }
      return patch;
    });
  }

  /**
   * Deletes the session. If a node holds its container or volumes, the node tears them down
   * first and the row goes when it reports back; otherwise it goes now.
   * Returns the session and whether it is already gone.
   */
  async remove(actor: Actor, id: string): Promise<{ session: Session; deleted: boolean }> {
    return this.db.transaction(async (tx) => {
      const row = await lockForControl(tx, actor, id);
      if (row.nodeId === null) return { session: await deleteRow(tx, row), deleted: true };
      return { session: await write(tx, row, { desiredState: "deleted" }, "session.updated"), deleted: false };
    });
  }

  /**
   * Moves a session to a new observed state (reported by the node that runs it).
   * Throws 409 `invalid_state_transition` for a move the lifecycle does not allow.
   */
  async transition(id: string, to: SessionState, reason: string | null, nodeId?: string | null): Promise<Session> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(sessions).where(eq(sessions.id, id)).for("update");
      if (!row) throw notFound("session", id);
      const patch: Patch = stateChange(row, to, reason);
      if (nodeId !== undefined) patch.nodeId = nodeId;
      const session = await write(tx, row, patch, "session.updated");
      if (to === "failed" && row.state !== "failed") {
        await this.notifier?.notify(tx, {
          kind: "session.failed",
          title: "Session failed",
          body: `${row.name}: ${reason ?? "no reason given"}`,
          link: `/sessions/${row.id}`,
          projectId: row.projectId,
          taskId: null,
          sessionId: row.id,
          recipients: [row.ownerId],
        });
      }
      return session;
    });
  }

  /**
   * Takes a pending session for a node: pending → starting, only if still pending. Returns
   * undefined when another scheduler (or replica) got there first.
   */
  async claim(id: string, nodeId: string, reason: string): Promise<Session | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(sessions)
        .set({ state: "starting", nodeId, stateReason: reason, updatedAt: new Date() })
        .where(and(eq(sessions.id, id), eq(sessions.state, "pending"), eq(sessions.desiredState, "running")))
        .returning();
      if (!row) return undefined;
      const session = await withPullRequest(tx, row);
      await recordEvent(tx, "session.updated", session);
      return session;
    });
  }

  /**
   * Sets the human-readable reason without changing state (progress, or why it waits), only
   * while the session is still in `whileIn`: a late progress note must not relabel a ready session.
   */
  async explain(id: string, reason: string, whileIn: SessionState): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(sessions).where(eq(sessions.id, id)).for("update");
      if (row && row.state === whileIn) await write(tx, row, { stateReason: reason }, "session.updated");
    });
  }

  /** Removes the row of a session whose node has torn everything down. */
  async finalizeDelete(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(sessions).where(eq(sessions.id, id)).for("update");
      if (row) await deleteRow(tx, row);
    });
  }

  private mutate(actor: Actor, id: string, change: (row: SessionRow) => Patch): Promise<Session> {
    return this.db.transaction(async (tx) => {
      const row = await lockForControl(tx, actor, id);
      return write(tx, row, change(row), "session.updated");
    });
  }
}

async function lockForControl(tx: Db, actor: Actor, id: string): Promise<SessionRow> {
  const [row] = await tx.select().from(sessions).where(eq(sessions.id, id)).for("update");
  if (!row) throw notFound("session", id);
  assertAccess(actor, owned(row), "control", { kind: "session", id });
  return row;
}

async function deleteRow(tx: Db, row: SessionRow): Promise<Session> {
  await tx.delete(sessions).where(eq(sessions.id, row.id));
  const session = toSession({ ...row, desiredState: "deleted", updatedAt: new Date() });
  await recordEvent(tx, "session.deleted", session);
  return session;
}

/** Writes the patch and records an event, unless nothing actually changed. */
async function write(tx: Db, row: SessionRow, patch: Patch, type: SessionEventType): Promise<Session> {
  const changed = Object.entries(patch).some(([k, v]) => !sameValue(row[k as keyof SessionRow], v));
  if (!changed) return withPullRequest(tx, row);
  const [updated] = await tx
    .update(sessions)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(sessions.id, row.id))
    .returning();
  const session = await withPullRequest(tx, updated as SessionRow);
  await recordEvent(tx, type, session);
  return session;
}

/** Events carry the whole session, so a live view keeps showing its pull request across other changes. */
async function withPullRequest(tx: Db, row: SessionRow): Promise<Session> {
  return toSession(row, row.projectId ? await pullRequestOf(tx, row.id) : null);
}

function stateChange(row: SessionRow, to: SessionState, reason: string | null): Patch {
  const from = row.state as SessionState;
  if (!canTransition(from, to)) {
    throw new HttpError(409, ErrorCodes.invalidTransition, `a session cannot go from ${from} to ${to}`, { from, to });
  }
  const patch: Patch = { state: to, stateReason: reason };
  const now = new Date();
  if (to === "ready" && from !== "ready") patch.startedAt = now;
  if (to === "stopped" && from !== "stopped") patch.stoppedAt = now;
  return patch;
}

function beingDeleted(id: string): HttpError {
  return new HttpError(409, ErrorCodes.conflict, `session ${id} is being deleted`);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}
