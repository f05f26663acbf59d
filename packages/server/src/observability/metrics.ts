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
  streamViewers: Gauge;
  streamFramesIn: Counter;
  streamFramesOut: Counter;
  streamBytesOut: Counter;
  streamFramesDropped: Counter;
  streamInputDropped: Counter<"reason">;
  llmCalls: Counter<"api" | "status">;
  llmCost: Counter<"provider">;
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
  const streamViewers = new Gauge({
    name: "strand_stream_viewers",
    help: "Viewers watching a session's desktop on this replica",
    registers: [registry],
  });
  const streamFramesIn = new Counter({
    name: "strand_stream_frames_received_total",
    help: "Video frames received from agentd",
    registers: [registry],
  });
  const streamFramesOut = new Counter({
    name: "strand_stream_frames_sent_total",
    help: "Video frames sent to viewers (live and catch-up)",
    registers: [registry],
  });
  const streamBytesOut = new Counter({
    name: "strand_stream_bytes_sent_total",
    help: "Video bytes sent to viewers",
    registers: [registry],
  });
  const streamFramesDropped = new Counter({
    name: "strand_stream_frames_dropped_total",
    help: "Video frames skipped for viewers that did not keep up",
    registers: [registry],
  });
  const streamInputDropped = new Counter({
    name: "strand_stream_input_dropped_total",
    help: "Viewer input frames dropped, by reason",
    labelNames: ["reason"],
    registers: [registry],
  });
  const llmCalls = new Counter({
    name: "strand_llm_calls_total",
    help: "LLM proxy calls by endpoint and status (ok, http_429, unreachable, spend_limit, …)",
    labelNames: ["api", "status"],
    registers: [registry],
  });
  const llmCost = new Counter({
    name: "strand_llm_cost_usd_total",
    help: "Cost of LLM proxy calls in USD, by provider name",
    labelNames: ["provider"],
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
  return {
    registry,
    httpDuration,
    wsConnections,
    loginFailures,
    streamViewers,
    streamFramesIn,
    streamFramesOut,
    streamBytesOut,
    streamFramesDropped,
    streamInputDropped,
    llmCalls,
    llmCost,
  };
}
