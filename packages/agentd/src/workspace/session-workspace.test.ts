import type { NoticeContent, SessionWorkspace } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import type { CheckpointResult } from "./checkpoint.js";
import { SessionWorkspaceSync, type SessionWorkspaceSyncOptions } from "./session-workspace.js";

const ws: SessionWorkspace = {
  clone_url: "http://strand.test/git/proj/app.git",
  repo: "app",
  branch: "strand/ses_1",
  base: "main",
  checkpoint: true,
  author: { name: "Strand Agent", email: "agent@strand.example" },
  co_author: null,
};

function sync(over: Partial<SessionWorkspaceSyncOptions> = {}) {
  const notices: NoticeContent[] = [];
  const events: string[] = [];
  const checkpoints: string[] = [];
  let result: CheckpointResult | null = { commit: "a".repeat(40), pushed: true };
  const s = new SessionWorkspaceSync({
    dir: "/home/strand/work",
    tokenFile: "/run/strand/token",
    log: () => {},
    notice: (n) => notices.push(n),
    prepare: async () => {
      events.push("cloned");
      return { branch: ws.branch, head: null };
    },
    checkpoint: async (o) => {
      checkpoints.push(o.prompt);
      return result;
    },
    ...over,
  });
  return { s, notices, events, checkpoints, setResult: (r: CheckpointResult | null) => (result = r) };
}

describe("SessionWorkspaceSync", () => {
  it("lets the runtime start once the clone is made", async () => {
    const t = sync();
    const ready = t.s.ready().then(() => t.events.push("runtime may start"));
    t.s.onSettings(ws);
    await ready;
    expect(t.events).toEqual(["cloned", "runtime may start"]);
  });

  it("lets the runtime start at once for a session without a repo, and never checkpoints it", async () => {
    const t = sync();
    t.s.onSettings(undefined);
    await t.s.ready();
    expect(await t.s.afterTurn("anything")).toBeUndefined();
    expect(t.events).toEqual([]);
    expect(t.checkpoints).toEqual([]);
  });

  it("goes ahead without settings when the server sends none", async () => {
    const t = sync({ settingsTimeoutMs: 5 });
    await t.s.ready();
    expect(t.events).toEqual([]);
  });

  it("tells the user when the clone fails, still lets the runtime start, and skips checkpoints", async () => {
    const t = sync({
      prepare: async () => {
        throw new Error("git clone failed: HTTP 403");
      },
    });
    t.s.onSettings(ws);
    await t.s.ready();
    expect(t.notices).toEqual([
      {
        level: "error",
        text: expect.stringContaining(
          "could not be set up as a clone of app on strand/ses_1: git clone failed: HTTP 403",
        ),
      },
    ]);
    expect(await t.s.afterTurn("work")).toBeUndefined();
    expect(t.checkpoints).toEqual([]);
  });

  it("checkpoints each turn with its prompt, and says so in the turn when the push is refused", async () => {
    const t = sync();
    t.s.onSettings(ws);
    await t.s.ready();
    expect(await t.s.afterTurn("first")).toBeUndefined();
    t.setResult({ commit: "b".repeat(40), pushed: false, error: "strand: only strand/ses_1 may be pushed" });
    const notice = await t.s.afterTurn("second");
    expect(notice?.level).toBe("warning");
    expect(notice?.text).toContain("bbbbbbbbbbbb");
    expect(notice?.text).toContain("strand: only strand/ses_1 may be pushed");
    expect(t.checkpoints).toEqual(["first", "second"]);
  });

  it("follows the session turning checkpoints off", async () => {
    const t = sync();
    t.s.onSettings(ws);
    await t.s.ready();
    t.s.onSettings({ ...ws, checkpoint: false });
    expect(await t.s.afterTurn("work")).toBeUndefined();
    expect(t.checkpoints).toEqual([]);
    expect(t.events).toEqual(["cloned"]); // prepared once, not again
  });
});
