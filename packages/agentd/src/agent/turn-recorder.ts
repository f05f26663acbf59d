import { randomBytes } from "node:crypto";
import type * as acp from "@agentclientprotocol/sdk";
import type { NoticeContent, ToolCallEntryContent } from "@strand/protocol";
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
 */
export class TurnRecorder {
  private readonly entries: Entry[] = [];
  private readonly toolEntries = new Map<string, Entry>();
  private readonly terminalUsers = new Map<string, Set<Entry>>();
  /** The text or thinking entry the next chunk of the same kind extends. */
  private stream: Entry | undefined;
  private plan: Entry | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: TurnRecorderOptions) {}

  apply(update: acp.SessionUpdate): void {
    switch (update.sessionUpdate) {
      case "agent_message_chunk":
        this.chunk("text", update.content);
        return;
      case "agent_thought_chunk":
        this.chunk("thinking", update.content);
        return;
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

  private chunk(kind: "text" | "thinking", block: acp.ContentBlock): void {
    const text =
      block.type === "text" ? block.text : block.type === "resource_link" ? `[${block.name}](${block.uri})` : "";
    if (!text) return;
    const current = this.stream?.kind === kind ? this.stream : undefined;
    if (current) {
      const before = (current.content as { text: string }).text;
      if (Buffer.byteLength(before) + Buffer.byteLength(text) <= TEXT_PIECE_BYTES) {
        this.change(current, "in_progress", { text: before + text });
        return;
      }
      this.change(current, "completed", current.content);
    }
    const pieces = splitBytes(text, TEXT_PIECE_BYTES);
    for (const [i, piece] of pieces.entries()) {
      this.stream = this.create(kind, i < pieces.length - 1 ? "completed" : "in_progress", { text: piece });
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
