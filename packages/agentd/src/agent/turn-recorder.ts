import { randomBytes } from "node:crypto";
import type * as acp from "@agentclientprotocol/sdk";
import { type NoticeContent, type ReplaceMarker, replaceMarkerOf, type ToolCallEntryContent } from "@strand/protocol";
import type { Durable } from "./outbox.js";

type Upsert = Extract<Durable, { type: "entry.upsert" }>;
type Kind = Upsert["kind"];

interface Entry {
  id: string;
  kind: Kind;
  status: string;
  content: unknown;
  rev: number;
  sentRev: number;
}

/** Text entries are cut into pieces of this size: each upsert must fit the agent link's limit. */
const TEXT_PIECE_BYTES = 24 * 1024;
/** Tool call content is trimmed (long strings shortened) to this size. */
const TOOL_CONTENT_BYTES = 40 * 1024;
/** How much of a terminal's output a tool-call entry shows. */
const TERMINAL_TAIL_CHARS = 8 * 1024;
/** What a withdrawn tool call that the retried answer did not reuse says. */
const WITHDRAWN = "Withdrawn: the model's answer broke off and was asked for again; this call never ran.";

export const newEntryId = () => `ent_${randomBytes(10).toString("hex")}`;

export interface TurnRecorderOptions {
  turnId: string | null;
  /** Sends one entry's current state (through the outbox). */
  emit(msg: Upsert): void;
  /** Streamed text is sent at most this often per entry. */
  flushMs: number;
  /** Current output of an agentd terminal, for tool calls that show one. */
  terminal?(id: string): { output: string; exitCode: number | null | undefined } | undefined;
}

/**
 * Turns one prompt turn's ACP session updates into conversation entries: consecutive message
 * chunks grow one text entry, thought chunks one thinking entry, each tool call is an entry
 * updated in place, the plan is one entry. Changes are coalesced: a new entry goes out at once,
 * further changes at most every `flushMs`, so a long answer is tens of upserts, not thousands.
 *
 * A replace marker (`_meta["strand.dev/replace"]`, docs/conversations.md) withdraws the text and
 * thinking of one message and the tool calls it lists: a model stream broke and the step starts
 * again. The server cannot delete entries, so the withdrawn ones are reused, in thread order, by
 * the retried step's entries of the same kind; those it does not reuse are emptied (text,
 * thinking) or failed as withdrawn (tool calls) once the step is over. The thread then shows the
 * answer once, where the broken one was.
 */
