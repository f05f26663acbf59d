import type * as acp from "@agentclientprotocol/sdk";
import {
  type AgentKnowledgeSource,
  type AgentMcpServer,
  type AgentServerMessage,
  HISTORY_SUMMARY_MAX_CHARS,
  type NoticeContent,
  type PermissionMode,
  type SessionSettings,
} from "@strand/protocol";
import type { Log } from "../log.js";
import { checkMcpEndpoint, type McpCheck } from "../mcp/preflight.js";
import type { StrandMcp } from "../mcp/servers.js";
import { AcpSessionStore } from "./acp-sessions.js";
import { Outbox, type OutboxLink } from "./outbox.js";
import type { RuntimeProcess } from "./runtime-process.js";
import { DEFAULT_WORKSPACE, type RuntimeSpec, runtimeSpec } from "./runtimes/registry.js";
import { RuntimeSupervisor } from "./supervisor.js";
import { newEntryId, TurnRecorder } from "./turn-recorder.js";

type Prompt = Extract<AgentServerMessage, { type: "prompt" }>;

export interface AgentConversationOptions {
  link: OutboxLink;
  log: Log;
  /** This agentd process's id, the `instance` of its hello. */
  instance: string;
  /** Settings from the container's environment until the server sends its own. */
  settings: SessionSettings;
  serverUrl: string;
  sessionToken: string;
  /** The runtime's working directory (`~/work`). */
  cwd?: string;
  /** agentd's environment, the base of the runtime's. */
  env?: NodeJS.ProcessEnv;
  /** Awaited before the runtime starts (agentd prepares the workspace's clone there). */
  beforeRuntimeStart?(): Promise<void>;
  /** Run at the end of every turn with its prompt (the workspace's checkpoint); a notice it returns goes into the turn. */
  afterTurn?(prompt: string): Promise<NoticeContent | undefined>;
  /** Replaces the runtime's spec (tests). */
  spec?: (settings: SessionSettings) => RuntimeSpec;
  /** Strand's MCP server, given to every runtime (docs/mcp.md); absent: runtimes get no MCP server. */
  mcp?: StrandMcp;
  /** Replaces the pre-flight check of the MCP endpoint (tests). */
  checkMcp?: (serverUrl: string, token: string) => Promise<McpCheck>;
  flushMs?: number;
  /** After a cancel, how long the runtime gets to stop the turn before it is restarted. */
  cancelGraceMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  outboxRetryMs?: number;
  /** How long a restarted runtime's first prompt waits for the thread's summary before going without. */
  historyTimeoutMs?: number;
}

interface Turn {
  prompt: Prompt;
  recorder: TurnRecorder;
  cancelled: boolean;
  /** Set when the runtime died under the turn. */
  crashed?: string;
  runtime?: RuntimeProcess;
}

interface PendingPermission {
  turnId: string;
  resolve(r: acp.RequestPermissionResponse): void;
}

/**
 * agentd's side of the conversation: runs delivered prompts one at a time on the session's agent
 * runtime over ACP, records what the runtime streams as entries, and answers its permission
 * requests (itself in autonomous mode, through the user in ask mode). Everything it tells the
 * server goes through the outbox, so a server restart loses nothing. See docs/conversations.md.
 */
export class AgentConversation {
  private readonly outbox: Outbox;
  private readonly supervisor: RuntimeSupervisor;
  private settings: SessionSettings;
  /** The project's and team's MCP servers from the last `session.settings` (at the runtime's next start). */
  private teamMcp: AgentMcpServer[] = [];
  /** The knowledge sources the agent can search, named once in the first prompt agentd sends. */
  private knowledge: AgentKnowledgeSource[] = [];
  private knowledgeNamed = false;
  /** Settings the running runtime was started with. */
  private startedWith: SessionSettings | undefined;
  private readonly queue: Prompt[] = [];
  /** Prompt entry ids this process has taken: the server may resend one after a reconnect. */
  private readonly seen = new Set<string>();
  private current: Turn | undefined;
  private readonly permissions = new Map<string, PendingPermission>();
  private malformedSeen = false;
  /** The running runtime already reported a failed MCP connection (one notice per process). */
  private mcpFailureSeen = false;
  /** The pre-flight check of /mcp, made once per agentd process at its first prompt. */
  private mcpCheck: Promise<McpCheck | undefined> | undefined;
  private mcpReported = false;
  private closed = false;
  private readonly acpSessions: AcpSessionStore;
  /** The running runtime opened a fresh ACP session: its first prompt is primed with the thread. */
  private needsHistory = false;
  private readonly historyWaiters = new Map<string, (summary: string) => void>();
  private historyCounter = 0;

