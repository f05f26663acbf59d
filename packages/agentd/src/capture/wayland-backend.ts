import { execFileSync, spawn } from "node:child_process";
import { constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend, BackendProcess, BackendSink } from "./backend.js";
import { FlvParser } from "./flv.js";
import type { CaptureParams } from "./types.js";

export const DEFAULT_WF_RECORDER_BIN = "/usr/bin/wf-recorder";

/**
 * Wayland (sway): wf-recorder (wlr-screencopy with damage, so a static screen yields no frames)
 * encoding with libx264 into FLV on a pipe; the FLV tags give exact access-unit boundaries.
 * wf-recorder cannot change bitrate or force a keyframe while it runs, so both start a new one
 * (its first frame is an IDR). Its frame rate follows the compositor's output refresh.
 */
export function waylandBackend(waylandDisplay: string, bin: string): Backend {
  return {
    program: bin,
    launch(params: CaptureParams, sink: BackendSink): BackendProcess {
      const kbps = params.bitrateKbps;
      // The video comes through a FIFO: wf-recorder prints its chatter on stdout, and cannot open
      // a Node stdio pipe by path (those are sockets). Opened read-write and non-blocking, so
      // opening never waits for a writer that may never come.
      const dir = mkdtempSync(join(process.env.XDG_RUNTIME_DIR || tmpdir(), "strand-capture-"));
      const fifo = join(dir, "video.flv");
      execFileSync("mkfifo", ["-m", "600", fifo]);
      const out = new Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true });
      const cleanup = () => {
        out.destroy();
        rmSync(dir, { recursive: true, force: true });
      };
      const child = spawn(
        bin,
        [
          "-c",
          "libx264",
          "-m",
          "flv",
          "-f",
          fifo,
          "-F",
          "format=yuv420p",
          ...["preset=ultrafast", "tune=zerolatency", "profile=baseline", "g=60", "crf=26", "forced-idr=1"].flatMap(
            (p) => ["-p", p],
          ),
          "-p",
          `maxrate=${kbps}k`,
          "-p",
          `bufsize=${Math.round(kbps / 2)}k`,
        ],
        {
          stdio: ["pipe", "ignore", "pipe"],
          env: { ...process.env, WAYLAND_DISPLAY: waylandDisplay },
        },
      );
      child.once("exit", cleanup);
      child.once("error", cleanup);
      // It asks before writing to an existing path (the FIFO); the answer is yes.
      child.stdin?.on("error", () => {});
      child.stdin?.end("Y\n");
      out.on("error", () => {}); // the exit handler reports what went wrong
      const parser = new FlvParser();
      let broken = false;
      let announced = false;
      out.on("data", (chunk: Buffer) => {
        if (broken) return;
        try {
          for (const ev of parser.push(chunk)) {
            if (ev.kind === "meta") {
              sink.info({ width: ev.width, height: ev.height, fps: params.fps, encoder: "x264" });
              announced = true;
            } else if (announced) {
              // FLV times are relative; arrival time is the closest wall-clock we have.
              sink.frame(ev.keyframe, BigInt(Date.now()) * 1000n, ev.data);
            }
          }
        } catch (err) {
          broken = true;
          sink.fail(`wf-recorder's FLV output: ${(err as Error).message}`);
        }
      });
      return {
        child,
        update: (p) => (p.bitrateKbps === kbps ? "applied" : "restart"),
        requestKeyframe: () => "restart",
      };
    },
  };
}
