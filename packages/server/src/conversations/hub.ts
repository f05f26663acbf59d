import type { AgentClientMessage, AgentServerMessage, SessionSettings, StrandEvent } from "@strand/protocol";
import type { Logger } from "pino";
import { ZodError } from "zod";
import type { Db } from "../db/database.js";
import type { EventBus } from "../events/bus.js";
import { newId } from "../lib/ids.js";
import { agentExtrasOf } from "../mcp/servers/service.js";
import type { Notifier } from "../notifications/notify.js";
import { AgentMessageRejected, DeliveryStore } from "./delivery.js";
import { findSession } from "./entries.js";
import { threadSummary } from "./summary.js";
import { workspaceOf } from "./workspace-settings.js";

/** The chat messages agentd sends; the hub handles exactly these. */
export const CHAT_MESSAGE_TYPES = new Set<string>([
  "turn.started",
  "entry.upsert",
  "turn.finished",
  "permission.request",
  "history.request",
]);
type ChatMessage = Extract<
  AgentClientMessage,
  { type: "turn.started" | "entry.upsert" | "turn.finished" | "permission.request" | "history.request" }
>;

/**
 * A chat message that failed validation is acked with the reason, so agentd drops it instead
 * of sending it again forever.
 */
export function rejectUnreadable(text: string, err: unknown, send: (msg: AgentServerMessage) => void): void {
  let mid: unknown;
  try {
    mid = (JSON.parse(text) as { mid?: unknown }).mid;
  } catch {
    return;
  }
  if (typeof mid !== "string" || mid.length === 0 || mid.length > 64) return;
  const issues = err instanceof ZodError ? err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : "";
  send({ type: "ack", mid, error: `invalid message${issues ? `: ${issues}` : ""}`.slice(0, 2_000) });
}

export interface AgentLink {
  /** A chat message from this agentd; handled in order, acked once stored. */
  handle(msg: AgentClientMessage): void;
  /** The socket closed. */
  detach(): void;
}

/** Catches up on whatever an event or a failed step missed (a lost notification, a database blip). */
const SWEEP_MS = 5_000;

interface Link {
  id: string;
  instance: string;
  /** The hello's reconcile step succeeded. */
  reconciled: boolean;
  send: (msg: AgentServerMessage) => void;
  settings?: SessionSettings;
  /** What was last sent, workspace included, so an unchanged session sends nothing. */
  settingsSent?: string;
}

/**
 * Connects conversations to the agentd sockets this replica holds: delivers queued prompts one
 * at a time, stores what agentd streams back, and relays cancels and permission answers.
 *
 * Work for one session runs strictly in order (a promise chain), so an upsert never overtakes
 * the one before it. Changes made elsewhere (a prompt posted on another replica, a cancel, an
 * answer) arrive as events on the bus, which is how they reach the replica holding the socket.
 */