export class TurnRecorder {
  private readonly entries: Entry[] = [];
  private readonly toolEntries = new Map<string, Entry>();
  private readonly terminalUsers = new Map<string, Set<Entry>>();
  /** The text and thinking entries each ACP message (by `messageId`) went into. */
  private readonly messageEntries = new Map<string, Set<Entry>>();
  /** Withdrawn entries waiting to be reused by the retried step, in thread order. */
  private recycled: Entry[] = [];
  /** The text or thinking entry the next chunk of the same kind extends. */
  private stream: Entry | undefined;
  private plan: Entry | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: TurnRecorderOptions) {}

  apply(update: acp.SessionUpdate): void {
    switch (update.sessionUpdate) {
      case "agent_message_chunk":
      case "agent_thought_chunk": {
        const marker = replaceMarkerOf(update._meta);
        if (marker) this.replace(marker);
        else this.chunk(update.sessionUpdate === "agent_message_chunk" ? "text" : "thinking", update);
        return;
      }
      case "tool_call":
      case "tool_call_update":
        this.toolCall(update);
        return;
      case "plan": {
        const content = {
          entries: update.entries.map((e) => ({ content: e.content, priority: e.priority, status: e.status })),
        };
        if (!this.plan) this.plan = this.create("plan", "in_progress", content);
        else this.change(this.plan, this.plan.status, content);
        return;
      }
      case "notice":
        this.notice({
          text: [update.title, update.description].filter(Boolean).join(": "),
          level: level(update.severity),
        });
        return;
      default:
        // user_message_chunk (our own prompt echoed), commands, modes, usage: not part of the thread.
        return;
    }
  }

  /** A notice inside this turn (or outside any, for a recorder with no turn). */
  notice(content: NoticeContent): void {
    this.stream = undefined;
    this.create("notice", "completed", content);
  }

  /** An agentd terminal changed: tool calls showing it are refreshed on the next flush. */
  terminalChanged(terminalId: string): void {
    for (const e of this.terminalUsers.get(terminalId) ?? []) this.change(e, e.status, e.content);
  }

  /** The turn ended: streams and the plan are complete; tool calls left open keep their status. */
  finish(): void {
    this.stream = undefined;
    this.settleRecycled();
    for (const e of this.entries) {
      if ((e.kind === "text" || e.kind === "thinking" || e.kind === "plan") && e.status !== "completed") {
        this.change(e, "completed", e.content);
      }
    }
    this.flush();
    this.closed = true;
  }

  /** Sends every entry with unsent changes, oldest first. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const e of this.entries) {
      if (e.sentRev === e.rev) continue;
      e.sentRev = e.rev;
      const content = e.kind === "tool_call" ? this.withTerminals(e.content as ToolCallEntryContent) : e.content;
      this.o.emit({
        type: "entry.upsert",
        id: e.id,
        turn_id: this.o.turnId,
        rev: e.rev,
        kind: e.kind,
        status: e.status,
        content: fits(content) ? content : tooLarge(e.kind, content),
      } as Upsert);
    }
  }

  private chunk(kind: "text" | "thinking", update: acp.ContentChunk): void {
    const block = update.content;
    const text =
      block.type === "text" ? block.text : block.type === "resource_link" ? `[${block.name}](${block.uri})` : "";
    if (!text) return;
    const current = this.stream?.kind === kind ? this.stream : undefined;
    if (current) {
      const before = (current.content as { text: string }).text;
      if (Buffer.byteLength(before) + Buffer.byteLength(text) <= TEXT_PIECE_BYTES) {
        this.change(current, "in_progress", { text: before + text });
        this.track(update.messageId, current);
        return;
      }
      this.change(current, "completed", current.content);
    }
    const pieces = splitBytes(text, TEXT_PIECE_BYTES);
    for (const [i, piece] of pieces.entries()) {
      this.stream = this.create(kind, i < pieces.length - 1 ? "completed" : "in_progress", { text: piece });
      this.track(update.messageId, this.stream);
    }
  }

  private track(messageId: string | null | undefined, e: Entry): void {
    if (!messageId) return;
    const set = this.messageEntries.get(messageId) ?? new Set();
    set.add(e);
    this.messageEntries.set(messageId, set);
  }

  /** A step starts again: its entries wait to be reused by the retried one (see the class comment). */
  private replace(marker: ReplaceMarker): void {
    const withdrawn = new Set<Entry>(this.recycled);
    for (const e of this.messageEntries.get(marker.messageId) ?? []) withdrawn.add(e);
    this.messageEntries.delete(marker.messageId);
    for (const id of marker.toolCallIds) {
      const e = this.toolEntries.get(id);
      if (!e) continue;
      withdrawn.add(e);
      this.toolEntries.delete(id);
      for (const users of this.terminalUsers.values()) users.delete(e);
    }
    this.recycled = this.entries.filter((e) => withdrawn.has(e));
    this.stream = undefined;
  }

  /** The retried step is over: withdrawn entries it did not reuse say so. */
  private settleRecycled(): void {
    for (const e of this.recycled.splice(0)) this.withdraw(e);
  }

  private withdraw(e: Entry): void {
    if (e.kind === "tool_call") {
      const c = e.content as ToolCallEntryContent;
      this.change(e, "failed", { ...c, content: [{ type: "text", text: WITHDRAWN }], diffs: [] });
    } else {
      this.change(e, "completed", { text: "" });
    }
  }

  private toolCall(u: acp.ToolCall | acp.ToolCallUpdate): void {
    this.stream = undefined;
    let entry = this.toolEntries.get(u.toolCallId);
    const prev = entry?.content as ToolCallEntryContent | undefined;
    const content: ToolCallEntryContent = {
      tool_call_id: u.toolCallId,
      title: u.title ?? prev?.title ?? "",
      kind: u.kind ?? prev?.kind ?? "other",
      ...(u.rawInput !== undefined ? { input: u.rawInput } : prev && "input" in prev ? { input: prev.input } : {}),
      ...(u.rawOutput !== undefined
        ? { output: u.rawOutput }
        : prev && "output" in prev
          ? { output: prev.output }
          : {}),
      content: prev?.content ?? [],
      locations: u.locations
        ? u.locations.map((l) => ({ path: l.path, line: l.line ?? null }))
        : (prev?.locations ?? []),
      diffs: prev?.diffs ?? [],
    };
    if (u.content) {
      content.content = [];
      content.diffs = [];
      for (const c of u.content) {
        if (c.type === "diff") content.diffs.push({ path: c.path, old_text: c.oldText ?? null, new_text: c.newText });
        else if (c.type === "terminal") content.content.push({ type: "terminal", terminal_id: c.terminalId });
        else if (c.content.type === "text") content.content.push({ type: "text", text: c.content.text });
        else content.content.push({ type: "other", value: c.content });
      }
    }
    const status = u.status ?? entry?.status ?? "pending";
    // A tool ran: the retried step's answer is complete, whatever it did not reuse stays withdrawn.
    if (status === "in_progress" || status === "completed") this.settleRecycled();
    if (!entry) {
      entry = this.create("tool_call", status, content);
      this.toolEntries.set(u.toolCallId, entry);
    } else {
      this.change(entry, status, content);
    }
    for (const c of content.content) {
      if (c.type !== "terminal") continue;
      const users = this.terminalUsers.get(c.terminal_id) ?? new Set();
      users.add(entry);
      this.terminalUsers.set(c.terminal_id, users);
    }
  }

  private withTerminals(content: ToolCallEntryContent): ToolCallEntryContent {
    const items = content.content.map((c) => {
      if (c.type !== "terminal") return c;
      const t = this.o.terminal?.(c.terminal_id);
      return t ? { ...c, output: t.output.slice(-TERMINAL_TAIL_CHARS), exit_code: t.exitCode ?? null } : c;
    });
    return clampStrings({ ...content, content: items }, TOOL_CONTENT_BYTES);
  }

  private create(kind: Kind, status: string, content: unknown): Entry {
    // Withdrawn entries are reused in thread order; one passed over can no longer be, as that would put it out of order.
    while (this.recycled.length) {
      const e = this.recycled.shift() as Entry;
      if (e.kind !== kind) {
        this.withdraw(e);
        continue;
      }
      e.status = status;
      e.content = content;
      e.rev++;
      this.flush();
      return e;
    }
    const e: Entry = { id: newEntryId(), kind, status, content, rev: 1, sentRev: 0 };
    this.entries.push(e);
    // A new entry goes out at once (with anything older still pending, so order holds).
    this.flush();
    return e;
  }

  private change(e: Entry, status: string, content: unknown): void {
    e.status = status;
    e.content = content;
    e.rev++;
    if (this.closed) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.o.flushMs);
  }
}

