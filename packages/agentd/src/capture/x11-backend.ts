import { spawn } from "node:child_process";
import type { Applied, Backend, BackendProcess, BackendSink } from "./backend.js";
import { RecordParser } from "./records.js";
import type { CaptureParams } from "./types.js";

export const DEFAULT_CAPTURE_BIN = "/usr/local/bin/strand-capture";

/**
 * X11: the native strand-capture helper (XShm + XDamage + libavcodec). Frame-rate, bitrate and
 * keyframe requests go to its stdin, so none of them restarts it.
 */
export function x11Backend(display: string, encoder: string, bin: string): Backend {
  return {
    program: bin,
    launch(params: CaptureParams, sink: BackendSink): BackendProcess {
      const child = spawn(
        bin,
        ["--display", display, "--fps", String(params.fps), "--kbps", String(params.bitrateKbps), "--encoder", encoder],
        { stdio: ["pipe", "pipe", "pipe"] },
      );
      const parser = new RecordParser();
      let broken = false;
      child.stdout.on("data", (chunk: Buffer) => {
        if (broken) return;
        try {
          for (const r of parser.push(chunk)) {
            if (r.kind === "info") sink.info({ width: r.width, height: r.height, fps: r.fps, encoder: r.encoder });
            else if (r.kind === "frame") sink.frame(r.keyframe, r.captureUs, r.data);
            else sink.cursor(r.name, r.hidden);
          }
        } catch (err) {
          broken = true;
          sink.fail((err as Error).message);
        }
      });
      // A closed stdin means the helper is gone; the exit handler reports it.
      child.stdin.on("error", () => {});
      const send = (line: string): Applied => {
        if (child.stdin.writable) child.stdin.write(`${line}\n`);
        return "applied";
      };
      return {
        child,
        update: (p) => send(`params ${p.fps} ${p.bitrateKbps}`),
        requestKeyframe: () => send("keyframe"),
      };
    },
  };
}
