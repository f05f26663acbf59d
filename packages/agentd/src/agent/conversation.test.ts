import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentClientMessage, AgentServerMessage, NoticeContent, SessionSettings } from "@strand/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { buildScriptedAgent } from "../../../../test/fixtures/acp/build.js";
import type { Step } from "../../../../test/fixtures/acp/scripted-agent.js";
import { until } from "../../../../test/support/wait.js";
import type { Log } from "../log.js";
import type { McpCheck } from "../mcp/preflight.js";
import { AgentConversation } from "./conversation.js";

const agentPath = buildScriptedAgent();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Harness {
  chat: AgentConversation;
  dir: string;
  sent: any[];
  logs: { level: string; msg: string; extra?: Record<string, unknown> }[];
  /** Stop acking (the server is away); messages pile up in the outbox. */
  acking: boolean;
  /** What the "server" answers a history request with. */
  summary: string;
  prompt(id: string, text: string): void;
  send(msg: AgentServerMessage): void;
  finished(id: string, ms?: number): Promise<any>;
  /** The last state of each entry of a turn (null: notices outside turns), in first-sent order. */
  entries(id: string | null): any[];
  upserts(entryId: string): any[];
  agentLog(): any[];
}

async function harness(
  scenarios: Record<string, Step[]>,
  opts: {
    settings?: Partial<SessionSettings>;
    command?: string[];
    cancelGraceMs?: number;
    /** More environment for the scripted runtime (its ACP_* behaviour switches). */
    env?: Record<string, string>;
    afterTurn?: (prompt: string) => Promise<NoticeContent | undefined>;
    /** Give the runtime Strand's MCP server; the pre-flight check answers `mcpCheck`. */
    mcpCheck?: McpCheck;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "strand-agentd-chat-"));
  writeFileSync(join(dir, "script.json"), JSON.stringify({ scenarios }));
  const sent: any[] = [];
  const logs: Harness["logs"] = [];
  const log: Log = (level, msg, extra) => logs.push({ level, msg, ...(extra ? { extra } : {}) });
  const h = { sent, logs, dir, acking: true, summary: "" } as Harness;
  const chat = new AgentConversation({
    link: {
      send: (m: AgentClientMessage) => {
        sent.push(m);
        if (h.acking && "mid" in m) setImmediate(() => chat.onMessage({ type: "ack", mid: m.mid }));
        // The server's answer: the thread's summary, as tests set it ("" for a new thread).
        if (m.type === "history.request")
          setImmediate(() => chat.onMessage({ type: "history", id: m.id, summary: h.summary }));
      },
    },
    log,
    instance: "agentd_test",
    settings: { runtime: "strand-agent", model: "scripted/model-1", permission_mode: "autonomous", ...opts.settings },
    serverUrl: "http://strand.test:8080",
    sessionToken: "strand_session_secret",
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ACP_SCRIPT: join(dir, "script.json"),
      ACP_LOG: join(dir, "agent.log"),
      STRAND_SESSION_TOKEN_FILE: "/opt/strand/session-token",
      STRAND_RUNTIME_COMMAND: JSON.stringify(opts.command ?? [process.execPath, agentPath]),
      ...opts.env,
    },
    ...(opts.afterTurn ? { afterTurn: opts.afterTurn } : {}),
    ...(opts.mcpCheck
      ? {
          mcp: {
            serverUrl: "http://strand.test:8080",
            sessionToken: "strand_session_secret",
            sessionTokenFile: "/opt/strand/session-token",
            bridge: { command: "/usr/bin/node", args: ["/opt/strand/agentd.mjs", "mcp-bridge"] },
          },
          checkMcp: async () => opts.mcpCheck as McpCheck,
        }
      : {}),
    flushMs: 50,
    backoffMinMs: 50,
    backoffMaxMs: 200,
    cancelGraceMs: opts.cancelGraceMs ?? 1_000,
    outboxRetryMs: 60_000,
  });
  h.chat = chat;
  h.send = (msg) => chat.onMessage(msg);
  h.prompt = (id, text) =>
    chat.onMessage({ type: "prompt", entry_id: `msg_${id}`, turn_id: `trn_${id}`, content: text });
  h.finished = (id, ms = 10_000) =>
    until(
      async () => sent.find((m) => m.type === "turn.finished" && m.turn_id === `trn_${id}`),
      (m) => m !== undefined,
      `turn ${id} to finish`,
      ms,
    );
  h.entries = (id) => {
    const byId = new Map<string, any>();
    for (const m of sent) {
      if (m.type === "entry.upsert" && m.turn_id === (id === null ? null : `trn_${id}`)) byId.set(m.id, m);
    }
    return [...byId.values()];
  };
  h.upserts = (entryId) => sent.filter((m) => m.type === "entry.upsert" && m.id === entryId);
  h.agentLog = () => {
    try {
      return readFileSync(join(dir, "agent.log"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  cleanups.push(async () => {
    await chat.close();
    rmSync(dir, { recursive: true, force: true });
  });
  chat.start();
  return h;
}

const BAD_UPDATE = JSON.stringify({
  jsonrpc: "2.0",
  method: "session/update",
  params: { sessionId: "x", update: { sessionUpdate: "tool_call", status: "pending" } },
});

const tool = (id: string, extra: Record<string, unknown>): Step => ({
  update: { sessionUpdate: "tool_call_update", toolCallId: id, ...extra } as any,
});

/** The runtime exited after its turn and a new process is up (its second `initialize`). */
const restarted = (h: Harness) =>
  until(
    async () => h.agentLog().filter((l) => l.event === "initialize").length,
    (n) => n >= 2,
    "the runtime to be restarted",
    10_000,
  );

describe("agentd conversation over ACP", () => {
  it("runs the end-of-turn step (the workspace's checkpoint) before the turn finishes, with its notice in the turn", async () => {
    const prompts: string[] = [];
    const h = await harness(
      { "fix the bug": [{ text: "Fixed." }] },
      {
        afterTurn: async (prompt) => {
          prompts.push(prompt);
          return { level: "warning", text: "The turn's work did not reach the server: push refused" };
        },
      },
    );
    h.prompt("1", "fix the bug");
    await h.finished("1");
    expect(prompts).toEqual(["fix the bug"]);
    const [text, notice] = h.entries("1");
    expect(text?.content.text).toBe("Fixed.");
    expect(notice).toMatchObject({
      kind: "notice",
      content: { level: "warning", text: expect.stringContaining("push refused") },
    });
    const finishedAt = h.sent.findIndex((m) => m.type === "turn.finished");
    expect(h.sent.findIndex((m) => m.id === notice.id)).toBeLessThan(finishedAt);
  });

  it("turns a turn's updates into ordered entries, coalescing streamed text", async () => {
    const stream: Step[] = [];
    for (let i = 0; i < 60; i++) stream.push({ text: `w${i} ` }, { sleep: 5 });
    const h = await harness({
      work: [
        { thought: "Let me look." },
        ...stream,
        {
          update: { sessionUpdate: "tool_call", toolCallId: "t1", title: "Edit a.ts", kind: "edit", status: "pending" },
        },
        tool("t1", {
          status: "in_progress",
          content: [{ type: "diff", path: "/w/a.ts", oldText: "let a = 1", newText: "const a = 1" }],
          locations: [{ path: "/w/a.ts", line: 1 }],
        }),
        tool("t1", { status: "completed", rawOutput: { ok: true } }),
        {
          update: {
            sessionUpdate: "plan",
            entries: [{ content: "edit", priority: "high", status: "in_progress" }],
          },
        },
        {
          update: {
            sessionUpdate: "plan",
            entries: [{ content: "edit", priority: "high", status: "completed" }],
          },
        },
        { text: "Done." },
      ],
    });
    h.prompt("1", "work");
    const fin = await h.finished("1");
    expect(fin).toMatchObject({ stop_reason: "end_turn" });
    expect(fin.error).toBeUndefined();
    const entries = h.entries("1");
    expect(entries.map((e) => [e.kind, e.status])).toEqual([
      ["thinking", "completed"],
      ["text", "completed"],
      ["tool_call", "completed"],
      ["plan", "completed"],
      ["text", "completed"],
    ]);
    const [thought, text, call, plan, last] = entries;
    expect(thought.content.text).toBe("Let me look.");
    expect(text.content.text).toBe(Array.from({ length: 60 }, (_, i) => `w${i} `).join(""));
    expect(call.content).toEqual({
      tool_call_id: "t1",
      title: "Edit a.ts",
      kind: "edit",
      output: { ok: true },
      content: [],
      locations: [{ path: "/w/a.ts", line: 1 }],
      diffs: [{ path: "/w/a.ts", old_text: "let a = 1", new_text: "const a = 1" }],
    });
    expect(plan.content.entries).toEqual([{ content: "edit", priority: "high", status: "completed" }]);
    expect(last.content.text).toBe("Done.");
    // 60 chunks over ~400 ms, flushed every 50 ms: a handful of upserts, each a newer revision.
    const textUpserts = h.upserts(text.id);
    expect(textUpserts.length).toBeGreaterThan(2);
    expect(textUpserts.length).toBeLessThan(20);
    expect(textUpserts.map((u) => u.rev)).toEqual([...textUpserts.map((u) => u.rev)].sort((a, b) => a - b));
    // The server hears of the turn before anything else of it, and of its end after everything.
    const turnMsgs = h.sent.filter((m) => m.turn_id === "trn_1");
    expect(turnMsgs[0].type).toBe("turn.started");
    expect(turnMsgs.at(-1).type).toBe("turn.finished");
  });

  it("starts the runtime with the proxy settings and the session token, and nothing else secret", async () => {
    const h = await harness({});
    h.prompt("1", "hi");
    await h.finished("1");
    const log = h.agentLog();
    const init = log.find((l) => l.event === "initialize");
    expect(init.params.clientCapabilities).toMatchObject({
      fs: { readTextFile: true, writeTextFile: true },
      terminal: true,
    });
    expect(log.find((l) => l.event === "session/new")).toMatchObject({
      cwd: h.dir,
      env: {
        OPENAI_BASE_URL: "http://strand.test:8080/v1",
        OPENAI_API_KEY: "strand_session_secret",
        STRAND_AGENT_MODEL: "scripted/model-1",
      },
    });
    expect(log.find((l) => l.event === "session/new").env.STRAND_SESSION_TOKEN_FILE).toBeUndefined();
    expect(h.entries("1")[0].content.text).toBe("echo: hi");
  });

  it("serves files and terminals in the workspace to the runtime", async () => {
    const h = await harness({
      files: [
        { writeFile: { path: "PLACEHOLDER/notes/a.txt", content: "from the agent" } },
        { readFile: "PLACEHOLDER/notes/a.txt" },
        { terminal: { command: "sh", args: ["-c", "echo hi; exit 3"] } },
      ],
    });
    const script = JSON.parse(readFileSync(join(h.dir, "script.json"), "utf8"));
    writeFileSync(join(h.dir, "script.json"), JSON.stringify(script).replaceAll("PLACEHOLDER", h.dir));
    h.prompt("1", "files");
    await h.finished("1");
    expect(readFileSync(join(h.dir, "notes/a.txt"), "utf8")).toBe("from the agent");
    const text = h
      .entries("1")
      .filter((e) => e.kind === "text")
      .map((e) => e.content.text)
      .join("");
    expect(text).toContain("read:from the agent");
    expect(text).toContain("exit:3 output:hi");
    const call = h.entries("1").find((e) => e.kind === "tool_call");
    expect(call.content.content[0]).toMatchObject({ type: "terminal", output: "hi\n", exit_code: 3 });
  });

  it("autonomous mode allows tool calls itself, preferring allow_always", async () => {
    const h = await harness({
      ask: [
        {
          permission: {
            toolCall: { toolCallId: "t1", title: "rm -rf build", kind: "execute" },
            options: [
              { optionId: "once", name: "Allow", kind: "allow_once" },
              { optionId: "always", name: "Always", kind: "allow_always" },
              { optionId: "no", name: "Reject", kind: "reject_once" },
            ],
          },
        },
      ],
    });
    h.prompt("1", "ask");
    await h.finished("1");
    expect(h.agentLog().find((l) => l.event === "permission").outcome).toBe("always");
    expect(h.sent.filter((m) => m.type === "permission.request")).toEqual([]);
  });

  it("ask mode forwards the request and answers the runtime with the user's choice", async () => {
    const permission = {
      toolCall: {
        toolCallId: "t1",
        title: "rm -rf build",
        kind: "execute" as const,
        rawInput: { cmd: "rm -rf build" },
      },
      options: [
        { optionId: "yes", name: "Allow", kind: "allow_once" as const },
        { optionId: "no", name: "Reject", kind: "reject_once" as const },
      ],
    };
    const h = await harness(
      { ask: [{ permission }], ask2: [{ permission }] },
      { settings: { permission_mode: "ask" } },
    );
    h.prompt("1", "ask");
    const req = await until(
      async () => h.sent.find((m) => m.type === "permission.request"),
      (m) => m !== undefined,
      "permission request",
      5_000,
    );
    expect(req).toMatchObject({
      turn_id: "trn_1",
      tool_call: { tool_call_id: "t1", title: "rm -rf build", kind: "execute", input: { cmd: "rm -rf build" } },
      options: [
        { option_id: "yes", name: "Allow", kind: "allow_once" },
        { option_id: "no", name: "Reject", kind: "reject_once" },
      ],
    });
    h.send({ type: "permission.answer", id: req.id, option_id: "no" });
    await h.finished("1");
    expect(h.entries("1").find((e) => e.kind === "text").content.text).toBe("outcome:no");

    // Switched to autonomous by the server: no more questions.
    h.send({
      type: "session.settings",
      runtime: "strand-agent",
      model: "scripted/model-1",
      permission_mode: "autonomous",
    });
    h.prompt("2", "ask2");
    await h.finished("2");
    expect(h.entries("2").find((e) => e.kind === "text").content.text).toBe("outcome:yes");
    expect(h.sent.filter((m) => m.type === "permission.request")).toHaveLength(1);
  });

  it("a cancel answers an open permission request with cancelled and ends the turn as cancelled", async () => {
    const h = await harness(
      {
        ask: [
          {
            permission: {
              toolCall: { toolCallId: "t1", title: "deploy" },
              options: [{ optionId: "yes", name: "Allow", kind: "allow_once" }],
            },
          },
          { waitForCancel: true },
        ],
      },
      { settings: { permission_mode: "ask" } },
    );
    h.prompt("1", "ask");
    await until(async () => h.sent.some((m) => m.type === "permission.request"), Boolean, "request", 5_000);
    h.send({ type: "cancel", turn_id: "trn_1" });
    expect(await h.finished("1")).toMatchObject({ stop_reason: "cancelled" });
    expect(
      h
        .agentLog()
        .filter((l) => l.event === "permission")
        .map((l) => l.outcome),
    ).toEqual(["cancelled"]);
  });

  it("cancels the running turn through ACP, and a queued one without running it", async () => {
    const h = await harness({ slow: [{ text: "working" }, { waitForCancel: true }], never: [{ text: "ran" }] });
    h.prompt("1", "slow");
    h.prompt("2", "never");
    await until(
      async () => h.entries("1").length,
      (n) => n > 0,
      "first output",
      5_000,
    );
    h.send({ type: "cancel", turn_id: "trn_2" });
    h.send({ type: "cancel", turn_id: "trn_1" });
    expect(await h.finished("1")).toMatchObject({ stop_reason: "cancelled" });
    expect(await h.finished("2")).toMatchObject({ stop_reason: "cancelled" });
    expect(h.sent.some((m) => m.type === "turn.started" && m.turn_id === "trn_2")).toBe(false);
    const log = h.agentLog();
    expect(log.filter((l) => l.event === "cancel")).toHaveLength(1);
    expect(log.filter((l) => l.event === "prompt").map((l) => l.text)).toEqual(["slow"]);
  });

  it("restarts a runtime that ignores a cancel, so the next prompt runs", async () => {
    const h = await harness({ stuck: [{ hang: true }], next: [{ text: "fresh" }] }, { cancelGraceMs: 300 });
    h.prompt("1", "stuck");
    await until(async () => h.agentLog().some((l) => l.event === "prompt"), Boolean, "prompt", 5_000);
    h.prompt("2", "next");
    h.send({ type: "cancel", turn_id: "trn_1" });
    expect(await h.finished("1")).toMatchObject({ stop_reason: "cancelled" });
    expect(await h.finished("2")).toMatchObject({ stop_reason: "end_turn" });
    expect(h.entries("2")[0].content.text).toBe("fresh");
    expect(new Set(h.agentLog().map((l) => l.pid)).size).toBe(2);
  });

  it("a runtime that crashes mid-turn fails the turn with the reason, says so, and is restarted", async () => {
    const h = await harness({ boom: [{ text: "partial answer" }, { sleep: 100 }, { crash: 3 }] });
    h.prompt("1", "boom");
    const fin = await h.finished("1");
    expect(fin.stop_reason).toBe("error");
    expect(fin.error).toMatch(/exited with code 3/);
    const entries = h.entries("1");
    expect(entries[0]).toMatchObject({ kind: "text", status: "completed", content: { text: "partial answer" } });
    const notice = entries.find((e) => e.kind === "notice");
    expect(notice.content).toMatchObject({ level: "warning" });
    expect(notice.content.text).toMatch(/stopped: .*exited with code 3.*Restarting it/);

    h.prompt("2", "after");
    expect(await h.finished("2")).toMatchObject({ stop_reason: "end_turn" });
    expect(h.entries("2")[0].content.text).toBe("echo: after");
    expect(
      new Set(
        h
          .agentLog()
          .filter((l) => l.event === "started")
          .map((l) => l.pid),
      ).size,
    ).toBe(2);
  });

  it("a runtime that exits between turns is restarted with a notice outside any turn", async () => {
    const h = await harness({ quit: [{ text: "bye" }, { exitAfterTurn: 0 }] });
    h.prompt("1", "quit");
    expect(await h.finished("1")).toMatchObject({ stop_reason: "end_turn" });
    const notice = await until(
      async () => h.entries(null).find((e) => e.kind === "notice"),
      (n) => n !== undefined,
      "restart notice",
      5_000,
    );
    expect(notice.content.text).toMatch(/stopped: .*exited with code 0/);
    h.prompt("2", "again");
    expect(await h.finished("2")).toMatchObject({ stop_reason: "end_turn" });
    expect(h.entries("2")[0].content.text).toBe("echo: again");
  });

  it("a restarted runtime that can load its session continues it; the replay is not recorded again", async () => {
    const h = await harness(
      { quit: [{ text: "first answer" }, { exitAfterTurn: 0 }] },
      { env: { ACP_AGENT_CAPS: JSON.stringify({ loadSession: true }) } },
    );
    h.prompt("1", "quit");
    await h.finished("1");
    await restarted(h);
    const first = await until(
      async () => h.agentLog().find((l) => l.event === "session/new"),
      (l) => l !== undefined,
      "the first session",
      5_000,
    );
    h.prompt("2", "again");
    expect(await h.finished("2")).toMatchObject({ stop_reason: "end_turn" });
    const log = h.agentLog();
    expect(log.find((l) => l.event === "session/load")).toMatchObject({ sessionId: `s-${first.pid}` });
    // Only one session was ever made, and the second prompt reached the runtime as sent.
    expect(log.filter((l) => l.event === "session/new")).toHaveLength(1);
    expect(log.filter((l) => l.event === "prompt").map((l) => l.text)).toEqual(["quit", "again"]);
    // The replay happened (a marker that must arrive), and none of it became an entry.
    const everything = h.sent.filter((m) => m.type === "entry.upsert").map((m) => JSON.stringify(m.content));
    expect(everything.some((c) => c.includes("echo: again"))).toBe(true);
    expect(everything.some((c) => c.includes("replayed from before"))).toBe(false);
    expect(h.sent.some((m) => m.type === "history.request" && m.before_turn === "trn_2")).toBe(false);
  });

  it("a restarted runtime that cannot load its session gets the thread's summary with the next prompt", async () => {
    const h = await harness({ quit: [{ text: "first answer" }, { exitAfterTurn: 0 }] });
    h.prompt("1", "quit");
    await h.finished("1");
    await restarted(h);
    h.summary = "User: quit\nAgent: first answer";
    h.prompt("2", "what did you answer before?");
    expect(await h.finished("2")).toMatchObject({ stop_reason: "end_turn" });
    const prompts = h
      .agentLog()
      .filter((l) => l.event === "prompt")
      .map((l) => l.text as string);
    expect(prompts[0]).toBe("quit"); // a new thread: nothing to summarise
    expect(prompts[1]).toMatch(
      /^Earlier in this conversation[\s\S]*User: quit\nAgent: first answer[\s\S]*---\n\nwhat did you answer before\?$/,
    );
    expect(h.sent.find((m) => m.type === "history.request" && m.before_turn === "trn_2")).toBeDefined();
  });

  it("authenticates a runtime that refuses sessions until it is, with the API-key method whose variables it has", async () => {
    const methods = [
      { id: "browser-login", name: "Log in" },
      { type: "env_var", id: "other-key", name: "Other", vars: [{ name: "SOME_OTHER_KEY" }] },
      { type: "env_var", id: "openai-api-key", name: "OpenAI key", vars: [{ name: "OPENAI_API_KEY" }] },
    ];
    const h = await harness(
      { default: [{ text: "signed in" }] },
      { env: { ACP_AUTH_METHODS: JSON.stringify(methods), ACP_REQUIRE_AUTH: "1" } },
    );
    h.prompt("1", "hello");
    expect(await h.finished("1")).toMatchObject({ stop_reason: "end_turn" });
    expect(h.entries("1")[0].content.text).toBe("signed in");
    expect(h.agentLog().find((l) => l.event === "authenticate")).toMatchObject({ methodId: "openai-api-key" });
  });

  it("says clearly when a runtime wants a login agentd cannot give", async () => {
    const h = await harness(
      {},
      { env: { ACP_AUTH_METHODS: JSON.stringify([{ id: "browser-login", name: "Log in" }]), ACP_REQUIRE_AUTH: "1" } },
    );
    h.prompt("1", "hello");
    const fin = await h.finished("1", 15_000);
    expect(fin.stop_reason).toBe("error");
    expect(fin.error).toMatch(/asks to authenticate.*browser-login.*unattended/);
  });

  it("logs and notices malformed runtime output without stopping the turn", async () => {
    const h = await harness({
      noisy: [
        { raw: "DEBUG: not json" },
        { raw: '{"not":"jsonrpc"}' },
        { raw: "[1,2]" },
        { raw: BAD_UPDATE },
        { text: "still fine" },
      ],
    });
    h.prompt("1", "noisy");
    expect(await h.finished("1")).toMatchObject({ stop_reason: "end_turn" });
    const entries = h.entries("1");
    const notices = entries.filter((e) => e.kind === "notice");
    expect(notices).toHaveLength(1);
    expect(notices[0].content.text).toMatch(/not part of the Agent Client Protocol/);
    expect(entries.find((e) => e.kind === "text").content.text).toBe("still fine");
    expect(h.logs.filter((l) => /not an ACP message/.test(l.msg)).map((l) => l.extra?.line)).toEqual([
      "DEBUG: not json",
      '{"not":"jsonrpc"}',
      "[1,2]",
      `tool_call without id or title: ${BAD_UPDATE}`,
    ]);
  });

  it("fails the turn with a clear reason when the runtime is not installed", async () => {
    const h = await harness({}, { command: ["/nonexistent/claude-code-acp"] });
    h.prompt("1", "hi");
    const fin = await h.finished("1");
    expect(fin.stop_reason).toBe("error");
    expect(fin.error).toMatch(/not installed/);
    const notices = [...h.entries(null), ...h.entries("1")].filter((e) => e.kind === "notice");
    expect(notices.some((n) => /could not start/.test(n.content.text))).toBe(true);
  });

  it("keeps unacked messages and resends them in order when the link reopens; drops a repeated prompt", async () => {
    const h = await harness({ two: [{ text: "one" }, { thought: "two" }] });
    h.acking = false;
    h.prompt("1", "two");
    await h.finished("1");
    const firstRound = h.sent.filter((m) => m.mid);
    expect(h.chat.unacked).toBe(4); // turn.started, text, thinking, turn.finished
    h.sent.length = 0;
    h.chat.onOpen();
    const resent = h.sent.map((m) => `${m.type}:${m.kind ?? ""}`);
    expect(resent).toEqual(["turn.started:", "entry.upsert:text", "entry.upsert:thinking", "turn.finished:"]);
    // Resent entries carry their latest revision only.
    const lastText = firstRound.filter((m) => m.kind === "text").at(-1);
    expect(h.sent[1]).toMatchObject({ id: lastText.id, rev: lastText.rev, status: "completed" });
    for (const m of h.sent) h.send({ type: "ack", mid: m.mid });
    expect(h.chat.unacked).toBe(0);
    h.sent.length = 0;
    h.chat.onOpen();
    expect(h.sent).toEqual([]);
    // The server sends an unstarted-looking prompt again after a reconnect: this process already ran it.
    h.prompt("1", "two");
    await new Promise((r) => setTimeout(r, 200));
    expect(h.sent).toEqual([]);
    expect(h.agentLog().filter((l) => l.event === "prompt")).toHaveLength(1);
  });

  describe("Strand's MCP server", () => {
    const HTTP = {
      type: "http",
      name: "strand",
      url: "http://strand.test:8080/mcp",
      headers: [{ name: "Authorization", value: "Bearer strand_session_secret" }],
    };
    const BRIDGE = {
      name: "strand",
      command: "/usr/bin/node",
      args: ["/opt/strand/agentd.mjs", "mcp-bridge"],
      env: [
        { name: "STRAND_SERVER_URL", value: "http://strand.test:8080" },
        { name: "STRAND_SESSION_TOKEN_FILE", value: "/opt/strand/session-token" },
      ],
    };
    const ok: McpCheck = { ok: true, tools: ["search_history", "read_conversation"] };
    const sessionNew = (h: Harness) => h.agentLog().filter((l) => l.event === "session/new");

    it("goes to a runtime with mcpCapabilities.http over HTTP with the session token, and again on session/resume", async () => {
      const h = await harness(
        { hi: [{ text: "hello" }, { exitAfterTurn: 0 }], again: [{ text: "back" }] },
        {
          mcpCheck: ok,
          env: {
            ACP_AGENT_CAPS: JSON.stringify({ mcpCapabilities: { http: true }, sessionCapabilities: { resume: {} } }),
          },
        },
      );
      h.prompt("1", "hi");
      await h.finished("1");
      expect(sessionNew(h).map((l) => l.mcpServers)).toEqual([[HTTP]]);
      await restarted(h);
      h.prompt("2", "again");
      await h.finished("2");
      const resumed = h.agentLog().filter((l) => l.event === "session/resume");
      expect(resumed.map((l) => l.mcpServers)).toEqual([[HTTP]]);
      // A check that passes says nothing in the chat.
      expect(h.entries("1").filter((e) => e.kind === "notice")).toEqual([]);
    });

    it("gives the project's and team's servers next to Strand's, and names the knowledge sources in the first prompt", async () => {
      const h = await harness(
        { hi: [{ text: "hello" }], more: [{ text: "again" }] },
        { mcpCheck: ok, env: { ACP_AGENT_CAPS: JSON.stringify({ mcpCapabilities: { http: true } }) } },
      );
      h.send({
        type: "session.settings",
        runtime: "strand-agent",
        model: "scripted/model-1",
        permission_mode: "autonomous",
        mcp_servers: [
          { name: "team-tools", transport: "http", path: "/mcp/servers/team-tools" },
          { name: "lint", transport: "stdio", command: "node", args: ["lint.mjs"], env: {} },
        ],
        knowledge: [{ name: "runbooks", description: "On-call runbooks", kind: "confluence" }],
      });
      h.prompt("1", "hi");
      await h.finished("1");
      h.prompt("2", "more");
      await h.finished("2");
      expect(sessionNew(h).map((l) => l.mcpServers)).toEqual([
        [
          HTTP,
          { ...HTTP, name: "team-tools", url: "http://strand.test:8080/mcp/servers/team-tools" },
          { name: "lint", command: "node", args: ["lint.mjs"], env: [] },
        ],
      ]);
      const prompts = h
        .agentLog()
        .filter((l) => l.event === "prompt")
        .map((l) => l.text as string);
      expect(prompts[0]).toBe(
        "Knowledge you can search with search_knowledge (and read with read_document):\n" +
          "- runbooks (confluence): On-call runbooks\n\n---\n\nhi",
      );
      expect(prompts[1]).toBe("more");
    });

    it("goes to a runtime without HTTP (stdio only, or SSE only) as the stdio bridge, token by file and never in argv", async () => {
      for (const caps of [{}, { mcpCapabilities: { sse: true } }]) {
        const h = await harness(
          { hi: [{ text: "hello" }] },
          { mcpCheck: ok, env: { ACP_AGENT_CAPS: JSON.stringify(caps) } },
        );
        h.prompt("1", "hi");
        await h.finished("1");
        const servers = sessionNew(h).map((l) => l.mcpServers);
        expect(servers).toEqual([[BRIDGE]]);
        expect(JSON.stringify(servers)).not.toContain("strand_session_secret");
      }
    });

    it("says so in the chat, once, when the endpoint does not answer before the first prompt", async () => {
      const h = await harness(
        { hi: [{ text: "hello" }] },
        { mcpCheck: { ok: false, reason: "http://strand.test:8080/mcp did not answer: HTTP 502" } },
      );
      h.prompt("1", "hi");
      await h.finished("1");
      const notices = h.entries("1").filter((e) => e.kind === "notice");
      expect(notices.map((n) => n.content)).toEqual([
        {
          level: "warning",
          text: expect.stringMatching(/search_history, read_conversation\) are not available.*HTTP 502/),
        },
      ]);
      // The turn itself ran.
      expect(h.entries("1").find((e) => e.kind === "text")?.content.text).toBe("hello");
      h.prompt("2", "hi");
      await h.finished("2");
      expect(h.entries("2").filter((e) => e.kind === "notice")).toEqual([]);
    });

    it("says so in the chat when the runtime reports that its connection to the strand MCP server failed", async () => {
      const h = await harness(
        {
          hi: [
            { stderr: 'MCP server "strand" failed to connect: HTTP 401 invalid_token' },
            { sleep: 100 },
            { text: "hello" },
          ],
        },
        { mcpCheck: ok },
      );
      h.prompt("1", "hi");
      await h.finished("1");
      const notices = h.entries("1").filter((e) => e.kind === "notice");
      expect(notices.map((n) => n.content)).toEqual([
        {
          level: "warning",
          text: expect.stringMatching(/could not use Strand's MCP server.*failed to connect: HTTP 401/),
        },
      ]);
    });
  });
});
