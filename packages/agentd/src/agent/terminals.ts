import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type {
  CreateTerminalRequest,
  TerminalExitStatus,
  TerminalOutputResponse,
  WaitForTerminalExitResponse,
} from "@agentclientprotocol/sdk";

const DEFAULT_OUTPUT_LIMIT = 1024 * 1024;

interface Terminal {
  proc: ChildProcess;
  output: string;
  truncated: boolean;
  limit: number;
  exit: TerminalExitStatus | null;
  exited: Promise<TerminalExitStatus>;
}

/**
 * ACP client terminals: commands the runtime asks agentd to run in the workspace. Output keeps
 * the last `outputByteLimit` bytes, as ACP asks. Every command runs in its own process group so
 * kill and release take its children with it.
 */
export class Terminals {
  private readonly terminals = new Map<string, Terminal>();

  constructor(
    private readonly defaults: { cwd: string; env: NodeJS.ProcessEnv },
    /** Output or exit changed: tool-call entries that show this terminal refresh. */
    private readonly onChange: (id: string) => void = () => {},
  ) {}

  create(req: CreateTerminalRequest): string {
    const id = `term_${randomBytes(6).toString("hex")}`;
    const env = { ...this.defaults.env };
    for (const v of req.env ?? []) env[v.name] = v.value;
    const args = req.args ?? [];
    const proc = spawn(req.command, args, {
      // A command without arguments is a command line (Claude Code's Bash tool sends pipes and
      // redirections this way); editors run it through the shell, and so do we.
      shell: args.length === 0 ? "/bin/bash" : false,
      cwd: req.cwd ?? this.defaults.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let resolveExit: (s: TerminalExitStatus) => void = () => {};
    const t: Terminal = {
      proc,
      output: "",
      truncated: false,
      limit: req.outputByteLimit ?? DEFAULT_OUTPUT_LIMIT,
      exit: null,
      exited: new Promise((r) => {
        resolveExit = r;
      }),
    };
    const append = (chunk: Buffer) => {
      t.output += chunk.toString("utf8");
      if (Buffer.byteLength(t.output) > t.limit) {
        t.truncated = true;
        t.output = tailBytes(t.output, t.limit);
      }
      this.onChange(id);
    };
    proc.stdout?.on("data", append);
    proc.stderr?.on("data", append);
    const finish = (status: TerminalExitStatus) => {
      if (t.exit) return;
      t.exit = status;
      resolveExit(status);
      this.onChange(id);
    };
    proc.on("error", (err) => {
      append(Buffer.from(`${err.message}\n`));
      finish({ exitCode: 127, signal: null });
    });
    proc.on("close", (code, signal) => finish({ exitCode: code, signal }));
    this.terminals.set(id, t);
    return id;
  }

  output(id: string): TerminalOutputResponse {
    const t = this.get(id);
    return { output: t.output, truncated: t.truncated, exitStatus: t.exit };
  }

  /** Output and exit code without throwing, for display; undefined for an unknown terminal. */
  peek(id: string): { output: string; exitCode: number | null | undefined } | undefined {
    const t = this.terminals.get(id);
    return t && { output: t.output, exitCode: t.exit ? (t.exit.exitCode ?? null) : undefined };
  }

  async waitForExit(id: string): Promise<WaitForTerminalExitResponse> {
    const s = await this.get(id).exited;
    return { exitCode: s.exitCode ?? null, signal: s.signal ?? null };
  }

  kill(id: string): void {
    killGroup(this.get(id));
  }

  release(id: string): void {
    const t = this.terminals.get(id);
    if (!t) return;
    killGroup(t);
    this.terminals.delete(id);
  }

  /** The runtime went away: its commands go with it. */
  releaseAll(): void {
    for (const id of [...this.terminals.keys()]) this.release(id);
  }

  private get(id: string): Terminal {
    const t = this.terminals.get(id);
    if (!t) throw new Error(`terminal ${id} does not exist (released or never created)`);
    return t;
  }
}

function killGroup(t: Terminal): void {
  if (t.exit || t.proc.pid === undefined) return;
  try {
    process.kill(-t.proc.pid, "SIGKILL");
  } catch {
    t.proc.kill("SIGKILL");
  }
}

/** The last `limit` bytes of `s`, cut at a character boundary. */
function tailBytes(s: string, limit: number): string {
  const buf = Buffer.from(s, "utf8");
  let start = buf.length - limit;
  while (start < buf.length && ((buf[start] as number) & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString("utf8");
}