  constructor(private readonly o: AgentConversationOptions) {
    this.settings = o.settings;
    this.outbox = new Outbox(o.link, o.log, o.instance, o.outboxRetryMs);
    this.acpSessions = new AcpSessionStore(o.cwd ?? DEFAULT_WORKSPACE);
    this.supervisor = new RuntimeSupervisor({
      spec: () => {
        this.startedWith = this.settings;
        this.malformedSeen = false;
        this.mcpFailureSeen = false;
        return this.specFor(this.settings);
      },
      ...(o.beforeRuntimeStart ? { beforeStart: o.beforeRuntimeStart } : {}),
      previousSession: (spec) => this.acpSessions.get(spec.runtime ?? spec.name),
      onStarted: (rt, spec) => this.onRuntimeStarted(rt, spec),
      handlers: {
        onUpdate: (u) => this.onUpdate(u),
        onPermission: (req, signal) => this.onPermission(req, signal),
        onMalformed: (line) => this.onMalformed(line),
        onTerminalChange: (id) => this.current?.recorder.terminalChanged(id),
        onStderr: (line) => this.onRuntimeStderr(line),
      },
      log: o.log,
      notice: (c) => this.notice(c),
      onExit: (rt, reason) => {
        if (this.current?.runtime === rt) this.current.crashed = reason;
      },
      ...(o.backoffMinMs !== undefined ? { backoffMinMs: o.backoffMinMs } : {}),
      ...(o.backoffMaxMs !== undefined ? { backoffMaxMs: o.backoffMaxMs } : {}),
    });
  }

  start(): void {
    this.supervisor.start();
  }

  /** The server link (re)opened (hello already sent): resend what it has not acked. */
  onOpen(): void {
    this.outbox.resendAll();
  }

