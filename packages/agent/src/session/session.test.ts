import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ACP_META } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { tempWorkspace } from "../test-support/agent-process.js";
import { readSession, type SavedSession, sessionFile, writeSession } from "./store.js";
import { Transcript } from "./transcript.js";

const turn = (i: number, size: number): SavedSession["turns"][number] => ({
  messages: [
    { role: "user", content: [{ type: "text", text: `prompt ${i}` }] },
    { role: "assistant", text: "x".repeat(size), thinking: [], toolCalls: [] },
  ],
  updates: [{ sessionUpdate: "agent_message_chunk", content: { type: "text", text: `answer ${i}` } }],
});
const session = (turns: SavedSession["turns"]): SavedSession => ({
  version: 1,
  sessionId: "s1",
  savedAt: "2026-01-01T00:00:00Z",
  alwaysAllowed: ["run_command"],
  turns,
});

describe("saved sessions", () => {
  it("round-trips, drops the oldest turns past the size limit, and leaves no temporary file", async () => {
    const ws = tempWorkspace();
    const path = sessionFile(ws, "s1");
    const turns = Array.from({ length: 40 }, (_, i) => turn(i, 10_000));
    const dropped = await writeSession(path, session(turns), 100_000);
    const back = await readSession(path);
    expect(dropped).toBeGreaterThan(0);
    expect(back?.turns.length).toBe(40 - dropped);
    expect(readFileSync(path).length).toBeLessThanOrEqual(100_000);
    // The newest turns are the ones kept, whole.
    expect(back?.turns.at(-1)).toEqual(turns.at(-1));
    expect(back?.turns[0]).toEqual(turns[dropped]);
    expect(back?.alwaysAllowed).toEqual(["run_command"]);
    expect(readdirSync(dirname(path))).toEqual(["s1.json"]);
    expect(readFileSync(join(ws, ".strand/.gitignore"), "utf8")).toBe("*\n");

    // One turn larger than the limit is still kept: the limit bounds growth, it never empties a session.
    await writeSession(path, session([turn(1, 10_000), turn(2, 200_000)]), 100_000);
    expect((await readSession(path))?.turns.map((t) => t.updates)).toEqual([turn(2, 0).updates]);
  });

  it("says why a saved session cannot be used, and refuses ids that are paths", async () => {
    const ws = tempWorkspace();
    expect(await readSession(sessionFile(ws, "missing"))).toBeUndefined();
    const path = sessionFile(ws, "s1");
    await writeSession(path, session([turn(1, 10)]), 100_000);
    writeFileSync(path, "{not json");
    await expect(readSession(path)).rejects.toThrow(/s1\.json is not valid JSON/);
    writeFileSync(path, JSON.stringify({ version: 2, turns: [] }));
    await expect(readSession(path)).rejects.toThrow(/is not a saved strand-agent session/);
    expect(() => sessionFile(ws, "../../x")).toThrow(/not a session id/);
  });
});

describe("transcript", () => {
  it("compacts a turn to one update per text run and tool call, and applies the replace marker", () => {
    const t = new Transcript();
    t.beginTurn([{ type: "text", text: "go" }]);
    const text = (messageId: string, s: string) =>
      t.record({ sessionUpdate: "agent_message_chunk", messageId, content: { type: "text", text: s } });
    text("m1", "Let me ");
    text("m1", "look");
    t.record({ sessionUpdate: "tool_call", toolCallId: "a", title: "read file", status: "pending" });
    t.record({ sessionUpdate: "tool_call_update", toolCallId: "a", status: "failed" });
    t.record({
      sessionUpdate: "agent_message_chunk",
      content: { type: "text", text: "" },
      _meta: { [ACP_META.replace]: { messageId: "m1", toolCallIds: ["a"] } },
    });
    text("m2", "Let me look.");
    t.record({ sessionUpdate: "tool_call", toolCallId: "b", title: "read file", status: "pending" });
    t.record({ sessionUpdate: "tool_call_update", toolCallId: "b", title: "Read a.ts", status: "in_progress" });
    t.record({
      sessionUpdate: "tool_call_update",
      toolCallId: "b",
      status: "completed",
      content: [{ type: "content", content: { type: "text", text: "1\tx" } }],
    });
    t.record({ sessionUpdate: "plan", entries: [{ content: "a", priority: "medium", status: "pending" }] });
    t.record({ sessionUpdate: "plan", entries: [{ content: "a", priority: "medium", status: "completed" }] });
    text("m3", "Done.");
    expect(t.replay()).toEqual([
      { sessionUpdate: "user_message_chunk", content: { type: "text", text: "go" } },
      { sessionUpdate: "agent_message_chunk", messageId: "m2", content: { type: "text", text: "Let me look." } },
      {
        sessionUpdate: "tool_call",
        toolCallId: "b",
        title: "Read a.ts",
        status: "completed",
        content: [{ type: "content", content: { type: "text", text: "1\tx" } }],
      },
      { sessionUpdate: "plan", entries: [{ content: "a", priority: "medium", status: "completed" }] },
      { sessionUpdate: "agent_message_chunk", messageId: "m3", content: { type: "text", text: "Done." } },
    ]);
  });
});
