import type { NoticeContent, SessionWorkspace } from "@strand/protocol";
import type { Log } from "../log.js";
import { type CheckpointResult, checkpoint } from "./checkpoint.js";
import { type PreparedWorkspace, prepareWorkspace } from "./clone.js";

export interface SessionWorkspaceSyncOptions {
  /** The workspace directory the agent runtime runs in. */
  dir: string;
  /** The session token file (the credential helper reads it at each fetch and push). */
  tokenFile: string;
  log: Log;
  /** Tells the user (a notice entry in the conversation). */
  notice(content: NoticeContent): void;
  /** How long the runtime's start waits for the server's first settings before going ahead without. */
  settingsTimeoutMs?: number;
  /** Replace the git work (tests). */
  prepare?: (o: Parameters<typeof prepareWorkspace>[0]) => Promise<PreparedWorkspace>;
  checkpoint?: (o: Parameters<typeof checkpoint>[0]) => Promise<CheckpointResult | null>;
}

/**
 * agentd's link between the session's settings and its workspace: the first settings naming a
 * repo make the workspace a clone of it (before the agent runtime starts, so the agent starts in
 * the clone), and every turn's end checkpoints the work when the session asks for that. A clone
 * that fails is told to the user; the desktop and the agent work on without it.
 */
export class SessionWorkspaceSync {
  private workspace: SessionWorkspace | null = null;
  /** Settles once the clone is made (true) or failed (false); absent until a workspace is known. */
  private prepared: Promise<boolean> | undefined;
  private readonly gate: Promise<void>;
  private openGate!: () => void;

  constructor(private readonly o: SessionWorkspaceSyncOptions) {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
    const timer = setTimeout(() => {
      o.log("warn", "no session settings from the server yet; starting the agent runtime without waiting for them");
      this.openGate();
    }, o.settingsTimeoutMs ?? 30_000);
    timer.unref();
    void this.gate.then(() => clearTimeout(timer));
  }

  /** The server's `session.settings`: `workspace` absent or null means the session has no repo. */
  onSettings(workspace: SessionWorkspace | null | undefined): void {
    if (!workspace) {
      if (!this.prepared) this.openGate();
      return;
    }
    if (this.workspace && this.workspace.clone_url !== workspace.clone_url) {
      this.o.log("warn", "the session's repo changed; agentd keeps the clone it made until it restarts", {
        was: this.workspace.clone_url,
        now: workspace.clone_url,
      });
      return;
    }
    this.workspace = workspace; // checkpointing and identities may change at any time
    this.prepared ??= this.prepare(workspace).finally(() => this.openGate());
  }

  /** Resolves when the agent runtime may start: the workspace is ready, failed, or there is none. */
  ready(): Promise<void> {
    return this.gate;
  }

  /**
   * The end of a turn: checkpoints when the session asks for it. Returns a notice for the turn
   * when the work could not be committed or reached the server, else undefined.
   */
  async afterTurn(prompt: string): Promise<NoticeContent | undefined> {
    if (!this.prepared || !(await this.prepared)) return undefined;
    const ws = this.workspace;
    if (!ws?.checkpoint) return undefined;
    try {
      const run = this.o.checkpoint ?? checkpoint;
      const result = await run({ dir: this.o.dir, workspace: ws, prompt, log: this.o.log });
      if (!result || result.pushed) return undefined;
      return {
        level: "warning",
        text:
          `The turn's work is committed (${result.commit.slice(0, 12) || "no commit"}) but did not reach ` +
          `${ws.branch} on the server: ${result.error ?? "the push failed"}. The next turn tries again.`,
      };
    } catch (err) {
      const reason = (err as Error).message;
      this.o.log("error", "could not checkpoint the turn's work", { err: reason });
      return { level: "warning", text: `The turn's work could not be checkpointed: ${reason}` };
    }
  }

  private async prepare(ws: SessionWorkspace): Promise<boolean> {
    const run = this.o.prepare ?? prepareWorkspace;
    try {
      await run({ dir: this.o.dir, tokenFile: this.o.tokenFile, workspace: ws, log: this.o.log });
      return true;
    } catch (err) {
      const reason = (err as Error).message;
      this.o.log("error", "the workspace could not be set up", { repo: ws.repo, branch: ws.branch, err: reason });
      this.o.notice({
        level: "error",
        text:
          `The workspace could not be set up as a clone of ${ws.repo} on ${ws.branch}: ${reason}. ` +
          "The desktop and the agent work on without it, and turns are not checkpointed; restarting the session tries again.",
      });
      return false;
    }
  }
}
