import type { SandboxDriver } from "@strand/protocol";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import type { EventBus } from "../events/bus.js";
import { type DiskReserve, Scheduler } from "../scheduler/scheduler.js";
import type { SessionService } from "../sessions/service.js";

export interface NodeRegistryDeps {
  db: Db;
  sessions: SessionService;
  bus: EventBus;
  log: Logger;
  /** The free-space reserve: below it on the data dir or a node's disk, new sessions wait. */
  disk: DiskReserve;
}

/** The database id of the node whose identity (SandboxDriver.id) is `nodeId`. */
export const nodeIdFor = (nodeId: string) => `nod_${nodeId}`;

/**
 * The sandbox nodes this server process drives: the embedded one and any `strand node` that
 * dialled in. Each gets its own scheduler; claims are conditional updates, so they never collide.
 */
export class NodeRegistry {
  private readonly schedulers = new Map<string, Scheduler>();

  constructor(private readonly deps: NodeRegistryDeps) {}

  /** Whether the node with this identity is connected to this server. */
  has(id: string): boolean {
    return this.schedulers.has(nodeIdFor(id));
  }

  async attach(driver: SandboxDriver): Promise<string> {
    const nodeId = nodeIdFor(driver.id);
    if (this.schedulers.has(nodeId)) {
      throw new Error(`node ${driver.id} (${driver.name}) is already connected`);
    }
    const scheduler = new Scheduler({
      ...this.deps,
      log: this.deps.log.child({ component: "scheduler", node: driver.name, nodeId: driver.id }),
      driver,
      nodeId,
    });
    this.schedulers.set(nodeId, scheduler);
    try {
      await scheduler.start();
    } catch (err) {
      this.schedulers.delete(nodeId);
      throw err;
    }
    this.deps.log.info({ node: driver.name, maxSessions: driver.maxSessions }, "sandbox node online");
    return nodeId;
  }

  async detach(nodeId: string): Promise<void> {
    const scheduler = this.schedulers.get(nodeId);
    if (!scheduler) return;
    this.schedulers.delete(nodeId);
    await scheduler.stop();
    this.deps.log.info({ node: nodeId }, "sandbox node offline");
  }

  /** agentd said hello: whichever scheduler started that session stops waiting for it. */
  agentConnected(sessionId: string): void {
    for (const s of this.schedulers.values()) s.agentConnected(sessionId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.schedulers.keys()].map((id) => this.detach(id)));
  }
}
