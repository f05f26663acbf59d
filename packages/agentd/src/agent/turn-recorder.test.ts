import type * as acp from "@agentclientprotocol/sdk";
import { ACP_META } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { clampStrings, splitBytes, TurnRecorder } from "./turn-recorder.js";

/** A recorder and the thread it leaves: each entry's latest state, in the order entries were first sent (their seq). */
function recorder() {
  const sent: any[] = [];
  const r = new TurnRecorder({ turnId: "trn_1", flushMs: 1_000, emit: (m) => sent.push(m) });
  const thread = () => {
    const last = new Map<string, any>();
    for (const m of sent) last.set(m.id, m);
    return [...last.values()].map((m) => ({ id: m.id, kind: m.kind, status: m.status, content: m.content }));
  };
  return { r, sent, thread };
}
const text = (messageId: string, t: string): acp.SessionUpdate => ({
  sessionUpdate: "agent_message_chunk",
  messageId,
  content: { type: "text", text: t },
});
const thought = (messageId: string, t: string): acp.SessionUpdate => ({
  sessionUpdate: "agent_thought_chunk",
  messageId,
  content: { type: "text", text: t },
});
const call = (id: string, status: acp.ToolCallStatus = "pending"): acp.SessionUpdate => ({
  sessionUpdate: "tool_call",
  toolCallId: id,
  title: `call ${id}`,
  kind: "execute",
  status,
});
const update = (id: string, status: acp.ToolCallStatus, out?: string): acp.SessionUpdate => ({
  sessionUpdate: "tool_call_update",
  toolCallId: id,
  status,
  ...(out ? { content: [{ type: "content", content: { type: "text", text: out } }] } : {}),
});
const replace = (messageId: string, toolCallIds: string[] = []): acp.SessionUpdate => ({
  sessionUpdate: "agent_message_chunk",
  messageId,
  content: { type: "text", text: "" },
  _meta: { [ACP_META.replace]: { messageId, toolCallIds } },
});

describe("turn recorder, a retried model step (replace marker)", () => {
  it("replaces the broken step's thinking, text and pending tool calls instead of appending", () => {
    const { r, sent, thread } = recorder();
    r.apply(text("m0", "Earlier step."));
    r.apply(call("done", "completed"));
    r.apply(thought("m1", "Hmm"));
    r.apply(text("m1", "The ans"));
    r.apply(call("a"));
    r.apply(update("a", "failed", "Withdrawn: broke off"));
    r.flush();
    const before = thread();
    r.apply(replace("m1", ["a"]));
    r.apply(thought("m2", "Hmm, "));
    r.apply(thought("m2", "right."));
    r.apply(text("m2", "The answer "));
    r.apply(text("m2", "is 42."));
    r.apply(call("b"));
    r.apply(update("b", "in_progress"));
    r.apply(update("b", "completed", "42"));
    r.finish();

    const after = thread();
    // The same entries, in the same places, now holding the retried step.
    expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(after.map((e) => [e.kind, e.status, e.content.text ?? e.content.tool_call_id])).toEqual([
      ["text", "completed", "Earlier step."],
      ["tool_call", "completed", "done"],
      ["thinking", "completed", "Hmm, right."],
      ["text", "completed", "The answer is 42."],
      ["tool_call", "completed", "b"],
    ]);
    expect(after[4]?.content.content).toEqual([{ type: "text", text: "42" }]);
    // Every upsert of an entry has a higher rev than the one before, so the server takes each.
    const revs = new Map<string, number>();
    for (const m of sent) {
      expect(m.rev).toBeGreaterThan(revs.get(m.id) ?? 0);
      revs.set(m.id, m.rev);
    }
  });

  it("withdraws what the retried step does not reuse, keeping the thread in order", () => {
    const { r, thread } = recorder();
    r.apply(text("m1", "Let me run two things"));
    r.apply(call("a"));
    r.apply(call("c"));
    r.apply(replace("m1", ["a", "c"]));
    r.apply(text("m2", "Let me run one thing."));
    r.apply(call("b"));
    r.apply(update("b", "in_progress"));
    r.flush();
    // The retried step is over once its tool runs: the call it did not reuse says it was withdrawn.
    expect(thread()[2]).toMatchObject({
      status: "failed",
      content: { tool_call_id: "c", content: [{ type: "text", text: expect.stringMatching(/^Withdrawn: /) }] },
    });
    r.apply(update("b", "completed"));
    r.apply(text("m3", "Done."));
    r.finish();
    expect(thread().map((e) => [e.kind, e.status, e.content.text ?? e.content.tool_call_id])).toEqual([
      ["text", "completed", "Let me run one thing."],
      ["tool_call", "completed", "b"],
      ["tool_call", "failed", "c"],
      ["text", "completed", "Done."],
    ]);
  });

  it("survives a step broken twice, and leaves other messages alone", () => {
    const { r, thread } = recorder();
    r.apply(text("m0", "Kept."));
    r.apply(call("t0", "completed"));
    r.apply(thought("m1", "first try"));
    r.apply(text("m1", "first"));
    r.apply(replace("m1"));
    r.apply(thought("m2", "second try"));
    r.apply(replace("m2"));
    r.apply(thought("m3", "third try"));
    r.apply(text("m3", "third and whole"));
    r.finish();
    expect(thread().map((e) => [e.kind, e.content.text ?? e.content.tool_call_id])).toEqual([
      ["text", "Kept."],
      ["tool_call", "t0"],
      ["thinking", "third try"],
      ["text", "third and whole"],
    ]);
  });
});

describe("turn recorder limits", () => {
  it("cuts a huge answer into text entries that each fit the agent link", () => {
    const sent: any[] = [];
    const r = new TurnRecorder({ turnId: "trn_1", flushMs: 1_000, emit: (m) => sent.push(m) });
    const big = "é".repeat(40_000); // 80 000 bytes
    r.apply({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: big } });
    r.apply({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "end" } });
    r.finish();
    const last = new Map<string, any>();
    for (const m of sent) last.set(m.id, m);
    const texts = [...last.values()].map((m) => m.content.text);
    expect(texts.join("")).toBe(`${big}end`);
    expect(texts.length).toBeGreaterThan(3);
    for (const m of last.values()) {
      expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThan(56 * 1024);
      expect(m.status).toBe("completed");
    }
  });

  it("shortens a tool call's huge output instead of dropping the entry", () => {
    const sent: any[] = [];
    const r = new TurnRecorder({ turnId: "trn_1", flushMs: 1_000, emit: (m) => sent.push(m) });
    r.apply({
      sessionUpdate: "tool_call",
      toolCallId: "t",
      title: "cat big.log",
      kind: "read",
      status: "completed",
      rawOutput: { text: "x".repeat(500_000) },
    });
    r.finish();
    const m = sent.at(-1);
    expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThan(48 * 1024);
    expect(m.content.title).toBe("cat big.log");
    expect(m.content.output.text).toMatch(/more characters\]$/);
  });

  it("splits at character boundaries and clamps only what is too long", () => {
    expect(splitBytes("aé😀b", 4)).toEqual(["aé", "😀", "b"]);
    expect(splitBytes("", 4)).toEqual([""]);
    const small = { a: "short", b: ["x"] };
    expect(clampStrings(small, 1_000)).toBe(small);
    const clamped = clampStrings({ a: "y".repeat(10_000), b: "short" }, 2_000);
    expect(clamped.b).toBe("short");
    expect(Buffer.byteLength(JSON.stringify(clamped))).toBeLessThanOrEqual(2_000);
  });
});