  /** A message from the server; returns false when it is not a chat message. */
  onMessage(msg: AgentServerMessage): boolean {
    switch (msg.type) {
      case "ack":
        this.outbox.ack(msg.mid, msg.error);
        return true;
      case "prompt":
        if (this.seen.has(msg.entry_id)) return true; // resent after a reconnect: already ours
        this.seen.add(msg.entry_id);
        this.queue.push(msg);
        this.drain();
        return true;
      case "cancel":
        this.cancel(msg.turn_id);
        return true;
      case "permission.answer": {
        const pending = this.permissions.get(msg.id);
        if (!pending) return true;
        this.permissions.delete(msg.id);
        pending.resolve(
          msg.option_id === null
            ? { outcome: { outcome: "cancelled" } }
            : { outcome: { outcome: "selected", optionId: msg.option_id } },
        );
        return true;
      }
      case "session.settings":
        // Read before applySettings, which may restart the runtime with them.
        this.teamMcp = msg.mcp_servers ?? [];
        this.knowledge = msg.knowledge ?? [];
        this.applySettings({ runtime: msg.runtime, model: msg.model, permission_mode: msg.permission_mode });
        return true;
      case "history": {
        const waiter = this.historyWaiters.get(msg.id);
        this.historyWaiters.delete(msg.id);
        waiter?.(msg.summary);
        return true;
      }
      default:
        return false;
    }
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Unacked messages (for tests and shutdown). */
  get unacked(): number {
    return this.outbox.pending;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.outbox.close();
    await this.supervisor.stop();
  }

  private specFor(settings: SessionSettings): RuntimeSpec {
    const spec = this.baseSpecFor(settings);
    return this.teamMcp.length ? { ...spec, teamMcp: this.teamMcp } : spec;
  }

  private baseSpecFor(settings: SessionSettings): RuntimeSpec {
    const mcp = this.o.mcp;
    if (this.o.spec) {
      const spec = this.o.spec(settings);
      return mcp && !spec.mcp ? { ...spec, mcp } : spec;
    }
    return runtimeSpec(
      settings.runtime,
      { serverUrl: this.o.serverUrl, sessionToken: this.o.sessionToken, model: settings.model },
      { env: this.o.env ?? process.env, ...(this.o.cwd ? { cwd: this.o.cwd } : {}), ...(mcp ? { mcp } : {}) },
    );
  }

  /**
   * Checks, once per agentd process and before the first prompt runs, that Strand's MCP server
   * answers this session (initialize and tools/list, as the runtime will call it). Made when the
   * first prompt arrives, not at start: the prompt came from the server, so it is reachable, and a
   * failure now is about /mcp itself.
   */
  private mcpPreflight(): Promise<McpCheck | undefined> {
    if (!this.o.mcp) return Promise.resolve(undefined);
    this.mcpCheck ??= (this.o.checkMcp ?? checkMcpEndpoint)(this.o.serverUrl, this.o.sessionToken).then((check) => {
      if (check.ok) this.o.log("info", "Strand's MCP server answers", { tools: check.tools });
      else this.o.log("warn", "Strand's MCP server does not answer", { reason: check.reason });
      return check;
    });
    return this.mcpCheck;
  }

  /** A runtime that says on stderr that it could not connect to the `strand` MCP server: tell the user. */
  private onRuntimeStderr(line: string): void {
    if (this.mcpFailureSeen || !this.o.mcp || !MCP_FAILURE.test(line) || !/strand/i.test(line)) return;
    this.mcpFailureSeen = true;
    this.o.log("warn", "the agent runtime reports a failed MCP connection", { line });
    this.notice({
      level: "warning",
      text:
        "The agent runtime reports that it could not use Strand's MCP server (search_history, read_conversation): " +
        `${line.trim().slice(0, 300)}. The agent works on without these tools.`,
    });
  }

  /**
   * Remembers the runtime's ACP session, so its next start continues it. One that could not be
   * continued starts from a summary of the thread instead (see `primed`).
   */
  private onRuntimeStarted(rt: RuntimeProcess, spec: RuntimeSpec): void {
    this.needsHistory = rt.continuation === "new";
    const id = rt.acpSessionId;
    if (!id) return;
    this.acpSessions
      .set(spec.runtime ?? spec.name, id)
      .catch((err: Error) => this.o.log("warn", "could not remember the runtime's ACP session", { err: err.message }));
  }

  /**
   * The prompt as the runtime gets it: after a start that could not continue the runtime's
   * earlier session, preceded by a compact summary of the thread so far (from the server, which
   * holds it), so the agent is not a fresh one that forgot everything.
   */
  private async primed(prompt: Prompt): Promise<string> {
    const content = await this.withHistory(prompt);
    // The runtimes have no system prompt agentd can set in common, so the sources are named in
    // the first prompt's context: the agent then knows when search_knowledge is worth a call.
    if (this.knowledgeNamed || !this.knowledge.length) return content;
    this.knowledgeNamed = true;
    return `${knowledgeContext(this.knowledge)}\n\n---\n\n${content}`;
  }

  private async withHistory(prompt: Prompt): Promise<string> {
    if (!this.needsHistory) return prompt.content;
    const summary = await this.history(prompt.turn_id);
    if (summary === undefined) return prompt.content; // the server did not answer: try again next prompt
    this.needsHistory = false;
    if (!summary) return prompt.content;
    return (
      "Earlier in this conversation (the agent runtime was restarted and has only this summary of it):\n\n" +
      `${summary.slice(0, HISTORY_SUMMARY_MAX_CHARS)}\n\n---\n\n${prompt.content}`
    );
  }

  private history(beforeTurn: string): Promise<string | undefined> {
    const id = `h${++this.historyCounter}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.historyWaiters.delete(id);
        resolve(undefined);
      }, this.o.historyTimeoutMs ?? 5_000);
      timer.unref();
      this.historyWaiters.set(id, (summary) => {
        clearTimeout(timer);
        resolve(summary);
      });
      this.o.link.send({ type: "history.request", id, before_turn: beforeTurn });
    });
  }

  private applySettings(next: SessionSettings): void {
    const prev = this.settings;
    this.settings = next;
    if (prev.permission_mode !== next.permission_mode) {
      this.o.log("info", "permission mode changed", { mode: next.permission_mode });
    }
    this.restartIfStale();
  }

  /** A new runtime or model applies from the runtime's next start, never in the middle of a turn. */
  private restartIfStale(): void {
    const was = this.startedWith;
    if (!was || this.current || !this.supervisor.runtime) return;
    if (was.runtime === this.settings.runtime && was.model === this.settings.model) return;
    this.notice({
      level: "info",
      text: `Switching the agent runtime to ${this.settings.runtime}${this.settings.model ? ` with ${this.settings.model}` : ""}.`,
    });
    void this.supervisor.restart("settings changed");
  }

  private drain(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) {
      this.restartIfStale();
      return;
    }
    this.run(next)
      .catch((err: Error) => this.o.log("error", "a turn failed inside agentd", { err: err.message }))
      .finally(() => {
        this.current = undefined;
        this.drain();
      });
  }

  private async run(prompt: Prompt): Promise<void> {
    const turnId = prompt.turn_id;
    const recorder = new TurnRecorder({
      turnId,
      flushMs: this.o.flushMs ?? 100,
      emit: (m) => this.outbox.push(`entry:${m.id}`, m),
      terminal: (id) => this.supervisor.runtime?.terminals.peek(id),
    });
    const turn: Turn = { prompt, recorder, cancelled: false };
    this.current = turn;
    // Said before anything runs: from here on the server never hands this prompt to anyone else.
    this.outbox.push(`turn.started:${turnId}`, { type: "turn.started", turn_id: turnId });
    let stopReason = "error";
    let error: string | undefined;
    try {
      const preflight = this.mcpPreflight();
      const rt = await this.supervisor.ready();
      turn.runtime = rt;
      const mcp = await preflight;
      if (mcp && !mcp.ok && !this.mcpReported) {
        this.mcpReported = true;
        recorder.notice({
          level: "warning",
          text:
            `Strand's tools for the agent (search_history, read_conversation) are not available in this session: ` +
            `${mcp.reason}. The agent works on without them.`,
        });
      }
      if (turn.cancelled) {
        stopReason = "cancelled";
      } else {
        const res = await rt.prompt(await this.primed(prompt));
        stopReason = res.stopReason;
      }
    } catch (err) {
      if (turn.cancelled) stopReason = "cancelled";
      else error = turn.crashed ?? (await this.crashReason(turn, err as Error));
    }
    // Updates sent just before the prompt's answer may still be in flight inside the SDK.
    await new Promise((r) => setImmediate(r));
    this.cancelPermissions(turnId);
    const afterwards = await this.o.afterTurn?.(prompt.content).catch((err: Error) => {
      this.o.log("error", "the end-of-turn step failed", { err: err.message });
      return undefined;
    });
    if (afterwards) recorder.notice(afterwards);
    recorder.finish();
    this.outbox.push(`turn.finished:${turnId}`, {
      type: "turn.finished",
      turn_id: turnId,
      stop_reason: stopReason,
      ...(error ? { error: error.slice(0, 10_000) } : {}),
    });
  }

  /** A prompt that failed because its runtime died says why it died (the exit lands a moment later). */
  private async crashReason(turn: Turn, err: Error): Promise<string> {
    const rt = turn.runtime;
    if (!rt) return err.message;
    // A runtime that answers the prompt with a bare error ("Internal error") said why on stderr.
    const tail = rt.lastStderr(3);
    const answered = `${err.message}${tail ? ` (the runtime's last output: ${tail})` : ""}`;
    const timeout = new Promise<string>((r) => setTimeout(() => r(answered), 1_000).unref());
    return Promise.race([rt.exited, timeout]);
  }

  private cancel(turnId: string): void {
    const queued = this.queue.findIndex((p) => p.turn_id === turnId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.outbox.push(`turn.finished:${turnId}`, { type: "turn.finished", turn_id: turnId, stop_reason: "cancelled" });
      return;
    }
    const turn = this.current;
    if (!turn || turn.prompt.turn_id !== turnId || turn.cancelled) return;
    turn.cancelled = true;
    this.cancelPermissions(turnId);
    const rt = turn.runtime;
    if (!rt) return;
    void rt.cancel();
    // A runtime that ignores session/cancel is restarted, so the next prompt is not stuck behind it.
    const grace = setTimeout(() => {
      if (this.current === turn) void this.supervisor.restart("the runtime did not stop the cancelled turn");
    }, this.o.cancelGraceMs ?? 15_000);
    grace.unref();
  }

  private onUpdate(update: acp.SessionUpdate): void {
    if (this.current) this.current.recorder.apply(update);
    else this.o.log("debug", "session update outside a turn", { kind: update.sessionUpdate });
  }

  private async onPermission(
    req: acp.RequestPermissionRequest,
    signal: AbortSignal,
  ): Promise<acp.RequestPermissionResponse> {
    const turn = this.current;
    if (!turn || turn.cancelled) return { outcome: { outcome: "cancelled" } };
    if (this.settings.permission_mode === ("autonomous" satisfies PermissionMode)) {
      const allow = pickAllow(req.options);
      return allow ? { outcome: { outcome: "selected", optionId: allow } } : { outcome: { outcome: "cancelled" } };
    }
    turn.recorder.flush(); // the tool call it asks about goes first
    const id = newEntryId();
    const tc = req.toolCall;
    this.outbox.push(`permission:${id}`, {
      type: "permission.request",
      id,
      turn_id: turn.prompt.turn_id,
      tool_call: {
        tool_call_id: tc.toolCallId,
        title: tc.title ?? "",
        kind: tc.kind ?? "other",
        ...(tc.rawInput !== undefined ? { input: tc.rawInput } : {}),
      },
      options: req.options.slice(0, 20).map((o) => ({ option_id: o.optionId, name: o.name, kind: o.kind })),
    });
    return new Promise((resolve) => {
      this.permissions.set(id, { turnId: turn.prompt.turn_id, resolve });
      signal.addEventListener("abort", () => {
        if (this.permissions.delete(id)) resolve({ outcome: { outcome: "cancelled" } });
      });
    });
  }

  private cancelPermissions(turnId: string): void {
    for (const [id, p] of this.permissions) {
      if (p.turnId !== turnId) continue;
      this.permissions.delete(id);
      p.resolve({ outcome: { outcome: "cancelled" } });
    }
  }

  private onMalformed(line: string): void {
    this.o.log("warn", "the agent runtime wrote a line that is not an ACP message; ignored it", { line });
    if (this.malformedSeen) return;
    this.malformedSeen = true;
    this.notice({
      level: "warning",
      text: "The agent runtime wrote output that is not part of the Agent Client Protocol; agentd ignores it (details in the agentd log).",
    });
  }

  /** A notice in the current turn, or on its own between turns. */
  notice(content: NoticeContent): void {
    if (this.current) {
      this.current.recorder.notice(content);
      return;
    }
    const recorder = new TurnRecorder({
      turnId: null,
      flushMs: 0,
      emit: (m) => this.outbox.push(`entry:${m.id}`, m),
    });
    recorder.notice(content);
  }
}

/** A stderr line about an MCP server that failed (Claude Code, Qwen Code and Gemini CLI word it differently). */
const MCP_FAILURE =
  /\bmcp\b.*(fail|error|could ?n[o']t|unable|refused|timed? ?out|econn|unauthori[sz]ed|\b401\b)|(fail|error|could ?n[o']t|unable).*\bmcp\b/i;

/** In autonomous mode agentd allows the tool call itself: "always" first, so the runtime stops asking. */
function pickAllow(options: acp.PermissionOption[]): string | undefined {
  return (
    options.find((o) => o.kind === "allow_always")?.optionId ??
    options.find((o) => o.kind === "allow_once")?.optionId ??
    undefined
  );
}

/** The line naming the attached knowledge sources, as the first prompt's context. */
export function knowledgeContext(sources: readonly AgentKnowledgeSource[]): string {
  const items = sources.map((k) => `- ${k.name} (${k.kind})${k.description ? `: ${k.description}` : ""}`);
  return `Knowledge you can search with search_knowledge (and read with read_document):\n${items.join("\n")}`;
}
