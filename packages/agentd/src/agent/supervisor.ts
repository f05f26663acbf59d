import type { NoticeContent } from "@strand/protocol";
import type { Log } from "../log.js";
import { type RuntimeHandlers, RuntimeProcess } from "./runtime-process.js";
import type { RuntimeSpec } from "./runtimes/registry.js";

export interface SupervisorOptions {
  /** The spec to start with now (settings may change between starts). */
  spec(): RuntimeSpec;
  /** The ACP session the runtime about to start last ran the conversation in, to continue it. */
  previousSession?(spec: RuntimeSpec): string | undefined;
  /** A runtime started and opened (or continued) its ACP session. */
  onStarted?(rt: RuntimeProcess, spec: RuntimeSpec): void;
  /** Awaited before each start: what the runtime needs first (the workspace's clone). */
  beforeStart?(): Promise<void>;
  handlers: RuntimeHandlers;
  log: Log;
  /** Tells the user (a notice entry). */
  notice(content: NoticeContent): void;
  /** The running runtime ended (crash or exit) with this reason. */
  onExit(rt: RuntimeProcess, reason: string): void;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

/** After this many failed starts in a row, only a new prompt tries again (no notice every 30 s). */
const MAX_FAILED_STARTS = 3;
/** A runtime that stayed up this long was healthy: the next crash starts the backoff over. */
const HEALTHY_MS = 60_000;

/**
 * Keeps the session's agent runtime running: starts it, restarts it with capped backoff when it
 * crashes or exits, and says so in the conversation. A turn waiting for a runtime gets the next
 * start attempt at once instead of waiting out the backoff.
 */
export class RuntimeSupervisor {
  private current: RuntimeProcess | undefined;
  private starting: Promise<RuntimeProcess> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private failedStarts = 0;
  private stopped = false;
  /** Settles on stop, so a start still waiting for `beforeStart` gives up instead of holding stop. */
  private readonly stopping: Promise<void>;
  private signalStop!: () => void;

  constructor(private readonly o: SupervisorOptions) {
    this.backoff = o.backoffMinMs ?? 1_000;
    this.stopping = new Promise((resolve) => {
      this.signalStop = resolve;
    });
  }

  get runtime(): RuntimeProcess | undefined {
    return this.current;
  }

  /** The running runtime, or the result of starting one now. */
  ready(): Promise<RuntimeProcess> {
    if (this.stopped) return Promise.reject(new Error("agentd is shutting down"));
    if (this.current) return Promise.resolve(this.current);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.starting ??= this.attempt();
    return this.starting;
  }

  /** Starts the runtime in the background; failures are reported and retried. */
  start(): void {
    this.ready().catch(() => {});
  }

  /** Stops the current runtime (it is restarted with the current spec on the next `ready`). */
  async restart(why: string): Promise<void> {
    const rt = this.current;
    if (!rt) return;
    this.current = undefined;
    this.o.log("info", "restarting the agent runtime", { why });
    rt.kill();
    await rt.exited;
    this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    clearTimeout(this.retryTimer);
    const rt = this.current ?? (await this.starting?.catch(() => undefined));
    this.current = undefined;
    rt?.kill();
    await rt?.exited;
  }

  private async attempt(): Promise<RuntimeProcess> {
    try {
      await Promise.race([this.o.beforeStart?.(), this.stopping]);
      if (this.stopped) throw new Error("agentd is shutting down");
      return await this.launch();
    } finally {
      this.starting = undefined;
    }
  }

  private async launch(): Promise<RuntimeProcess> {
    const spec = this.o.spec();
    try {
      const rt = await RuntimeProcess.start(spec, this.o.handlers, this.o.log, this.o.previousSession?.(spec));
      this.current = rt;
      this.o.onStarted?.(rt, spec);
      this.failedStarts = 0;
      this.o.log("info", "agent runtime started", { runtime: spec.name });
      void rt.exited.then((reason) => this.onExit(rt, reason));
      return rt;
    } catch (err) {
      const reason = (err as Error).message;
      this.o.log("error", "the agent runtime did not start", { runtime: spec.name, reason });
      this.failedStarts++;
      const next =
        this.failedStarts < MAX_FAILED_STARTS
          ? this.scheduleRetry()
          : "Agentd tries again when you send the next prompt.";
      this.o.notice({ level: "error", text: `The agent runtime could not start: ${reason}. ${next}` });
      throw err;
    }
  }

  private onExit(rt: RuntimeProcess, reason: string): void {
    if (this.current !== rt) return; // restarted on purpose
    this.current = undefined;
    if (this.stopped) return;
    if (rt.uptimeMs > HEALTHY_MS) this.backoff = this.o.backoffMinMs ?? 1_000;
    this.o.log("warn", "the agent runtime stopped", { reason });
    this.o.onExit(rt, reason);
    this.o.notice({
      level: "warning",
      text: `The agent runtime stopped: ${reason}. ${this.scheduleRetry()} It continues this conversation when it is back.`,
    });
  }

  /** Schedules the next start and says when, for the notice. */
  private scheduleRetry(): string {
    if (this.stopped) return "";
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.o.backoffMaxMs ?? 30_000);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.start(), wait);
    this.retryTimer.unref();
    return `Restarting it in ${wait < 1000 ? `${wait} ms` : `${Math.round(wait / 1000)} s`}.`;
  }
}
