import type { ConversationEntry } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { agentActivity, heldRequestIds, lastSeq, mergeEntries, readWholeThread, upsertEntry } from "./thread.js";

const base = { session_id: "ses_1", turn_id: "trn_1", request_id: null, created_at: "2026-01-01T00:00:00.000Z" };

function text(id: string, seq: number, body: string, updated = "2026-01-01T00:00:01.000Z"): ConversationEntry {
  return {
    ...base,
    id,
    seq,
    kind: "text",
    role: "agent",
    status: "in_progress",
    content: { text: body },
    updated_at: updated,
  };
}

function prompt(
  id: string,
  seq: number,
  status: "queued" | "running" | "done",
  requestId = `req-${id}`,
): ConversationEntry {
  return {
    ...base,
    id,
    seq,
    request_id: requestId,
    kind: "user",
    role: "user",
    status,
    content: { text: "hi" },
    updated_at: "2026-01-01T00:00:01.000Z",
  };
}

describe("thread patching", () => {
  it("inserts new entries in seq order whatever order they arrive in", () => {
    let t = upsertEntry([], text("c", 3, "three"));
    t = upsertEntry(t, text("a", 1, "one"));
    t = upsertEntry(t, text("b", 2, "two"));
    expect(t.map((e) => e.id)).toEqual(["a", "b", "c"]);
    expect(lastSeq(t)).toBe(3);
  });

  it("replaces an entry by id as it streams", () => {
    let t = upsertEntry([], text("a", 1, "Hel", "2026-01-01T00:00:01.000Z"));
    t = upsertEntry(t, text("a", 1, "Hello", "2026-01-01T00:00:02.000Z"));
    expect(t).toHaveLength(1);
    expect(t[0]?.content).toEqual({ text: "Hello" });
  });

  it("ignores an older copy that arrives late (history page after a live update)", () => {
    let t = upsertEntry([], text("a", 1, "Hello world", "2026-01-01T00:00:05.000Z"));
    t = mergeEntries(t, [text("a", 1, "Hel", "2026-01-01T00:00:01.000Z"), text("b", 2, "next")]);
    expect(t.map((e) => (e.content as { text: string }).text)).toEqual(["Hello world", "next"]);
  });

  it("keeps the same array when nothing changes, so React skips the render", () => {
    const t = upsertEntry([], text("a", 1, "x", "2026-01-01T00:00:05.000Z"));
    expect(upsertEntry(t, text("a", 1, "old", "2026-01-01T00:00:01.000Z"))).toBe(t);
  });

  it("says what the agent is doing from the prompts' states", () => {
    expect(agentActivity([]).activity).toBe("idle");
    expect(agentActivity([prompt("p1", 1, "queued"), prompt("p2", 2, "queued")])).toEqual({
      activity: "queued",
      queued: 2,
    });
    expect(agentActivity([prompt("p1", 1, "running"), prompt("p2", 2, "queued")]).activity).toBe("running");
    expect(agentActivity([prompt("p1", 1, "done")]).activity).toBe("idle");
  });

  it("knows which client request ids the server has stored", () => {
    expect(heldRequestIds([prompt("p1", 1, "done", "r-1"), text("a", 2, "x")])).toEqual(new Set(["r-1"]));
  });
});

describe("readWholeThread", () => {
  it("keeps every page of a long thread, oldest first, and what events brought meanwhile (newest copy wins)", async () => {
    const all = Array.from({ length: 7 }, (_, i) => text(`e${i + 1}`, i + 1, `entry ${i + 1}`));
    const asked: number[] = [];
    const page = async (after: number) => {
      asked.push(after);
      const items = all.filter((e) => e.seq > after).slice(0, 3);
      const last = items[items.length - 1];
      return { items, next_after: last && last.seq < 7 ? last.seq : null };
    };
    // While it read, an event brought a newer copy of e2 and a new entry e8.
    const held = [text("e2", 2, "entry 2, edited", "2026-01-01T00:00:09.000Z"), text("e8", 8, "entry 8")];
    const thread = await readWholeThread(page, () => held);
    expect(asked).toEqual([0, 3, 6]);
    expect(thread.map((e) => e.id)).toEqual(["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"]);
    expect((thread[1] as { content: { text: string } }).content.text).toBe("entry 2, edited");
  });
});
