import { sql } from "drizzle-orm";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/database.js";
import { sessions } from "../db/schema.js";

/** One registry per server instance (tests run several in one process). */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
  wsConnections: Gauge<"channel">;
  loginFailures: Counter;
}

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "strand_" });
  const httpDuration = new Histogram({
    name: "strand_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const wsConnections = new Gauge({
    name: "strand_websocket_connections",
    help: "Open WebSocket connections by channel",
    labelNames: ["channel"],
    registers: [registry],
  });
  const loginFailures = new Counter({
    name: "strand_login_failures_total",
    help: "Password logins rejected",
    registers: [registry],
  });
  new Gauge({
    name: "strand_sessions",
    help: "Sessions by state (all users)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = await db
          .select({ state: sessions.state, n: sql<number>`count(*)::int` })
          .from(sessions)
          .groupBy(sessions.state);
        for (const r of rows) this.set({ state: r.state }, r.n);
      } catch {
        // The database being down must not break the scrape; /healthz reports it.
      }
    },
  });
  return { registry, httpDuration, wsConnections, loginFailures };
}
