import type { Log } from "../log.js";
import type { Backend, BackendProcess } from "./backend.js";
import { cssCursor } from "./cursor-names.js";
import type { Capture, CaptureHandlers, CaptureInfo, CaptureParams } from "./types.js";

/** First restart delay after a crash; doubles per crash in a row up to the cap. */
const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 10_000;
/** A process that ran this long before dying counts as healthy: the next restart is quick again. */
const HEALTHY_AFTER_MS = 30_000;
/** How long a stopped process gets to exit before it is killed outright. */
const KILL_AFTER_MS = 2_000;
const STDERR_LINES_KEPT = 8;

interface Running {
  proc: BackendProcess;
  startedAt: number;
  stderrTail: string[];
  /** Set when we asked it to go; its exit is then no error. */
  retired: boolean;
  failure?: string;
  exited: boolean;
}

/**
 * Runs a capture backend while `start`ed: restarts it with capped backoff when it dies, reports
 * each death through `onError` and each (re)start through `onStart`, and leaves no process behind
 * after `stop`. Handler exceptions are logged, never thrown back into agentd.
 */
export class SupervisedCapture implements Capture {
  private wanted = false;
  private params: CaptureParams = { fps: 30, bitrateKbps: 2500 };
  private current?: Running;
  private restartTimer?: NodeJS.Timeout;
  private crashesInARow = 0;
  /** What `onStart` last announced since the last start or error; a restart with the same shape stays quiet. */
  private announced?: CaptureInfo;
  private cursor?: string;

  constructor(
    private readonly backend: Backend,
    private readonly handlers: CaptureHandlers,
    private readonly log: Log,
  ) {}

  get running(): boolean {
    return this.wanted;
  }

  start(params: CaptureParams): void {
    this.params = { ...params };
    if (this.wanted) {
      this.update(params);
      return;
    }
    this.wanted = true;
    this.crashesInARow = 0;
    this.launch();
  }

  update(params: CaptureParams): void {
    this.params = { ...params };
    const cur = this.current;
    if (!cur || cur.exited) return;
    if (this.guard("update", () => cur.proc.update(params)) === "restart") this.relaunch("new parameters");
  }

  requestKeyframe(): void {
    const cur = this.current;
    if (!cur || cur.exited) return;
    if (this.guard("keyframe request", () => cur.proc.requestKeyframe()) === "restart") this.relaunch("keyframe");
  }

  stop(): void {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.announced = undefined;
    this.cursor = undefined;
    if (this.current) this.retire(this.current);
    this.current = undefined;
  }

  private launch(): void {
    if (!this.wanted) return;
    let run: Running;
    try {
      const proc = this.backend.launch(this.params, {
        info: (info) => this.current === run && this.onInfo(info),
        frame: (keyframe, captureUs, data) => {
          const shape = this.announced;
          if (this.current !== run || !shape) return;
          this.call("onFrame", () =>
            this.handlers.onFrame({ keyframe, captureUs, width: shape.width, height: shape.height, data }),
          );
        },
        cursor: (xName, hidden) => {
          if (this.current !== run) return;
          const name = cssCursor(xName);
          const key = `${name}/${hidden}`;
          if (key === this.cursor) return;
          this.cursor = key;
          this.call("onCursor", () => this.handlers.onCursor?.(name, hidden));
        },
        fail: (message) => {
          if (this.current !== run) return;
          run.failure = message;
          run.proc.child.kill("SIGKILL");
        },
      });
      run = { proc, startedAt: Date.now(), stderrTail: [], retired: false, exited: false };
    } catch (err) {
      this.crashed(`cannot start ${this.backend.program}: ${(err as Error).message}`);
      return;
    }
    this.current = run;
    const child = run.proc.child;
    let partial = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        run.stderrTail.push(line);
        if (run.stderrTail.length > STDERR_LINES_KEPT) run.stderrTail.shift();
        this.log("debug", "capture helper", { program: this.backend.program, line });
      }
    });
    const ended = (why: string) => {
      if (run.exited) return;
      run.exited = true;
      if (run.retired || this.current !== run) return;
      this.current = undefined;
      if (!this.wanted) return;
      const tail = run.stderrTail.length ? `; its last output: ${run.stderrTail.join(" | ")}` : "";
      if (Date.now() - run.startedAt > HEALTHY_AFTER_MS) this.crashesInARow = 0;
      this.crashed(`${this.backend.program} ${run.failure ?? why}${tail}`);
    };
    child.on("error", (err) => ended(`could not run: ${err.message} (is it installed? set STRAND_CAPTURE_BIN)`));
    child.on("exit", (code, signal) => ended(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  }

  private onInfo(info: CaptureInfo): void {
    const a = this.announced;
    if (a && a.width === info.width && a.height === info.height && a.fps === info.fps && a.encoder === info.encoder)
      return;
    this.announced = { ...info };
    this.log("info", "capture started", { ...info });
    this.call("onStart", () => this.handlers.onStart({ ...info }));
  }

  /** Swaps in a new process without reporting an error (bitrate or keyframe on wf-recorder). */
  private relaunch(why: string): void {
    const old = this.current;
    if (old) this.retire(old);
    this.current = undefined;
    this.log("debug", "restarting capture", { why });
    this.launch();
  }

  private crashed(message: string): void {
    this.crashesInARow++;
    this.announced = undefined;
    this.cursor = undefined;
    const delay = Math.min(RESTART_BASE_MS * 2 ** (this.crashesInARow - 1), RESTART_MAX_MS);
    this.log("warn", "capture stopped unexpectedly; restarting", { message, restartInMs: delay });
    this.call("onError", () => this.handlers.onError(message));
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.wanted && !this.current) this.launch();
    }, delay);
  }

  private retire(run: Running): void {
    run.retired = true;
    if (run.exited) return;
    const child = run.proc.child;
    child.stdin?.end();
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (!run.exited) child.kill("SIGKILL");
    }, KILL_AFTER_MS);
    timer.unref();
    child.once("exit", () => {
      run.exited = true;
      clearTimeout(timer);
    });
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log("error", `capture ${what} handler threw`, { error: (err as Error).message });
    }
  }

  private guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.log("warn", `capture ${what} failed`, { error: (err as Error).message });
      return undefined;
    }
  }
}