export class ConversationHub {
  private readonly links = new Map<string, Link>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly store: DeliveryStore;
  private unsubscribe: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    notifier?: Notifier,
  ) {
    this.store = new DeliveryStore(db, notifier);
  }

  start(): void {
    this.unsubscribe = this.bus.subscribe(({ event }) => this.onEvent(event));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.unsubscribe?.();
    this.links.clear();
  }

  /** Called on agentd's hello. `instance` is its process id; without one, every connection counts as new. */
  attach(sessionId: string, instance: string | undefined, send: (msg: AgentServerMessage) => void): AgentLink {
    const link: Link = { id: newId("lnk", 8), instance: instance ?? newId("agentd"), reconciled: false, send };
    this.links.set(sessionId, link);
    this.run(sessionId, () => this.greet(sessionId, link));
    return {
      handle: (msg) => {
        if (!CHAT_MESSAGE_TYPES.has(msg.type)) return;
        this.run(sessionId, () => this.onAgentMessage(sessionId, link, msg as ChatMessage));
      },
      detach: () => {
        if (this.links.get(sessionId) === link) this.links.delete(sessionId);
      },
    };
  }

  private async greet(sessionId: string, link: Link): Promise<void> {
    if (this.links.get(sessionId) !== link) return; // a newer hello took over
    await this.sendSettings(sessionId, link);
    const { redeliver, answers } = await this.store.reconcile(sessionId, link.instance);
    link.reconciled = true;
    for (const p of redeliver) link.send({ type: "prompt", ...p });
    for (const a of answers) link.send({ type: "permission.answer", ...a });
    await this.pump(sessionId, link);
  }

  private sweep(): void {
    for (const [sessionId, link] of this.links) {
      if (this.chains.has(sessionId)) continue;
      this.run(sessionId, () => (link.reconciled ? this.pump(sessionId, link) : this.greet(sessionId, link)));
    }
  }

  private async onAgentMessage(sessionId: string, link: Link, msg: ChatMessage): Promise<void> {
    if (msg.type === "history.request") {
      // Read in the session's chain, so it sees every entry agentd sent before asking.
      const summary = await threadSummary(this.db, sessionId, msg.before_turn);
      link.send({ type: "history", id: msg.id, summary });
      return;
    }
    try {
      switch (msg.type) {
        case "turn.started":
          if (!(await this.store.turnStarted(sessionId, msg))) link.send({ type: "cancel", turn_id: msg.turn_id });
          break;
        case "entry.upsert":
          await this.store.upsert(sessionId, msg);
          break;
        case "turn.finished":
          await this.store.turnFinished(sessionId, msg);
          break;
        case "permission.request": {
          const answer = await this.store.permissionRequest(sessionId, msg);
          if (answer) link.send({ type: "permission.answer", ...answer });
          break;
        }
      }
    } catch (err) {
      if (err instanceof AgentMessageRejected) {
        this.log.warn({ session: sessionId, type: msg.type, reason: err.message }, "refused an agent message");
        link.send({ type: "ack", mid: msg.mid, error: err.message });
        return;
      }
      // Not acked: agentd sends it again (on its retry timer or after reconnecting).
      throw err;
    }
    link.send({ type: "ack", mid: msg.mid });
    if (msg.type === "turn.finished") await this.pump(sessionId, link);
  }

  /** Hands agentd the next queued prompt when it has nothing in flight. */
  private async pump(sessionId: string, link: Link): Promise<void> {
    if (this.links.get(sessionId) !== link || !link.reconciled) return;
    const next = await this.store.deliverNext(sessionId, link.instance);
    if (next) link.send({ type: "prompt", ...next });
  }

  private async sendSettings(sessionId: string, link: Link): Promise<void> {
    const s = await findSession(this.db, sessionId);
    const settings: SessionSettings = {
      runtime: s.runtime as SessionSettings["runtime"],
      model: s.model,
      permission_mode: s.permissionMode as SessionSettings["permission_mode"],
    };
    const workspace = await workspaceOf(this.db, s);
    // The project's and team's MCP servers and knowledge sources, as read now (docs/mcp.md).
    const extras = await agentExtrasOf(this.db, s);
    const sent = JSON.stringify({ ...settings, workspace, ...extras });
    if (link.settingsSent === sent) return;
    link.settings = settings;
    link.settingsSent = sent;
    link.send({ type: "session.settings", ...settings, workspace, ...extras });
  }

  private onEvent(event: StrandEvent): void {
    if (!("session_id" in event)) return;
    const sessionId = event.session_id;
    if ("session" in event && (event.session.state === "stopped" || event.session.state === "failed")) {
      // Its agentd is gone even if the socket's close has not arrived yet: deliver nothing more to it.
      this.links.delete(sessionId);
      // Every replica hears this; the first one does the work, the others find nothing left.
      this.run(sessionId, () => this.store.sessionStopped(sessionId));
      return;
    }
    const link = this.links.get(sessionId);
    if (!link) return;
    if ("session" in event) {
      if (event.type === "session.updated") this.run(sessionId, () => this.sendSettings(sessionId, link));
      return;
    }
    if (!("entry" in event)) return;
    const { entry } = event;
    if (entry.kind === "user") {
      if (entry.status === "cancelled" && entry.turn_id) link.send({ type: "cancel", turn_id: entry.turn_id });
      if (entry.status === "queued" || entry.status === "cancelled")
        this.run(sessionId, () => this.pump(sessionId, link));
    } else if (entry.kind === "permission" && entry.status === "answered") {
      link.send({ type: "permission.answer", id: entry.id, option_id: entry.content.selected_option_id });
    }
  }

  private run(sessionId: string, fn: () => Promise<void>): void {
    const prev = this.chains.get(sessionId) ?? Promise.resolve();
    const next = prev
      .then(fn)
      .catch((err) => this.log.warn({ err, session: sessionId }, "conversation step failed; agentd will retry"));
    this.chains.set(sessionId, next);
    void next.then(() => {
      if (this.chains.get(sessionId) === next) this.chains.delete(sessionId);
    });
  }
}
