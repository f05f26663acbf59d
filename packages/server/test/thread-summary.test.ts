import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { findSession, insertEntry } from "../src/conversations/entries.js";
import { threadSummary } from "../src/conversations/summary.js";

let t: TestServer;
let sessionId: string;
beforeAll(async () => {
  t = await startTestServer();
  sessionId = (await t.admin("POST", "/api/v1/sessions", { body: { name: "summary", start: false } })).body.id;
  const db = t.server.database.db;
  const session = await findSession(db, sessionId);
  let n = 0;
  const add = (turnId: string, kind: "user" | "text" | "tool_call" | "thinking", status: string, content: unknown) =>
    insertEntry(db, session, { id: `ent_${++n}`, turnId, kind, status, content });
  await add("trn_1", "user", "done", { text: "Fix the flaky login test" });
  await add("trn_1", "thinking", "completed", { text: "secret musings" });
  await add("trn_1", "tool_call", "completed", {
    tool_call_id: "c1",
    title: "Edit src/auth/login.test.ts",
    kind: "edit",
    content: [],
    locations: [],
  });
  await add("trn_1", "text", "completed", { text: "The test waited on a timer; " });
  await add("trn_1", "text", "completed", { text: "it now waits for the response." });
  await add("trn_2", "user", "failed", { text: "Run the suite", error: "the model request failed" });
  await add("trn_3", "user", "queued", { text: "not yet run" });
  await add("trn_4", "user", "running", { text: "What did you change?" });
});
afterAll(() => t?.stop());

describe(`the thread summary a restarted runtime is primed with (${process.env.STRAND_TEST_DB})`, () => {
  it("gives each turn's prompt, tool calls and answer, without thoughts or what never ran", async () => {
    const s = await threadSummary(t.server.database.db, sessionId, "trn_4");
    expect(s).toBe(
      [
        "User: Fix the flaky login test",
        "  tool: Edit src/auth/login.test.ts (completed)",
        "Agent: The test waited on a timer; it now waits for the response.",
        "",
        "User: Run the suite",
        "(failed: the model request failed)",
      ].join("\n"),
    );
    expect(s).not.toContain("secret musings");
    expect(s).not.toContain("not yet run");
    expect(s).not.toContain("What did you change?");
  });

  it("keeps the newest turns within the bound and says how many it left out", async () => {
    const s = await threadSummary(t.server.database.db, sessionId, "trn_4", 60);
    expect(s).toBe("(1 earlier turn left out)\n\nUser: Run the suite\n(failed: the model request failed)");
  });

  it("is empty for a thread with nothing before the turn", async () => {
    expect(await threadSummary(t.server.database.db, sessionId, "trn_1")).toBe("");
  });
});
