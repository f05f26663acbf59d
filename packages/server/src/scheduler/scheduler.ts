import { statfs } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { DISK_WAIT_REASON, type SandboxDriver, type Session } from "@strand/protocol";
import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { issueApiToken, revokeSessionTokens } from "../auth/api-tokens.js";
import type { Db } from "../db/database.js";
import { nodes, sessions } from "../db/schema.js";
import type { EventBus } from "../events/bus.js";
import type { SessionService } from "../sessions/service.js";
import { toSession } from "../sessions/to-session.js";

const TICK_MS = 2_000;
const STOP_WAIT_MS = 8_000;
/** How long a desktop may take from container start to agentd saying hello. */
export const READY_TIMEOUT_MS = 90_000;

export interface DiskReserve {
  /** The server's data dir (embedded database, secret): it must not fill up either. */
  dataDir: string;
  /** STRAND_MIN_FREE_DISK_MB; 0 turns the check off. */
  minFreeMb: number;
}

export interface SchedulerOptions {
  db: Db;
  sessions: SessionService;
  bus: EventBus;
  log: Logger;
  driver: SandboxDriver;
  nodeId: string;
  disk: DiskReserve;
}

const MiB = 1024 * 1024;
const gib = (mb: number) => `${(mb / 1024).toFixed(1)} GiB`;

