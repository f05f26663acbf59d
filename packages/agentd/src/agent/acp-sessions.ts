import { readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * The ACP session each runtime last ran this conversation in, kept in the workspace
 * (`.strand/agentd/acp-sessions.json`) so it outlives runtime crashes, agentd restarts and
 * session stop/start: a runtime that can load or resume it continues the same thread.
 */
export class AcpSessionStore {
  private readonly file: string;

  constructor(cwd: string) {
    this.file = join(cwd, ".strand", "agentd", "acp-sessions.json");
  }

  /** Read at each runtime start (a small file), so it is synchronous like the spec it feeds. */
  get(runtime: string): string | undefined {
    const all = this.read();
    const id = all[runtime];
    return typeof id === "string" ? id : undefined;
  }

  async set(runtime: string, sessionId: string): Promise<void> {
    const all = this.read();
    if (all[runtime] === sessionId) return;
    all[runtime] = sessionId;
    await mkdir(dirname(this.file), { recursive: true });
    // Written whole and renamed: a crash mid-write leaves the old file, never half a file.
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`);
    await rename(tmp, this.file);
  }

  private read(): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, "utf8"));
      return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
}
