import { spawn } from "node:child_process";

/** The stream protocol's limit on clipboard text (characters, as the `clipboard` message's schema). */
export const MAX_CLIPBOARD_CHARS = 1_000_000;
/** UTF-8 needs at most 4 bytes per UTF-16 unit pair; more than this cannot fit the limit. */
const MAX_CLIPBOARD_BYTES = MAX_CLIPBOARD_CHARS * 3;

export function checkClipboardText(text: string): void {
  if (text.length > MAX_CLIPBOARD_CHARS) {
    throw new Error(`clipboard text of ${text.length} characters exceeds the ${MAX_CLIPBOARD_CHARS}-character limit`);
  }
}

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Runs a clipboard reader (`xclip -o`, `wl-paste`) and returns its text, or why there is none:
 * the clipboard holds no text, it is larger than the limit, or the tool failed or hung.
 */
export function readCommand(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 3000,
): Promise<ReadResult> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      resolve({ ok: false, reason: `${cmd} could not start: ${(err as Error).message}` });
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = "";
    let outcome: ReadResult | undefined;
    const stop = (r: ReadResult) => {
      outcome ??= r;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(
      () => stop({ ok: false, reason: `${cmd} did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    child.stdout?.on("data", (d: Buffer) => {
      bytes += d.length;
      if (bytes > MAX_CLIPBOARD_BYTES)
        stop({ ok: false, reason: `clipboard text exceeds ${MAX_CLIPBOARD_BYTES} bytes` });
      else chunks.push(d);
    });
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 500) stderr += d.toString();
    });
    child.on("error", (err) => stop({ ok: false, reason: `${cmd} could not start: ${err.message}` }));
    child.on("close", (code) => {
      clearTimeout(timer);
      if (outcome) return resolve(outcome);
      if (code !== 0) return resolve({ ok: false, reason: `${cmd} exited with ${code}: ${stderr.trim()}` });
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.length > MAX_CLIPBOARD_CHARS) {
        return resolve({ ok: false, reason: `clipboard text of ${text.length} characters exceeds the limit` });
      }
      resolve({ ok: true, text });
    });
  });
}

/**
 * Runs a clipboard writer (`xclip -i`, `wl-copy`) with the text on its stdin and resolves once
 * it has taken the selection. Both tools fork a server that keeps the selection and outlives the
 * command, so this waits for the command's exit, not for its pipes to close.
 */
export function writeCommand(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  text: string,
  timeoutMs = 3000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["pipe", "ignore", "ignore"] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} did not take the clipboard within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} could not start (is it installed in the desktop image?): ${err.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}`));
    });
    child.stdin?.on("error", () => {});
    child.stdin?.end(text);
  });
}
