import type { Log } from "../log.js";
import { spawnDetached } from "./detached.js";

/**
 * Opens files the agent created or edited in the desktop's IDE. `geany <path>` hands the file to the
 * running Geany through its socket, so this costs one short-lived process per edit.
 */
export class FileOpener {
  private disabled = false;

  constructor(
    private readonly argv: string[],
    private readonly log: Log,
  ) {}

  open(absPath: string, line?: number): void {
    if (this.disabled || this.argv.length === 0) return;
    const hasPath = this.argv.some((a) => a.includes("{path}"));
    const argv = this.argv
      .map((a) => a.replaceAll("{path}", absPath).replaceAll("{line}", String(line ?? 1)))
      .concat(hasPath ? [] : [absPath]);
    void spawnDetached(argv, this.log, "the file opener (STRAND_AGENT_OPEN_CMD)").then((pid) => {
      if (pid === undefined) this.disabled = true;
    });
  }
}
