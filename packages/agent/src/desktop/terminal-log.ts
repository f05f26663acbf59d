/**
 * Appends every command the agent runs, and its output as it arrives, to a log file in the workspace
 * (default `.strand/terminal.log`), and keeps one terminal window on the desktop tailing it, so people
 * watching the stream see commands run. The window's pid is kept next to the log so a restarted agent
 * reuses the window instead of opening a second one.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Log } from "../log.js";
import type { CommandLogEntry } from "./desktop.js";
import { spawnDetached } from "./detached.js";

const BOLD_CYAN = "\x1b[1;36m";
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

export class TerminalLog {
  readonly path: string;
  private stream?: WriteStream;
  private disabled = false;
  private windowDisabled = false;
  private windowStarting?: Promise<unknown>;

  constructor(
    workspace: string,
    logPath: string,
    private readonly windowArgv: string[],
    private readonly log: Log,
  ) {
    this.path = resolve(workspace, logPath);
  }

  begin(command: string, cwd: string): CommandLogEntry | undefined {
    const out = this.open();
    if (!out) return undefined;
    this.ensureWindow();
    out.write(`\n${BOLD_CYAN}$ ${command}${RESET}\n${DIM}  (${cwd}, ${new Date().toISOString()})${RESET}\n`);
    let last = 10;
    return {
      write: (chunk) => {
        if (chunk.length) last = chunk[chunk.length - 1] ?? 10;
        out.write(chunk);
      },
      end: (summary) => out.write(`${last === 10 ? "" : "\n"}${DIM}[${summary}]${RESET}\n`),
    };
  }

  private open(): WriteStream | undefined {
    if (this.disabled) return undefined;
    if (this.stream) return this.stream;
    try {
      const dir = dirname(this.path);
      mkdirSync(dir, { recursive: true });
      // Keep the agent's bookkeeping out of the user's `git status`.
      if (dir.endsWith(".strand") && !existsSync(join(dir, ".gitignore")))
        writeFileSync(join(dir, ".gitignore"), "*\n");
      const stream = createWriteStream(this.path, { flags: "a" });
      stream.on("error", (err) => {
        this.log("warn", "terminal log failed; commands are no longer logged", { path: this.path, error: err.message });
        this.disabled = true;
        this.stream = undefined;
      });
      this.stream = stream;
      return stream;
    } catch (err) {
      this.log("warn", "cannot create the terminal log", { path: this.path, error: (err as Error).message });
      this.disabled = true;
      return undefined;
    }
  }

  private ensureWindow(): void {
    if (this.windowDisabled || this.windowArgv.length === 0 || this.windowStarting) return;
    const pidFile = `${this.path}.window-pid`;
    if (alive(readPid(pidFile))) return;
    const argv = this.windowArgv.map((a) => a.replaceAll("{log}", this.path));
    this.windowStarting = spawnDetached(argv, this.log, "the terminal window (STRAND_AGENT_TERMINAL_CMD)").then(
      (pid) => {
        this.windowStarting = undefined;
        if (pid === undefined) {
          this.windowDisabled = true;
          return;
        }
        try {
          writeFileSync(pidFile, String(pid));
        } catch {
          // Without the pid file a restarted agent opens a second window; harmless.
        }
      },
    );
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