const fits = (content: unknown) => Buffer.byteLength(JSON.stringify(content)) <= TOOL_CONTENT_BYTES;

/** What an entry says when even its trimmed content would not fit the link. */
function tooLarge(kind: Kind, content: unknown): unknown {
  const note = "(too large to show here)";
  switch (kind) {
    case "tool_call": {
      const c = content as ToolCallEntryContent;
      return {
        tool_call_id: c.tool_call_id,
        title: c.title.slice(0, 500),
        kind: c.kind,
        content: [{ type: "text", text: note }],
        locations: [],
        diffs: [],
      } satisfies ToolCallEntryContent;
    }
    case "plan":
      return { entries: [{ content: `The plan is ${note}`, priority: "medium", status: "pending" }] };
    case "notice":
      return { text: clampStrings(content as NoticeContent, 8 * 1024).text.slice(0, 8_000), level: "info" };
    default:
      return { text: note };
  }
}

function level(severity: string): NoticeContent["level"] {
  return severity === "error" || severity === "warning" ? severity : "info";
}

/** Splits text into pieces of at most `max` UTF-8 bytes, at character boundaries. */
export function splitBytes(text: string, max: number): string[] {
  const out: string[] = [];
  let piece = "";
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max && piece) {
      out.push(piece);
      piece = "";
      bytes = 0;
    }
    piece += ch;
    bytes += n;
  }
  if (piece || out.length === 0) out.push(piece);
  return out;
}

/**
 * Shortens the longest strings in a JSON value until it serializes to at most `maxBytes`: a huge
 * file read or diff is shown cut, rather than breaking the link.
 */
export function clampStrings<T>(value: T, maxBytes: number): T {
  let limit = 16 * 1024;
  let out = value;
  while (Buffer.byteLength(JSON.stringify(out) ?? "") > maxBytes && limit >= 16) {
    out = shorten(value, limit) as T;
    limit = Math.floor(limit / 2);
  }
  return out;
}

function shorten(v: unknown, limit: number): unknown {
  if (typeof v === "string")
    return v.length > limit ? `${v.slice(0, limit)}… [${v.length - limit} more characters]` : v;
  if (Array.isArray(v)) return v.map((x) => shorten(x, limit));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shorten(x, limit)]));
  return v;
}