/**
 * Drives sessions on this server's embedded node toward their desired state: starts pending ones,
 * stops and deletes what users asked for, and fails a start that never becomes ready.
 * A claim is a conditional update, so replicas sharing a database never start a session twice.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Set<string>();
  /** Starts, stops and deletes under way: shutdown waits for them, or a start could land after it. */
  private readonly inflight = new Set<Promise<void>>();
  private readonly readyTimers = new Map<string, NodeJS.Timeout>();
  private readonly startFinishedAt = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private passing = false;
  private observing = false;
  private reconciled = false;
  private again = false;

  constructor(private readonly o: SchedulerOptions) {}

  async start(): Promise<void> {
    const { db, driver, nodeId } = this.o;
    const facts = {
      name: driver.name,
      status: "online",
      maxSessions: driver.maxSessions,
      lastHeartbeatAt: new Date(),
      diskLimits: driver.diskLimits.mode,
      diskNote: driver.diskLimits.note ?? null,
      diskFreeMb: (await driver.diskFree?.())?.freeMb ?? null,
    };
    await db
      .insert(nodes)
      .values({ id: nodeId, ...facts })
      .onConflictDoUpdate({ target: nodes.id, set: facts });
    await this.reconcile();
    this.unsubscribe = this.o.bus.subscribe(() => this.kick());
    this.timer = setInterval(() => {
      this.heartbeat();
      if (!this.reconciled) void this.reconcile();
      this.kick();
      void this.observe();
    }, TICK_MS);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    // A node call cut off mid-way is resumed by the next process, but one still running after
    // shutdown would create a container nobody watches.
    await Promise.race([Promise.allSettled([...this.inflight]), sleep(STOP_WAIT_MS, undefined, { ref: false })]);
    for (const t of this.readyTimers.values()) clearTimeout(t);
    await this.o.db
      .update(nodes)
      .set({ status: "offline" })
      .where(eq(nodes.id, this.o.nodeId))
      .catch(() => {});
  }

  /** Called by the agent route when agentd says hello. */
  agentConnected(sessionId: string): void {
    clearTimeout(this.readyTimers.get(sessionId));
    this.readyTimers.delete(sessionId);
  }

  /**
   * Runs a pass now, or right after the one in flight: a burst of events costs at most two
   * passes, not one query per event.
   */
  private kick(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = true;
    this.tick()
      .catch((err) => this.o.log.warn({ err }, "scheduler pass failed; retrying"))
      .finally(() => {
        this.passing = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /**
   * After a crash the host may hold containers, networks or volumes of sessions the database no
   * longer has (deleted meanwhile, or never committed): remove them. Sessions it has are adopted
   * as they are; the normal passes drive them on.
   */
  private async reconcile(): Promise<void> {
    try {
      await this.reconcileOnce();
      this.reconciled = true;
    } catch (err) {
      // Docker may be down right now: keep serving, and try again on the next pass.
      this.o.log.warn({ err: (err as Error).message }, "could not reconcile with the node yet");
    }
  }

  private async reconcileOnce(): Promise<void> {
    const rows = await this.o.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.nodeId, this.o.nodeId));
    // A session being claimed right now has no node id yet but may already have objects: keep pending ones too.
    const pending = await this.o.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.state, "pending"));
    const keep = new Set([...rows, ...pending].map((r) => r.id));
    const removed = await this.o.driver.reconcile(keep);
    if (removed.length > 0) this.o.log.info({ removed }, "reconciled: removed leftovers of unknown sessions");
  }

  /**
   * Compares what the database believes runs here with what does: a desktop that died (exited,
   * OOM-killed, removed by hand) fails its session with the reason, instead of staying "ready".
   */
  private async observe(): Promise<void> {
    if (this.stopped || this.observing) return;
    this.observing = true;
    try {
      const live = await this.o.db
        .select()
        .from(sessions)
        .where(
          and(
            eq(sessions.nodeId, this.o.nodeId),
            eq(sessions.desiredState, "running"),
            inArray(sessions.state, ["starting", "ready"]),
          ),
        );
      if (live.length === 0) return;
      const lookedAt = Date.now();
      const observed = new Map((await this.o.driver.list()).map((st) => [st.id, st]));
      for (const row of live) {
        // Skip what a start touched during the look: the look may predate the container running.
        // A start from before a restart is resumed by the normal pass, not failed here.
        if (
          this.busy.has(row.id) ||
          (this.startFinishedAt.get(row.id) ?? 0) >= lookedAt ||
          (row.state === "starting" && !this.readyTimers.has(row.id))
        ) {
          continue;
        }
        const st = observed.get(row.id);
        if (st?.running) continue;
        const now = await this.o.sessions.getAny(row.id).catch(() => undefined);
        if (now?.desired_state !== "running" || (now.state !== "starting" && now.state !== "ready")) continue;
        this.agentConnected(row.id);
        await revokeSessionTokens(this.o.db, row.id);
        const reason = st ? st.reason : "The desktop container is gone (removed outside Strand).";
        await this.o.sessions.transition(row.id, "failed", reason ?? "The desktop stopped.").catch(() => {});
      }
    } catch (err) {
      this.o.log.warn({ err }, "could not compare sessions with the node");
    } finally {
      this.observing = false;
    }
  }

  private heartbeat(): void {
    void (async () => {
      const disk = await this.o.driver.diskFree?.();
      await this.o.db
        .update(nodes)
        .set({ lastHeartbeatAt: new Date(), status: "online", ...(disk ? { diskFreeMb: disk.freeMb } : {}) })
        .where(eq(nodes.id, this.o.nodeId));
    })().catch((err) => this.o.log.warn({ err }, "node heartbeat failed"));
  }

  /**
   * Why a new session must wait for disk space, or undefined when there is enough: below the
   * reserve on the server's data dir or on the node's disks, one more desktop could take the
   * database (or every running session) down with it.
   */
  private async diskShortage(): Promise<string | undefined> {
    const { minFreeMb, dataDir } = this.o.disk;
    if (minFreeMb <= 0) return undefined;
    const tail = `Strand keeps ${gib(minFreeMb)} free (STRAND_MIN_FREE_DISK_MB); free some space or delete sessions you no longer need.`;
    const data = await statfs(dataDir).catch(() => undefined);
    const dataFree = data ? Math.floor((data.bavail * data.bsize) / MiB) : undefined;
    if (dataFree !== undefined && dataFree < minFreeMb) {
      return `${DISK_WAIT_REASON}: the server's data dir (${dataDir}) has ${gib(dataFree)} free. ${tail}`;
    }
    const node = await this.o.driver.diskFree?.();
    if (node && node.freeMb < minFreeMb) {
      return `${DISK_WAIT_REASON}: node ${this.o.driver.name} has ${gib(node.freeMb)} free on ${node.path}. ${tail}`;
    }
    return undefined;
  }

  private async tick(): Promise<void> {
    const { db, nodeId } = this.o;
    const rows = await db
      .select()
      .from(sessions)
      .where(
        or(
          and(eq(sessions.desiredState, "running"), eq(sessions.state, "pending")),
          and(
            eq(sessions.nodeId, nodeId),
            or(
              eq(sessions.desiredState, "deleted"),
              and(eq(sessions.desiredState, "stopped"), inArray(sessions.state, ["starting", "ready", "stopping"])),
              and(eq(sessions.desiredState, "running"), eq(sessions.state, "starting")),
            ),
          ),
        ),
      )
      .limit(50);
    for (const row of rows) {
      const s = toSession(row);
      if (this.busy.has(s.id)) continue;
      this.busy.add(s.id);
      const work = this.handle(s)
        .catch((err) => this.o.log.warn({ err, session: s.id }, "could not drive session"))
        .finally(() => {
          this.busy.delete(s.id);
          this.inflight.delete(work);
        });
      this.inflight.add(work);
    }
  }

  private async handle(s: Session): Promise<void> {
    if (s.desired_state === "running" && s.state === "pending") return this.startSession(s);
    if (s.desired_state === "running" && s.state === "starting" && !this.readyTimers.has(s.id)) {
      // A start from before a restart: make sure the container runs, and watch for agentd again.
      return this.startSession(s, true);
    }
    if (s.desired_state !== "running" && (s.state === "starting" || s.state === "ready" || s.state === "stopping")) {
      await this.stopSession(s);
    }
    if (s.desired_state === "deleted") await this.deleteSession(s.id);
  }

  private async startSession(s: Session, resumed = false): Promise<void> {
    const { driver, nodeId, sessions: svc, db } = this.o;
    if (!resumed) {
      const [{ n } = { n: 0 }] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(sessions)
        .where(and(eq(sessions.nodeId, nodeId), inArray(sessions.state, ["starting", "ready", "stopping"])));
      const reason =
        n >= driver.maxSessions
          ? `Waiting for room: node ${driver.name} runs its maximum of ${driver.maxSessions} sessions.`
          : await this.diskShortage();
      if (reason) {
        if (s.state_reason !== reason) await svc.explain(s.id, reason, "pending");
        return;
      }
      if (!(await svc.claim(s.id, nodeId, "Creating the desktop container."))) return;
    }
    const token = await issueApiToken(db, { userId: s.owner_id, name: `session ${s.id}`, sessionId: s.id });
    this.readyTimers.set(
      s.id,
      setTimeout(() => void this.failUnready(s.id), READY_TIMEOUT_MS),
    );
    // Progress notes are written in order, and before this start is considered done.
    let notes = Promise.resolve();
    const note = (step: string) => {
      notes = notes.then(() => svc.explain(s.id, progressText(step), "starting")).catch(() => {});
    };
    try {
      await driver.start(
        {
          id: s.id,
          desktop: s.desktop,
          resources: s.resources,
          egress: s.egress,
          trusted: s.trusted,
          sessionToken: token.token,
          runtime: s.runtime,
          model: s.model,
          permissionMode: s.permission_mode,
          resolution: s.resolution,
        },
        note,
      );
      this.startFinishedAt.set(s.id, Date.now());
      await notes;
    } catch (err) {
      await notes;
      this.agentConnected(s.id);
      await revokeSessionTokens(db, s.id);
      await svc.transition(s.id, "failed", (err as Error).message).catch(() => {});
    }
  }

  private async failUnready(sessionId: string): Promise<void> {
    this.readyTimers.delete(sessionId);
    const [row] = await this.o.db.select().from(sessions).where(eq(sessions.id, sessionId));
    if (row?.state !== "starting") return;
    const logs = (await this.o.driver.logs?.(sessionId)) ?? "";
    const tail = logs.trim().split("\n").slice(-3).join(" | ");
    await this.o.sessions
      .transition(
        sessionId,
        "failed",
        `The desktop did not become ready within ${READY_TIMEOUT_MS / 1000} s${tail ? `; last output: ${tail}` : ""}.`,
      )
      .catch(() => {});
    await this.o.driver.stop(sessionId).catch(() => {});
  }

  private async stopSession(s: Session): Promise<void> {
    const { driver, sessions: svc, db } = this.o;
    this.agentConnected(s.id);
    if (s.state !== "stopping") await svc.transition(s.id, "stopping", "Stopping the desktop.");
    try {
      await driver.stop(s.id);
      await revokeSessionTokens(db, s.id);
      await svc.transition(s.id, "stopped", null);
    } catch (err) {
      await svc.transition(s.id, "failed", `Stopping failed: ${(err as Error).message}`).catch(() => {});
    }
  }

  private async deleteSession(id: string): Promise<void> {
    await this.o.driver.remove(id);
    await revokeSessionTokens(this.o.db, id);
    await this.o.sessions.finalizeDelete(id);
  }
}

function progressText(step: string): string {
  switch (step) {
    case "network":
      return "Creating the session network.";
    case "volumes":
      return "Creating the workspace volumes.";
    case "container":
      return "Creating the desktop container.";
    case "desktop":
      return "Starting the desktop; waiting for the agent daemon to connect.";
    default:
      return step;
  }
}
