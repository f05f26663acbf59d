import type { SandboxDriver } from "@strand/protocol";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import type { EventBus } from "../events/bus.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { SessionService } from "../sessions/service.js";

export interface NodeRegistryDeps {
  db: Db;
  sessions: SessionService;
  bus: EventBus;
  log: Logger;
}

export const nodeIdFor = (name: string) => `nod_${name}`;

/**
 * The sandbox nodes this server process drives: the embedded one and any `strand node` that
 * dialled in. Each gets its own scheduler; claims are conditional updates, so they never collide.
 */
export class NodeRegistry {
  private readonly schedulers = new Map<string, Scheduler>();

  constructor(private readonly deps: NodeRegistryDeps) {}

  has(name: string): boolean {
    return this.schedulers.has(nodeIdFor(name));
  }

  async attach(driver: SandboxDriver): Promise<string> {
    const nodeId = nodeIdFor(driver.name);
    if (this.schedulers.has(nodeId)) throw new Error(`a node named ${driver.name} is already connected`);
    const scheduler = new Scheduler({
      ...this.deps,
      log: this.deps.log.child({ component: "scheduler", node: driver.name }),
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
