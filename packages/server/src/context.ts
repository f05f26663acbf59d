import type { Logger } from "pino";
import type { ServerConfig } from "./config.js";
import type { Database } from "./db/database.js";
import type { EventBus } from "./events/bus.js";
import type { NodeRegistry } from "./nodes/registry.js";
import type { Metrics } from "./observability/metrics.js";
import type { AgentPresence } from "./sessions/agents.js";
import type { SessionService } from "./sessions/service.js";

/** What route plugins need, handed in explicitly instead of through globals. */
export interface AppContext {
  config: ServerConfig;
  database: Database;
  bus: EventBus;
  sessions: SessionService;
  agents: AgentPresence;
  nodes: NodeRegistry;
  metrics: Metrics;
  log: Logger;
}
