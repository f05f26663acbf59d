import { type AgentClientMessage, API_PREFIX } from "@strand/protocol";
import WebSocket from "ws";
import type { AgentdConfig } from "./config.js";

export const AGENTD_VERSION = "0.1.0";
const HEARTBEAT_MS = 10_000;
const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 3_000;

type Log = (level: "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;

/**
 * Keeps one WebSocket to the server open for the life of the session: says hello (which marks
 * the session ready), sends heartbeats, and redials with capped backoff when the server restarts.
 */
export class ServerConnection {
  private ws: WebSocket | undefined;
  private backoff = BACKOFF_MIN_MS;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly config: AgentdConfig,
    private readonly log: Log,
  ) {}

  start(): void {
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.ws?.close(1001, "agentd stopping");
  }

  private dial(): void {
    const url = `${this.config.serverUrl.replace(/^http/, "ws")}${API_PREFIX}/agent/connect`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.config.sessionToken}` } });
    this.ws = ws;
    ws.on("open", () => {
      this.backoff = BACKOFF_MIN_MS;
      this.send({
        type: "hello",
        session_id: this.config.sessionId,
        version: AGENTD_VERSION,
        desktop: this.config.desktop,
        display: { width: this.config.width, height: this.config.height },
      });
      this.heartbeat = setInterval(() => this.send({ type: "ping", t: Date.now() }), HEARTBEAT_MS);
      this.log("info", "connected to the server", { url });
    });
    ws.on("message", (data) => {
      try {
        const msg = JSON.parse(data.toString()) as { type: string; message?: string };
        if (msg.type === "error") this.log("warn", "server reported an error", { message: msg.message });
      } catch {
        this.log("warn", "ignored an unreadable message from the server");
      }
    });
    ws.on("unexpected-response", (_req, res) => {
      this.log("error", `server refused the connection: HTTP ${res.statusCode}`);
      ws.terminate();
    });
    ws.on("error", (err) => this.log("warn", "connection error", { err: err.message }));
    ws.on("close", () => {
      clearInterval(this.heartbeat);
      if (this.stopped) return;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      setTimeout(() => this.dial(), wait);
    });
  }

  private send(msg: AgentClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }
}
