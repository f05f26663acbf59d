import type { ChildProcess } from "node:child_process";
import type { CaptureInfo, CaptureParams } from "./types.js";

/** What a running capture process reports to the supervisor. */
export interface BackendSink {
  info(info: CaptureInfo): void;
  frame(keyframe: boolean, captureUs: bigint, data: Uint8Array): void;
  cursor(xName: string, hidden: boolean): void;
  /** The process's output is unusable; the supervisor kills and restarts it. */
  fail(message: string): void;
}

/** How a change was carried out: in the running process, or only by starting a new one. */
export type Applied = "applied" | "restart";

export interface BackendProcess {
  readonly child: ChildProcess;
  update(params: CaptureParams): Applied;
  requestKeyframe(): Applied;
}

/** One way of turning a desktop into H.264 access units (strand-capture on X11, wf-recorder on sway). */
export interface Backend {
  /** The program, for log lines and error messages. */
  readonly program: string;
  launch(params: CaptureParams, sink: BackendSink): BackendProcess;
}
