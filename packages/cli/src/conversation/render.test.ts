import type { ConversationEntry } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { ConversationRenderer } from "./render.js";

const base = {
  session_id: "ses_1",
  turn_id: "trn_1",
  request_id: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const text = (id: string, t: string, status: "in_progress" | "completed" = "in_progress"): ConversationEntry => ({
  ...base,
  id,
  seq: 2,
  kind: "text",
  role: "agent",
  status,
  content: { text: t },
});
const tool = (status: "in_progress" | "completed" | "failed"): ConversationEntry => ({
  ...base,
  id: "ent_t",
  seq: 3,
  kind: "tool_call",
  role: "agent",
  status,
  content: { tool_call_id: "c", title: "ls", kind: "execute", content: [], locations: [], diffs: [] },
});

function render(entries: ConversationEntry[]): string {
  let out = "";
  const r = new ConversationRenderer((s) => (out += s));
  for (const e of entries) r.show(e);
  r.endStream();
  return out;
}

describe("ConversationRenderer", () => {
  it("prints only the new suffix of a growing text, and nothing for a state seen again", () => {
    expect(render([text("a", "Hel"), text("a", "Hello"), text("a", "Hel"), text("a", "Hello", "completed")])).toBe(
      "Hello\n",
    );
  });

  it("prints a tool call again only when its status changes, ending a streamed line first", () => {
    const out = render([
      text("a", "Running ls"),
      tool("in_progress"),
      tool("in_progress"),
      tool("failed"),
      tool("failed"),
    ]);
    expect(out).toBe("Running ls\n… ls\n✗ ls\n");
  });
});
