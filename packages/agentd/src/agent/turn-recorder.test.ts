import { describe, expect, it } from "vitest";
import { clampStrings, splitBytes, TurnRecorder } from "./turn-recorder.js";

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
