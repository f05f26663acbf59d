/**
 * What a session's client saw, turn by turn, compacted so `session/load` can replay it: the
 * prompt, then one update per run of text or thinking, one `tool_call` per call in its final
 * state, and the turn's last plan. A replace marker (a broken, retried model stream) removes
 * what it withdraws, so a replay shows the answer once.
 */
import type { ContentBlock, SessionUpdate, ToolCall, ToolCallUpdate } from "@agentclientprotocol/sdk";
import { replaceMarkerOf } from "@strand/protocol";

type Chunk = Extract<SessionUpdate, { sessionUpdate: "agent_message_chunk" | "agent_thought_chunk" }>;
type ToolCallItem = ToolCall & { sessionUpdate: "tool_call" };

export class Transcript {
  /** Oldest first; each turn's updates in the order the client got them. */
  readonly turns: SessionUpdate[][];

  constructor(turns: SessionUpdate[][] = []) {
    this.turns = turns;
  }

  beginTurn(prompt: ContentBlock[]): void {
    this.turns.push(prompt.map((content) => ({ sessionUpdate: "user_message_chunk", content })));
  }

  record(update: SessionUpdate): void {
    const turn = this.turns.at(-1);
    if (!turn) return;
    switch (update.sessionUpdate) {
      case "agent_message_chunk":
      case "agent_thought_chunk":
        this.chunk(turn, update);
        return;
      case "tool_call":
        this.removeToolCall(turn, update.toolCallId);
        turn.push(withoutMeta(update));
        return;
      case "tool_call_update":
        this.toolCallUpdate(turn, update);
        return;
      case "plan": {
        const at = turn.findIndex((u) => u.sessionUpdate === "plan");
        if (at >= 0) turn[at] = withoutMeta(update);
        else turn.push(withoutMeta(update));
        return;
      }
      default:
        // Mode, command and usage updates describe the live session, not the conversation.
        return;
    }
  }

  /** Every update of every turn, for replay. */
  replay(): SessionUpdate[] {
    return this.turns.flat();
  }

  private chunk(turn: SessionUpdate[], update: Chunk): void {
    const marker = replaceMarkerOf(update._meta);
    if (marker) {
      const withdrawn = new Set(marker.toolCallIds);
      for (let i = turn.length - 1; i >= 0; i--) {
        const u = turn[i] as SessionUpdate;
        const isChunk = u.sessionUpdate === "agent_message_chunk" || u.sessionUpdate === "agent_thought_chunk";
        if (
          (isChunk && u.messageId === marker.messageId) ||
          (u.sessionUpdate === "tool_call" && withdrawn.has(u.toolCallId))
        )
          turn.splice(i, 1);
      }
      return;
    }
    if (update.content.type === "text" && !update.content.text) return;
    const last = turn.at(-1);
    if (
      last?.sessionUpdate === update.sessionUpdate &&
      (last as Chunk).messageId === update.messageId &&
      (last as Chunk).content.type === "text" &&
      update.content.type === "text"
    ) {
      const prev = (last as Chunk).content as { type: "text"; text: string };
      turn[turn.length - 1] = { ...(last as Chunk), content: { type: "text", text: prev.text + update.content.text } };
      return;
    }
    turn.push(withoutMeta(update));
  }

  private toolCallUpdate(turn: SessionUpdate[], u: ToolCallUpdate): void {
    const at = turn.findIndex((x) => x.sessionUpdate === "tool_call" && x.toolCallId === u.toolCallId);
    const prev: ToolCallItem =
      at >= 0 ? (turn[at] as ToolCallItem) : { sessionUpdate: "tool_call", toolCallId: u.toolCallId, title: "" };
    const next: ToolCallItem = { ...prev };
    if (u.title != null) next.title = u.title;
    if (u.kind != null) next.kind = u.kind;
    if (u.status != null) next.status = u.status;
    if (u.content != null) next.content = u.content;
    if (u.locations != null) next.locations = u.locations;
    if (u.rawInput !== undefined) next.rawInput = u.rawInput;
    if (u.rawOutput !== undefined) next.rawOutput = u.rawOutput;
    if (at >= 0) turn[at] = next;
    else turn.push(next);
  }

  private removeToolCall(turn: SessionUpdate[], id: string): void {
    const at = turn.findIndex((x) => x.sessionUpdate === "tool_call" && x.toolCallId === id);
    if (at >= 0) turn.splice(at, 1);
  }
}

function withoutMeta<T extends SessionUpdate>(u: T): T {
  const { _meta: _, ...rest } = u as T & { _meta?: unknown };
  return rest as T;
}
