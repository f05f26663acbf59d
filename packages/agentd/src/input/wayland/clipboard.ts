import { type ChildProcess, spawn } from "node:child_process";
import type { Log } from "../../log.js";
import { checkClipboardText, MAX_CLIPBOARD_CHARS, writeCommand } from "../clipboard-text.js";

const OWNER_WAIT_MS = 2000;
/** A base64 line longer than this holds more text than a viewer may receive. */
const MAX_LINE = Math.ceil((MAX_CLIPBOARD_CHARS * 3 * 4) / 3) + 64;

/**
 * The Wayland clipboard both ways, with wl-clipboard. `wl-paste --watch` stays running and runs
 * a tiny shell command on each change that prints the state and the text in base64 on one line;
 * `wl-copy` serves viewer text (it forks and keeps the selection until the next copy).
 */
export class WaylandClipboard {
  private watcher: ChildProcess | undefined;
  private lastSet: string | undefined;
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** `set` calls waiting for the watch to report their text; true when one is satisfied. */
  private waiters: ((text: string) => boolean)[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Log,
    private readonly onText: (text: string) => void,
  ) {
    this.watch();
  }

  async set(text: string): Promise<void> {
    checkClipboardText(text);
    this.lastSet = text;
    // wl-copy's forked server sets the selection just after the command exits: wait until the
    // watch sees it, so a paste right after this resolves gets the new text.
    const seen = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), OWNER_WAIT_MS);
      this.waiters.push((t) => {
        if (t !== text) return false;
        clearTimeout(timer);
        resolve(true);
        return true;
      });
    });
    await Promise.all([
      writeCommand("wl-copy", ["--type", "text/plain;charset=utf-8"], this.env, text),
      writeCommand("wl-copy", ["--primary", "--type", "text/plain;charset=utf-8"], this.env, text),
    ]);
    if (!(await seen))
      this.log("warn", "the clipboard watch did not see the text set by wl-copy", { chars: text.length });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.watcher?.kill("SIGTERM");
  }

  private watch(): void {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    const cmd = 'printf "%s " "${CLIPBOARD_STATE:-data}"; base64 -w0; echo';
    const child = spawn("wl-paste", ["--type", "text", "--watch", "sh", "-c", cmd], {
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.watcher = child;
    let line = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (d: string) => {
      line += d;
      let nl = line.indexOf("\n");
      while (nl >= 0) {
        this.changed(line.slice(0, nl));
        line = line.slice(nl + 1);
        nl = line.indexOf("\n");
      }
      if (line.length > MAX_LINE) {
        this.log("warn", "desktop clipboard text exceeds the limit; not sent to viewers");
        line = "";
      }
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 500) stderr += d.toString();
    });
    child.on("error", (err) =>
      this.log("warn", "wl-paste could not start; the desktop clipboard is not watched", { error: err.message }),
    );
    child.on("exit", (code) => {
      if (this.closed) return;
      this.log("warn", "wl-paste --watch exited; restarting it", { code, stderr: stderr.trim() });
      this.restartTimer = setTimeout(() => this.watch(), 2000);
    });
  }

  private changed(line: string): void {
    const [state, b64 = ""] = line.split(" ", 2);
    // "nil" and "clear": nothing or no text is on the clipboard any more.
    if (state !== "data" || b64 === "") return;
    const text = Buffer.from(b64, "base64").toString("utf8");
    if (text.length > MAX_CLIPBOARD_CHARS) {
      this.log("warn", "desktop clipboard text exceeds the limit; not sent to viewers", { chars: text.length });
      return;
    }
    this.waiters = this.waiters.filter((w) => !w(text));
    if (text === this.lastSet) return;
    this.lastSet = undefined;
    this.onText(text);
  }
}
