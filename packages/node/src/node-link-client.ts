import {
  API_PREFIX,
  NODE_HEARTBEAT_MS,
  type NodeToServer,
  type ServerToNode,
  ServerToNodeSchema,
  type SessionSpec,
} from "@strand/protocol";
import type { Logger } from "pino";
import WebSocket from "ws";
import type { DockerSandboxDriver } from "./docker-driver.js";

export const NODE_VERSION = "0.1.0";
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export interface NodeLinkOptions {
  serverUrl: string;
  token: string;
  driver: DockerSandboxDriver;
  log: Logger;
}

/**
 * `strand node`'s side of the link: dials the server, says who it is and how many sessions it
 * takes, answers the server's calls with the local Docker driver, sends heartbeats, and redials
 * with backoff when the server goes away. Desktops keep running meanwhile.
 */
export class NodeLinkClient {
  private ws: WebSocket | undefined;
  private backoff = BACKOFF_MIN_MS;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Resolves the first time the server welcomes this node. */
  readonly welcomed: Promise<string>;
  private onWelcome: ((nodeId: string) => void) | undefined;

  constructor(private readonly o: NodeLinkOptions) {
    this.welcomed = new Promise((resolve) => {
      this.onWelcome = resolve;
    });
  }

  start(): void {
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.ws?.close(1001, "node stopping");
  }

  private dial(): void {
    const url = `${this.o.serverUrl.replace(/\/+$/, "").replace(/^http/, "ws")}${API_PREFIX}/nodes/connect`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.o.token}` } });
    this.ws = ws;
    ws.on("open", () => {
      this.backoff = BACKOFF_MIN_MS;
      const { driver } = this.o;
      this.send({
        type: "hello",
        name: driver.name,
        node_id: driver.id,
        max_sessions: driver.maxSessions,
        version: NODE_VERSION,
        disk_limits: driver.diskLimits.mode,
        ...(driver.diskLimits.note ? { disk_note: driver.diskLimits.note.slice(0, 500) } : {}),
      });
      this.heartbeat = setInterval(() => void this.beat(), NODE_HEARTBEAT_MS);
    });
    ws.on("message", (data) => {
      let msg: ServerToNode;
      try {
        msg = ServerToNodeSchema.parse(JSON.parse(data.toString()));
      } catch {
        this.o.log.warn("ignored an unreadable message from the server");
        return;
      }
      if (msg.type === "welcome") {
        this.o.log.info({ nodeId: msg.node_id, server: this.o.serverUrl }, "connected to the server");
        this.onWelcome?.(msg.node_id);
      } else if (msg.type === "error") {
        this.o.log.error({ error: msg.error }, msg.message);
      } else void this.answer(msg);
    });
    ws.on("unexpected-response", (_req, res) => {
      const hint = res.statusCode === 401 || res.statusCode === 403 ? " (the token must be an admin's API token)" : "";
      this.o.log.error(`the server refused the node: HTTP ${res.statusCode}${hint}`);
      ws.terminate();
    });
    ws.on("error", (err) => this.o.log.warn({ err: err.message }, "link error"));
    ws.on("close", () => {
      clearInterval(this.heartbeat);
      if (this.stopped) return;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      setTimeout(() => this.dial(), wait);
    });
  }

  private async beat(): Promise<void> {
    const running = (await this.o.driver.list().catch(() => [])).filter((s) => s.running).length;
    const disk = await this.o.driver.diskFree();
    this.send({ type: "heartbeat", running, ...(disk ? { disk_free_mb: disk.freeMb } : {}) });
  }

  private async answer(msg: Extract<ServerToNode, { type: "call" }>): Promise<void> {
    const { driver } = this.o;
    const p = (msg.params ?? {}) as { sessionId?: string; keep?: string[] };
    try {
      let value: unknown;
      switch (msg.method) {
        case "start":
          await driver.start(msg.params as SessionSpec, (step) =>
            this.send({ type: "progress", call: msg.call, step }),
          );
          break;
        case "stop":
          await driver.stop(p.sessionId ?? "");
          break;
        case "remove":
          await driver.remove(p.sessionId ?? "");
          break;
        case "list":
          value = await driver.list();
          break;
        case "reconcile":
          value = await driver.reconcile(new Set(p.keep ?? []));
          break;
        case "logs":
          value = await driver.logs(p.sessionId ?? "");
          break;
      }
      this.send({ type: "result", call: msg.call, ok: true, value });
    } catch (err) {
      this.send({ type: "result", call: msg.call, ok: false, error: (err as Error).message });
    }
  }

  private send(msg: NodeToServer): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }
}
