import type {
  DiskLimitMode,
  NodeMethod,
  NodeToServer,
  SandboxDriver,
  ServerToNode,
  SessionSpec,
  SessionStatus,
} from "@strand/protocol";

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  onProgress: ((step: string) => void) | undefined;
}

const CALL_TIMEOUT_MS = 180_000;

/** A `strand node` on the other end of a WebSocket, driven through the same interface as the embedded one. */
export class RemoteNodeDriver implements SandboxDriver {
  private nextCall = 1;
  private readonly pending = new Map<number, PendingCall>();
  private closedReason: string | undefined;
  /** As the node last reported it in a heartbeat. */
  private lastDiskFreeMb: number | undefined;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly maxSessions: number,
    readonly diskLimits: { mode: DiskLimitMode; note?: string },
    private readonly send: (msg: ServerToNode) => void,
  ) {}

  async diskFree(): Promise<{ freeMb: number; path: string } | undefined> {
    return this.lastDiskFreeMb === undefined ? undefined : { freeMb: this.lastDiskFreeMb, path: "its disk" };
  }

  start(spec: SessionSpec, onProgress?: (step: string) => void): Promise<void> {
    return this.call("start", spec, onProgress) as Promise<void>;
  }
  stop(sessionId: string): Promise<void> {
    return this.call("stop", { sessionId }) as Promise<void>;
  }
  remove(sessionId: string): Promise<void> {
    return this.call("remove", { sessionId }) as Promise<void>;
  }
  list(): Promise<SessionStatus[]> {
    return this.call("list", {}) as Promise<SessionStatus[]>;
  }
  reconcile(keep: ReadonlySet<string>): Promise<string[]> {
    return this.call("reconcile", { keep: [...keep] }) as Promise<string[]>;
  }
  logs(sessionId: string): Promise<string> {
    return this.call("logs", { sessionId }) as Promise<string>;
  }

  /** Feeds a message from the node. */
  receive(msg: NodeToServer): void {
    if (msg.type === "heartbeat") {
      if (msg.disk_free_mb !== undefined) this.lastDiskFreeMb = msg.disk_free_mb;
      return;
    }
    if (msg.type === "progress") {
      this.pending.get(msg.call)?.onProgress?.(msg.step);
      return;
    }
    if (msg.type !== "result") return;
    const p = this.pending.get(msg.call);
    if (!p) return;
    this.pending.delete(msg.call);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new Error(msg.error ?? `node ${this.name} failed without a reason`));
  }

  /** The socket is gone: every call in flight fails with the reason. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`node ${this.name} disconnected (${reason})`));
      this.pending.delete(id);
    }
  }

  private call(method: NodeMethod, params: unknown, onProgress?: (step: string) => void): Promise<unknown> {
    if (this.closedReason) return Promise.reject(new Error(`node ${this.name} is disconnected (${this.closedReason})`));
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(call);
        reject(new Error(`node ${this.name} did not answer ${method} within ${CALL_TIMEOUT_MS / 1000} s`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(call, { resolve, reject, timer, onProgress });
      this.send({ type: "call", call, method, params });
    });
  }
}
