import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedLlm } from "../fixtures/llm/server.js";
import { connectAgent, type ScriptedAgent, sessionToken } from "../support/agent-socket.js";
import { runCli, STRAND_BIN } from "../support/process.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/wait.js";

let t: TestServer;
let env: Record<string, string>;
const agents: ScriptedAgent[] = [];
const running: ChildProcess[] = [];

beforeAll(async () => {
  t = await startTestServer();
  env = {
    STRAND_URL: t.url,
    STRAND_TOKEN: ADMIN_TOKEN,
    STRAND_CONFIG_DIR: mkdtempSync(join(tmpdir(), "strand-cli-chat-")),
  };
});
afterAll(async () => {
  for (const p of running) p.kill("SIGKILL");
  for (const a of agents) await a.close();
  await t?.stop();
});

/** A long-running `strand` command (watch, send --wait) whose output we read while it runs. */
function startCli(args: string[]) {
  const proc = spawn(process.execPath, [STRAND_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(proc);
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (c) => (stdout += c));
  proc.stderr.on("data", (c) => (stderr += c));
  const exited = new Promise<number | string>((r) => proc.once("exit", (code, sig) => r(code ?? sig ?? -1)));
  return {
    proc,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    shows: (text: string) =>
      until(
        async () => stdout,
        (s) => s.includes(text),
        `CLI output to show ${text}`,
        10_000,
      ),
  };
}

async function chatSession(name: string) {
  const s = (await t.admin("POST", "/api/v1/sessions", { body: { name } })).body;
  const token = await sessionToken(t.server.database.db, s.owner_id, s.id);
  const agent = await connectAgent(t.url, s.id, token, `agentd-${name}`);
  agents.push(agent);
  return { id: s.id as string, agent };
}

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe("strand sessions send / watch / cancel", () => {
  it("has --help on the new commands", async () => {
    for (const c of [
      ["sessions", "send"],
      ["sessions", "watch"],
      ["sessions", "cancel"],
      ["providers"],
      ["providers", "add"],
      ["providers", "list"],
      ["providers", "test"],
      ["providers", "models"],
      ["providers", "delete"],
    ]) {
      const r = await runCli([...c, "--help"]);
      expect(r.code, c.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: strand/);
    }
    expect((await runCli(["providers", "add", "--help"])).stdout).toContain("shell history");
  });

  it("watch prints history, then streams text as suffixes, tool calls, plans and notices, once each", async () => {
    const { id, agent } = await chatSession("watched");
    const sent = await runCli(["sessions", "send", id, "say", "hello"], env);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain("> say hello");
    expect(sent.stdout).toMatch(/\((queued|delivered)/);
    const prompt = await agent.prompt(1);
    await agent.call({ type: "turn.started", turn_id: prompt.turn_id });

    const watch = startCli(["sessions", "watch", id]);
    const json = startCli(["sessions", "watch", id, "--json"]);
    await watch.shows("> say hello");
    const upsert = (entryId: string, rev: number, kind: string, status: string, content: unknown) =>
      agent.call({ type: "entry.upsert", id: entryId, turn_id: prompt.turn_id, rev, kind, status, content });

    await upsert("ent_text1", 0, "text", "in_progress", { text: "Hel" });
    await watch.shows("Hel");
    await upsert("ent_text1", 1, "text", "in_progress", { text: "Hello, wor" });
    await upsert("ent_text1", 2, "text", "completed", { text: "Hello, world." });
    const tool = (content: unknown[]) => ({
      tool_call_id: "c1",
      title: "npm test",
      kind: "execute",
      content,
      locations: [],
      diffs: [],
    });
    await upsert("ent_tool1", 0, "tool_call", "in_progress", tool([]));
    await watch.shows("… npm test");
    const lines = Array.from({ length: 8 }, (_, i) => `line ${i + 1}`).join("\n");
    await upsert(
      "ent_tool1",
      1,
      "tool_call",
      "completed",
      tool([{ type: "terminal", terminal_id: "t1", output: lines }]),
    );
    await upsert("ent_plan1", 0, "plan", "in_progress", {
      entries: [
        { content: "write the code", priority: "high", status: "completed" },
        { content: "run the tests", priority: "medium", status: "in_progress" },
      ],
    });
    await upsert("ent_note1", 0, "notice", "completed", { text: "disk almost full", level: "warning" });
    await agent.call({ type: "turn.finished", turn_id: prompt.turn_id, stop_reason: "end_turn" });
    await watch.shows("(turn done)");

    const out = watch.stdout();
    expect(count(out, "> say hello")).toBe(1);
    expect(count(out, "Hello, world.")).toBe(1);
    expect(out).toContain("✓ npm test\n    line 1\n");
    expect(out).toContain("    line 5\n    … 3 more lines");
    expect(out).not.toContain("line 6");
    expect(out).toContain("[x] write the code");
    expect(out).toContain("[~] run the tests");
    expect(out).toContain("! warning: disk almost full");

    await json.shows('"kind":"notice"');
    const entries = json
      .stdout()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(entries.filter((e) => e.kind === "text").at(-1).content.text).toBe("Hello, world.");

    watch.proc.kill("SIGINT");
    json.proc.kill("SIGINT");
    expect(await watch.exited).toBe(130);
    expect(await json.exited).toBe(130);
  });

  it("send --wait follows the reply and exits when the turn ends; a failed turn exits 1", async () => {
    const { id, agent } = await chatSession("waited");
    const send = startCli(["sessions", "send", id, "fix", "it", "--wait"]);
    const prompt = await agent.prompt(1, 10_000);
    expect(prompt.content).toBe("fix it");
    await agent.call({ type: "turn.started", turn_id: prompt.turn_id });
    await agent.call({
      type: "entry.upsert",
      id: "ent_wait_text",
      turn_id: prompt.turn_id,
      rev: 0,
      kind: "text",
      status: "completed",
      content: { text: "Fixed." },
    });
    await agent.call({ type: "turn.finished", turn_id: prompt.turn_id, stop_reason: "end_turn" });
    expect(await send.exited).toBe(0);
    expect(send.stdout()).toMatch(/> fix it\n[\s\S]*Fixed\.\n[\s\S]*\(turn done\)/);

    const failing = startCli(["sessions", "send", id, "break", "it", "--wait"]);
    const p2 = await agent.prompt(2, 10_000);
    await agent.call({ type: "turn.started", turn_id: p2.turn_id });
    await agent.call({ type: "turn.finished", turn_id: p2.turn_id, stop_reason: "error", error: "runtime crashed" });
    expect(await failing.exited).toBe(1);
    expect(failing.stdout()).toContain("(turn failed: runtime crashed)");
  });

  it("cancel stops the running prompt", async () => {
    const { id, agent } = await chatSession("cancelled");
    await runCli(["sessions", "send", id, "long", "job"], env);
    const p = await agent.prompt(1);
    await agent.call({ type: "turn.started", turn_id: p.turn_id });
    const r = await runCli(["sessions", "cancel", id], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Cancelled: > long job");
    expect((await runCli(["sessions", "cancel", id], env)).stdout).toContain("Nothing was running.");
  });

  it("says clearly what is wrong with bad input", async () => {
    const missing = await runCli(["sessions", "send", "ses_missing", "hi"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: session "ses_missing" does not exist/);
    const waitMissing = await runCli(["sessions", "send", "ses_missing", "hi", "--wait"], env);
    expect(waitMissing.code).toBe(1);
    expect(waitMissing.stderr).toContain('error: session "ses_missing" does not exist');
    const watchMissing = await runCli(["sessions", "watch", "ses_missing"], env);
    expect(watchMissing.code).toBe(1);
    expect(watchMissing.stderr).toMatch(/error: session "ses_missing" does not exist/);
    const empty = await runCli(["sessions", "send", "ses_missing", "-"], env, "\n");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("the prompt is empty");
  });
});

describe("strand providers", () => {
  it("adds with the key from stdin, lists, tests, lists models and deletes", async () => {
    const llm = await startScriptedLlm([], ["scripted-1", "scripted-2"], { apiKey: "sk-good-key-0123456789" });
    try {
      const base = `${llm.url}/v1`;
      const add = await runCli(
        ["providers", "add", "scripted", "--kind", "openai-compatible", "--base-url", base, "--api-key-stdin"],
        env,
        "sk-good-key-0123456789\n",
      );
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toContain("Added provider scripted");
      const bad = await runCli(
        ["providers", "add", "wrong-key", "--kind", "openai-compatible", "--base-url", base, "--api-key", "nope"],
        env,
      );
      expect(bad.code, bad.stderr).toBe(0);

      const list = await runCli(["providers", "list"], env);
      expect(list.stdout).toMatch(/scripted\s+openai-compatible\s+\S+\s+…6789/);
      const listed = JSON.parse((await runCli(["providers", "list", "--json"], env)).stdout);
      expect(listed.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["scripted", "wrong-key"]));
      expect(JSON.stringify(listed)).not.toContain("sk-good-key-0123456789");

      const ok = await runCli(["providers", "test", "scripted"], env);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^ok: scripted answered in \d+ ms/);
      const refused = await runCli(["providers", "test", "wrong-key"], env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain("failed: wrong-key: bad_key");

      const models = await runCli(["providers", "models", "scripted"], env);
      expect(models.code, models.stderr).toBe(0);
      expect(models.stdout).toContain("scripted/scripted-1");
      expect(models.stdout).toContain("scripted/scripted-2");

      const id = listed.find((p: { name: string }) => p.name === "wrong-key").id;
      expect((await runCli(["providers", "delete", id], env)).stdout).toContain("Deleted provider wrong-key");
      expect((await runCli(["providers", "delete", "scripted"], env)).stdout).toContain("Deleted provider scripted");
      expect((await runCli(["providers", "list"], env)).stdout).not.toContain("scripted");
    } finally {
      await llm.close();
    }
  });

  it("refuses a hosted provider without a key, and an unknown name, with a hint", async () => {
    const noKey = await runCli(["providers", "add", "hosted", "--kind", "anthropic"], env);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain("needs an API key: pipe it in with --api-key-stdin");
    const noKind = await runCli(["providers", "add", "hosted"], env);
    expect(noKind.code).not.toBe(0);
    expect(noKind.stderr).toContain("--kind");
    const unknown = await runCli(["providers", "test", "nope"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no provider named or with id "nope"');
  });
});
