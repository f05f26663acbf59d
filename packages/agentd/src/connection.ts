import {
  type AgentClientMessage,
  type AgentServerMessage,
  AgentServerMessageSchema,
  API_PREFIX,
} from "@strand/protocol";
import WebSocket from "ws";
import type { AgentdConfig } from "./config.js";
import type { Log } from "./log.js";

export const AGENTD_VERSION = "0.2.0";
const HEARTBEAT_MS = 10_000;
const BACKOFF_MIN_MS = 200;
/** Viewers expect the desktop back within 3 s of a server restart; redial at least this often. */
const BACKOFF_MAX_MS = 1_000;

export interface ConnectionHandlers {
  onMessage?(msg: AgentServerMessage): void;
  onBinary?(data: Uint8Array): void;
  onOpen?(): void;
  onClose?(): void;
}

/**
 * Keeps one WebSocket to the server open for the life of the session: says hello (which marks
 * the session ready), sends heartbeats, carries the stream, and redials with capped backoff when
 * the server restarts.
 */
export class ServerConnection {
  private ws: WebSocket | undefined;
  private backoff = BACKOFF_MIN_MS;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;
  handlers: ConnectionHandlers = {};

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

  send(msg: AgentClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  sendBinary(frame: Uint8Array): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame, { binary: true });
  }

  buffered(): number {
    return this.ws?.bufferedAmount ?? 0;
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
        instance: this.config.instance,
      });
      this.heartbeat = setInterval(() => this.send({ type: "ping", t: Date.now() }), HEARTBEAT_MS);
      this.log("info", "connected to the server", { url });
      this.handlers.onOpen?.();
    });
    ws.on("message", (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) return void this.handlers.onBinary?.(buf);
      let msg: AgentServerMessage;
      try {
        msg = AgentServerMessageSchema.parse(JSON.parse(buf.toString()));
      } catch {
        this.log("warn", "ignored an unreadable message from the server", { text: buf.toString().slice(0, 200) });
        return;
      }
      if (msg.type === "error") this.log("warn", "server reported an error", { message: msg.message });
      this.handlers.onMessage?.(msg);
    });
    ws.on("unexpected-response", (_req, res) => {
      this.log("error", `server refused the connection: HTTP ${res.statusCode}`);
      ws.terminate();
    });
    ws.on("error", (err) => this.log("warn", "connection error", { err: err.message }));
    ws.on("close", () => {
      clearInterval(this.heartbeat);
      if (this.ws === ws) this.handlers.onClose?.();
      if (this.stopped) return;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      setTimeout(() => this.dial(), wait);
    });
  }
}
