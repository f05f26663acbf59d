import type { Logger } from "pino";
import type { Metrics } from "../observability/metrics.js";
import { StreamHub } from "./hub.js";

/** The stream hubs of this replica, one per session that has viewers or a connected agentd. */
export class StreamHubs {
  private readonly hubs = new Map<string, StreamHub>();

  constructor(private readonly deps: { log: Logger; metrics: Metrics }) {}

  hub(sessionId: string): StreamHub {
    let hub = this.hubs.get(sessionId);
    if (!hub) {
      const created: StreamHub = new StreamHub({
        sessionId,
        log: this.deps.log,
        metrics: this.deps.metrics,
        onIdle: () => {
          if (this.hubs.get(sessionId) === created) this.hubs.delete(sessionId);
        },
      });
      hub = created;
      this.hubs.set(sessionId, hub);
    }
    return hub;
  }

  peek(sessionId: string): StreamHub | undefined {
    return this.hubs.get(sessionId);
  }

  get size(): number {
    return this.hubs.size;
  }

  close(): void {
    for (const hub of this.hubs.values()) hub.close();
    this.hubs.clear();
  }
}
