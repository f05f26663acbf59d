/**
 * Makes the agent's work visible to people watching the desktop stream: edited files open in the
 * IDE, and every command with its output scrolls by in a terminal window. Nothing here may block
 * or fail the agent loop; problems are logged once and the feature switches itself off.
 */
import type { AgentConfig } from "../config.js";
import type { Log } from "../log.js";
import { FileOpener } from "./file-opener.js";
import { TerminalLog } from "./terminal-log.js";

export interface CommandLogEntry {
  write(chunk: Buffer): void;
  end(summary: string): void;
}

export interface Desktop {
  openFile(absPath: string, line?: number): void;
  /** Starts a command's entry in the visible log; undefined when logging is off. */
  commandLog(command: string, cwd: string): CommandLogEntry | undefined;
}

export function createDesktop(config: AgentConfig, workspace: string, log: Log): Desktop {
  const opener = new FileOpener(config.openCommand, log);
  const terminal = config.terminalLog
    ? new TerminalLog(workspace, config.terminalLog, config.terminalCommand, log)
    : undefined;
  return {
    openFile: (p, line) => opener.open(p, line),
    commandLog: (command, cwd) => terminal?.begin(command, cwd),
  };
}

export const noDesktop: Desktop = { openFile: () => {}, commandLog: () => undefined };
