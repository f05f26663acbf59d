import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { SessionUpdate } from "@agentclientprotocol/sdk";
import { ACP_META, replaceMarkerOf } from "@strand/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../../../test/fixtures/llm/server.js";
import { until } from "../../../test/support/wait.js";
import {
  type AgentHarness,
  agentText,
  shown,
  shownText,
  startAgent,
  tempWorkspace,
  trace,
} from "./test-support/agent-process.js";

let llm: ScriptedLlm;
const agents: AgentHarness[] = [];

// A fresh provider per test, so steps a test did not use cannot leak into the next one.
beforeEach(async () => {
  // It stands in for the proxy here, which serves `provider/model` names.
  llm = await startScriptedLlm([], ["work/scripted-1"]);
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await llm.close();
});

function envFor(api: "anthropic" | "openai", extra: Record<string, string> = {}): Record<string, string> {
  return {
    STRAND_AGENT_MODEL: "work/scripted-1",
    STRAND_AGENT_API: api,
    ANTHROPIC_BASE_URL: llm.url,
    ANTHROPIC_API_KEY: "session-token-a",
    OPENAI_BASE_URL: `${llm.url}/v1`,
    OPENAI_API_KEY: "session-token-o",
    STRAND_AGENT_OPEN_CMD: "",
    ...extra,
  };
}

async function agent(opts: Parameters<typeof startAgent>[0]): Promise<AgentHarness> {
  const a = await startAgent(opts);
  agents.push(a);
  return a;
}

/** The tool results the model got back in the request after `index`, whatever the wire format. */
function toolResults(requestIndex: number): { content: string; isError: boolean }[] {
  const req = llm.requests[requestIndex];
  if (!req) throw new Error(`no request ${requestIndex}`);
  if (req.api === "openai") {
    return req.body.messages
      .filter((m: any) => m.role === "tool")
      .map((m: any) => ({ content: m.content, isError: String(m.content).startsWith("Error: ") }));
  }
  const last = req.body.messages.at(-1);
  return last.content
    .filter((b: any) => b.type === "tool_result")
    .map((b: any) => ({ content: b.content, isError: b.is_error === true }));
}

describe.each(["anthropic", "openai"] as const)("strand-agent over ACP, %s format", (api) => {
  it("writes a file, runs a command, shows both on the desktop and reports in order", async () => {
    const ws = tempWorkspace();
    const opened = join(ws, "..", `${ws.split("/").pop()}-opened.log`);
    const opener = join(ws, "..", `${ws.split("/").pop()}-open.sh`);
    writeFileSync(opener, `#!/bin/sh\necho "$@" >> ${opened}\n`);
    chmodSync(opener, 0o755);
    llm.push(
      {
        text: "I'll create the script and run it.",
        tool_calls: [
          { name: "write_file", arguments: { path: "src/hello.sh", content: "echo hello from $0\n" } },
          { name: "run_command", arguments: { command: "bash src/hello.sh && echo done >&2" } },
        ],
      },
      { text: "The script prints its greeting." },
    );
    const a = await agent({
      workspace: ws,
      env: envFor(api, { STRAND_AGENT_OPEN_CMD: `${opener} --line={line} {path}` }),
    });
    const res = await a.prompt("make a hello script and run it");

    expect(res.stopReason).toBe("end_turn");
    expect(readFileSync(join(ws, "src/hello.sh"), "utf8")).toBe("echo hello from $0\n");
    // The command's output went back to the model as the tool result, exit code included.
    const results = toolResults(1);
    expect(results).toHaveLength(2);
    expect(results[0]?.content).toMatch(/Created src\/hello\.sh/);
    expect(results[1]?.content).toContain("hello from src/hello.sh\ndone\n");
    expect(results[1]?.content).toMatch(/exit code 0/);
    expect(results.every((r) => !r.isError)).toBe(true);

    expect(trace(a.updates)).toEqual([
      "text",
      "tool_call:pending",
      "tool_call_update:-", // title and locations once the arguments are complete
      "tool_call:pending",
      "tool_call_update:-",
      "tool_call_update:in_progress",
      "tool_call_update:completed",
      "tool_call_update:in_progress",
      "tool_call_update:completed",
      "text",
    ]);
    expect(agentText(a.updates)).toBe("I'll create the script and run it.The script prints its greeting.");
    const kinds = a.updates.flatMap((u) => (u.sessionUpdate === "tool_call" ? [u.kind] : []));
    expect(kinds).toEqual(["edit", "execute"]);
    const titles = a.updates.flatMap((u) => (u.sessionUpdate === "tool_call_update" && u.title ? [u.title] : []));
    expect(titles).toEqual(["Write src/hello.sh", "Run `bash src/hello.sh && echo done >&2`"]);
    const write = a.updates.find((u) => u.sessionUpdate === "tool_call_update" && u.status === "completed");
    expect(write).toMatchObject({
      content: [{ type: "diff", path: join(ws, "src/hello.sh"), oldText: null, newText: "echo hello from $0\n" }],
    });

    // Visible on the desktop: the new file opened in the "IDE", the command in the terminal log.
    await until(
      async () => (existsSync(opened) ? readFileSync(opened, "utf8") : ""),
      (s) => s.includes(join(ws, "src/hello.sh")),
      "the opener to be called",
      5000,
    );
    expect(readFileSync(opened, "utf8").trim()).toBe(`--line=1 ${join(ws, "src/hello.sh")}`);
    const log = readFileSync(join(ws, ".strand/terminal.log"), "utf8");
    expect(log).toContain("$ bash src/hello.sh && echo done >&2");
    expect(log).toContain("hello from src/hello.sh");
    expect(log).toMatch(/exit code 0/);
    expect(readFileSync(join(ws, ".strand/.gitignore"), "utf8")).toBe("*\n");

    // The wire: the model name as configured, the session token as the key, the tools offered.
    const req = llm.requests[0];
    expect(req?.body.model).toBe("work/scripted-1");
    expect(req?.body.stream).toBe(true);
    if (api === "anthropic") {
      expect(req?.path).toBe("/v1/messages");
      expect(req?.headers["x-api-key"]).toBe("session-token-a");
      expect(req?.body.tools.map((t: any) => t.name)).toContain("edit_file");
    } else {
      expect(req?.path).toBe("/v1/chat/completions");
      expect(req?.headers.authorization).toBe("Bearer session-token-o");
      expect(req?.body.tools.map((t: any) => t.function.name)).toContain("edit_file");
    }

    // History is kept per session: the second prompt carries the first exchange.
    llm.push({ text: "Still here." });
    await a.prompt("and now?");
    const second = llm.requests[2]?.body.messages;
    expect(JSON.stringify(second)).toContain("make a hello script and run it");
    expect(JSON.stringify(second)).toContain("and now?");
  });

  it("turns malformed tool arguments into errors the model reads, and carries on", async () => {
    llm.push(
      {
        tool_calls: [
          { name: "write_file", arguments: '{"path": "x.txt", "content": ' },
          { name: "read_file", arguments: { path: 42 } },
          { name: "no_such_tool", arguments: {} },
        ],
      },
      { text: "Sorry, fixed." },
    );
    const a = await agent({ env: envFor(api) });
    const res = await a.prompt("go");
    expect(res.stopReason).toBe("end_turn");
    const results = toolResults(1);
    expect(results.map((r) => r.isError)).toEqual([true, true, true]);
    expect(results[0]?.content).toMatch(/not valid JSON/);
    expect(results[1]?.content).toMatch(/invalid arguments for read_file[\s\S]*path/);
    expect(results[2]?.content).toMatch(/Unknown tool "no_such_tool"/);
    expect(existsSync(join(a.workspace, "x.txt"))).toBe(false);
    expect(trace(a.updates).filter((t) => t === "tool_call_update:failed")).toHaveLength(3);
    expect(agentText(a.updates)).toBe("Sorry, fixed.");
    expect(a.proc.exitCode).toBeNull();
  });
});

describe("strand-agent tools", () => {
  it("edits with an exact replacement, shows the diff, and explains a miss", async () => {
    const ws = tempWorkspace();
    writeFileSync(join(ws, "app.py"), "def greet():\n    return 'hi'\n\nprint(greet())\n");
    llm.push(
      {
        tool_calls: [
          { name: "edit_file", arguments: { path: "app.py", old_text: "return 'hi'", new_text: "return 'hello'" } },
          { name: "edit_file", arguments: { path: "app.py", old_text: "return  'nope'", new_text: "x" } },
          { name: "edit_file", arguments: { path: "app.py", old_text: "greet()", new_text: "x" } },
        ],
      },
      { text: "Done." },
    );
    const a = await agent({ workspace: ws, env: envFor("anthropic") });
    await a.prompt("say hello instead");
    expect(readFileSync(join(ws, "app.py"), "utf8")).toBe("def greet():\n    return 'hello'\n\nprint(greet())\n");
    const diff = a.updates.find((u) => u.sessionUpdate === "tool_call_update" && u.status === "completed");
    expect(diff).toMatchObject({
      content: [
        {
          type: "diff",
          path: join(ws, "app.py"),
          oldText: "def greet():\n    return 'hi'\n\nprint(greet())\n",
          newText: "def greet():\n    return 'hello'\n\nprint(greet())\n",
        },
      ],
      locations: [{ path: join(ws, "app.py"), line: 2 }],
    });
    const [ok, missing, ambiguous] = toolResults(1);
    expect(ok).toMatchObject({ isError: false });
    expect(missing?.content).toMatch(/old_text was not found in app\.py/);
    expect(ambiguous?.content).toMatch(/appears 2 times .* replace_all/);
  });

  it("refuses paths that escape the workspace, through .., absolute paths or symlinks", async () => {
    const ws = tempWorkspace();
    const outside = tempWorkspace();
    writeFileSync(join(outside, "secret.txt"), "secret");
    symlinkSync(outside, join(ws, "link"));
    llm.push(
      {
        tool_calls: [
          { name: "write_file", arguments: { path: "../escaped.txt", content: "x" } },
          { name: "read_file", arguments: { path: join(outside, "secret.txt") } },
          { name: "read_file", arguments: { path: "link/secret.txt" } },
          { name: "run_command", arguments: { command: "pwd", cwd: "../.." } },
          { name: "glob", arguments: { pattern: "../**" } },
        ],
      },
      { text: "I cannot." },
    );
    const a = await agent({ workspace: ws, env: envFor("anthropic") });
    await a.prompt("escape");
    const results = toolResults(1);
    expect(results).toHaveLength(5);
    for (const r of results.slice(0, 4)) {
      expect(r.isError).toBe(true);
      expect(r.content).toMatch(/outside the workspace/);
    }
    expect(results[4]?.content).toMatch(/outside the search folder/);
    expect(JSON.stringify(results)).not.toContain("secret\n");
    expect(existsSync(join(ws, "..", "escaped.txt"))).toBe(false);
  });

  it("lists, globs, greps and reads line ranges", async () => {
    const ws = tempWorkspace();
    writeFileSync(join(ws, "a.ts"), "const x = 1;\n// TODO: one\nconst y = 2;\n");
    writeFileSync(join(ws, "b.md"), "# title\nTODO: two\n");
    llm.push(
      {
        tool_calls: [
          { name: "list_dir", arguments: {} },
          { name: "glob", arguments: { pattern: "**/*.ts" } },
          { name: "grep", arguments: { pattern: "todo", case_insensitive: true } },
          { name: "read_file", arguments: { path: "a.ts", start_line: 2, end_line: 3 } },
          { name: "grep", arguments: { pattern: "(unclosed" } },
        ],
      },
      { text: "ok" },
    );
    const a = await agent({ workspace: ws, env: envFor("openai") });
    await a.prompt("look around");
    const [list, glob, grep, read, badRegex] = toolResults(1);
    expect(list?.content).toMatch(/a\.ts {2}\(39 bytes\)\nb\.md/);
    expect(glob?.content).toBe("a.ts");
    expect(grep?.content).toBe("a.ts:2: // TODO: one\nb.md:2: TODO: two");
    expect(read?.content).toBe("     2\t// TODO: one\n     3\tconst y = 2;\n");
    expect(badRegex?.content).toMatch(/invalid regular expression/);
  });

  it("reports a plan", async () => {
    llm.push(
      {
        tool_calls: [
          {
            name: "report_plan",
            arguments: {
              entries: [
                { content: "Read the code", status: "completed" },
                { content: "Fix the bug", status: "in_progress", priority: "high" },
              ],
            },
          },
        ],
      },
      { text: "Working on it." },
    );
    const a = await agent({ env: envFor("anthropic") });
    await a.prompt("plan it");
    const plan = a.updates.find((u) => u.sessionUpdate === "plan");
    expect(plan).toEqual({
      sessionUpdate: "plan",
      entries: [
        { content: "Read the code", status: "completed", priority: "medium" },
        { content: "Fix the bug", status: "in_progress", priority: "high" },
      ],
    });
    expect(a.updates.find((u) => u.sessionUpdate === "tool_call")).toMatchObject({ kind: "think" });
  });

  it("kills a command that hangs when it hits its timeout, with everything it started", async () => {
    const ws = tempWorkspace();
    llm.push(
      {
        tool_calls: [
          {
            name: "run_command",
            arguments: { command: "echo started; sleep 60 & echo $! > bg.pid; wait", timeout_seconds: 1 },
          },
        ],
      },
      { text: "It hung." },
    );
    const a = await agent({ workspace: ws, env: envFor("anthropic") });
    const t0 = Date.now();
    await a.prompt("run the server");
    expect(Date.now() - t0).toBeLessThan(5000);
    const [r] = toolResults(1);
    expect(r?.isError).toBe(true);
    expect(r?.content).toMatch(/^started\n\[timed out after 1 s; the command and everything it started were killed\]$/);
    const pid = Number(readFileSync(join(ws, "bg.pid"), "utf8"));
    await until(
      async () => isAlive(pid),
      (alive) => !alive,
      "the background sleep to be killed",
      3000,
    );
  });

  it("starts one terminal window tailing the command log, and a restarted agent reuses it", async () => {
    const ws = tempWorkspace();
    const starts = join(ws, "..", `${ws.split("/").pop()}-windows.log`);
    const fakeTerminal = join(ws, "..", `${ws.split("/").pop()}-terminal.sh`);
    writeFileSync(fakeTerminal, `#!/bin/sh\necho "$@" >> ${starts}\nexec sleep 30\n`);
    chmodSync(fakeTerminal, 0o755);
    const env = envFor("anthropic", { STRAND_AGENT_TERMINAL_CMD: `${fakeTerminal} -F {log}` });
    const run = { tool_calls: [{ name: "run_command", arguments: { command: "echo hi" } }] };
    llm.push(run, run, { text: "ok" });
    const first = await agent({ workspace: ws, env });
    await first.prompt("twice");
    await first.close();
    llm.push(run, { text: "ok" });
    const second = await agent({ workspace: ws, env });
    await second.prompt("once more");
    const lines = readFileSync(starts, "utf8").trim().split("\n");
    expect(lines).toEqual([`-F ${join(ws, ".strand/terminal.log")}`]);
    const pid = Number(readFileSync(join(ws, ".strand/terminal.log.window-pid"), "utf8"));
    expect(isAlive(pid)).toBe(true);
    process.kill(pid);
    expect(readFileSync(join(ws, ".strand/terminal.log"), "utf8").match(/\$ echo hi/g)).toHaveLength(3);
  });

  it("keeps the head and tail of long output", async () => {
    llm.push({ tool_calls: [{ name: "run_command", arguments: { command: "seq 1 20000; exit 3" } }] }, { text: "ok" });
    const a = await agent({ env: envFor("anthropic", { STRAND_AGENT_COMMAND_OUTPUT_BYTES: "4096" }) });
    await a.prompt("count");
    const [r] = toolResults(1);
    expect(r?.isError).toBe(true);
    expect(r?.content.startsWith("1\n2\n3\n")).toBe(true);
    expect(r?.content).toMatch(/\[… \d+ bytes of output omitted …\]/);
    expect(r?.content).toMatch(/19999\n20000\n\[exit code 3, [\d.]+ s\]$/);
    expect(r?.content.length).toBeLessThan(4300);
  });
});

describe("strand-agent turn control", () => {
  it("cancels a running command promptly and ends the turn as cancelled", async () => {
    const ws = tempWorkspace();
    llm.push({ tool_calls: [{ name: "run_command", arguments: { command: "echo $$ > sh.pid; sleep 60" } }] });
    const a = await agent({ workspace: ws, env: envFor("anthropic") });
    const turn = a.prompt("wait forever");
    await until(
      async () => trace(a.updates),
      (t) => t.includes("tool_call_update:in_progress") && existsSync(join(ws, "sh.pid")),
      "the command to start",
      5000,
    );
    const t0 = Date.now();
    await a.cancel();
    const res = await turn;
    expect(res.stopReason).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(trace(a.updates).at(-1)).toBe("tool_call_update:failed");
    const pid = Number(readFileSync(join(ws, "sh.pid"), "utf8"));
    await until(
      async () => isAlive(pid),
      (alive) => !alive,
      "the command to be killed",
      3000,
    );

    // The session stays usable, and the cancelled call has a result in the history.
    llm.push({ text: "Ready again." });
    expect((await a.prompt("again")).stopReason).toBe("end_turn");
    const msgs = llm.requests.at(-1)?.body.messages;
    expect(JSON.stringify(msgs)).toContain("cancelled");
  });

  it("cancels while the model is streaming", async () => {
    llm.push({ text: "word ".repeat(200), chunkDelayMs: 20 });
    const a = await agent({ env: envFor("openai") });
    const turn = a.prompt("talk a lot");
    await until(
      async () => agentText(a.updates).length,
      (n) => n > 0,
      "the first streamed text",
      5000,
    );
    const t0 = Date.now();
    await a.cancel();
    const res = await turn;
    expect(res.stopReason).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(agentText(a.updates).length).toBeLessThan(1000);
  });

  it("retries a 429, honouring Retry-After, then succeeds", async () => {
    llm.push({ status: 429, retryAfter: 1 }, { text: "made it" });
    const a = await agent({ env: envFor("anthropic") });
    const t0 = Date.now();
    const res = await a.prompt("hi");
    expect(res.stopReason).toBe("end_turn");
    expect(agentText(a.updates)).toBe("made it");
    expect(llm.requests).toHaveLength(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it("gives up on a failing provider after bounded retries with a clear message", async () => {
    llm.push({ status: 503 }, { status: 503 }, { status: 503 });
    const a = await agent({ env: envFor("openai", { STRAND_AGENT_RETRIES: "3" }) });
    const res = await a.prompt("hi");
    expect(res.stopReason).toBe("end_turn");
    expect(llm.requests).toHaveLength(3);
    expect(agentText(a.updates)).toMatch(
      /The model request failed: .*answered 503: scripted error 503 \(gave up after 3 attempts\)/,
    );
    expect(res._meta?.["strand.dev/error"]).toMatch(/503/);
  });

  it("tells the user when the provider is down", async () => {
    const port = await closedPort();
    const a = await agent({
      env: envFor("anthropic", {
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
        STRAND_AGENT_RETRIES: "2",
        STRAND_AGENT_RETRY_UNREACHABLE_MS: "0",
      }),
    });
    const res = await a.prompt("hi");
    expect(res.stopReason).toBe("end_turn");
    expect(agentText(a.updates)).toMatch(
      /cannot reach .* at http:\/\/127\.0\.0\.1:\d+\/v1\/messages: ECONNREFUSED \(gave up after 2 attempts\)/,
    );
    expect(agentText(a.updates)).toMatch(/Check that the LLM proxy is up \(ANTHROPIC_BASE_URL/);
  });

  it("inside a Strand session, talks to the server's proxy with the session token by default", async () => {
    const ws = tempWorkspace();
    const tokenFile = join(ws, "..", `${ws.split("/").pop()}-token`);
    writeFileSync(tokenFile, "strand-session-token\n");
    llm.push({ text: "hi" });
    const a = await agent({
      workspace: ws,
      env: envFor("anthropic", {
        ANTHROPIC_BASE_URL: "",
        ANTHROPIC_API_KEY: "",
        STRAND_SERVER_URL: `${llm.url}/`,
        STRAND_SESSION_TOKEN_FILE: tokenFile,
        STRAND_AGENT_THINKING_BUDGET: "2048",
      }),
    });
    await a.prompt("hello");
    expect(llm.requests[0]?.headers["x-api-key"]).toBe("strand-session-token");
    expect(llm.requests[0]?.body).toMatchObject({
      max_tokens: 16384,
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
  });

  it("says what is missing when no model is configured", async () => {
    const a = await agent({ env: envFor("anthropic", { STRAND_AGENT_MODEL: "" }) });
    const res = await a.prompt("hi");
    expect(res.stopReason).toBe("end_turn");
    expect(agentText(a.updates)).toMatch(/set STRAND_AGENT_MODEL/);
    expect(llm.requests).toHaveLength(0);
  });

  it("stops after the tool-round cap", async () => {
    const step = { tool_calls: [{ name: "list_dir", arguments: {} }] };
    llm.push(step, step, step);
    const a = await agent({ env: envFor("anthropic", { STRAND_AGENT_MAX_TOOL_ROUNDS: "2" }) });
    const res = await a.prompt("loop");
    expect(res.stopReason).toBe("max_turn_requests");
    expect(llm.requests).toHaveLength(2);
    expect(agentText(a.updates)).toMatch(/stopped after 2 tool rounds/);
  });

  it("asks before writing in ask mode and respects a refusal", async () => {
    const ws = tempWorkspace();
    llm.push(
      {
        tool_calls: [
          { name: "write_file", arguments: { path: "denied.txt", content: "no" } },
          { name: "read_file", arguments: { path: "denied.txt" } },
        ],
      },
      { tool_calls: [{ name: "write_file", arguments: { path: "allowed.txt", content: "yes" } }] },
      { text: "ok" },
    );
    const answers = ["reject", "allow_once"];
    const a = await agent({
      workspace: ws,
      env: envFor("anthropic", { STRAND_AGENT_PERMISSIONS: "ask" }),
      onPermission: () => ({ outcome: { outcome: "selected", optionId: answers.shift() ?? "reject" } }),
    });
    await a.prompt("write files");
    expect(existsSync(join(ws, "denied.txt"))).toBe(false);
    expect(readFileSync(join(ws, "allowed.txt"), "utf8")).toBe("yes");
    // Reads need no permission; only the two writes asked.
    expect(a.permissionRequests).toHaveLength(2);
    expect(a.permissionRequests[0]).toMatchObject({
      toolCall: {
        title: "Write denied.txt",
        kind: "edit",
        rawInput: { path: "denied.txt", content: "no" },
        // The user sees what would change before deciding.
        content: [{ type: "diff", path: join(ws, "denied.txt"), oldText: null, newText: "no" }],
      },
    });
    expect(a.permissionRequests[0]?.options.map((o) => o.kind)).toEqual(["allow_once", "allow_always", "reject_once"]);
    const [denied, read] = toolResults(1);
    expect(denied?.content).toMatch(/The user denied permission/);
    expect(read?.content).toMatch(/denied\.txt does not exist/);
  });

  it("cancels while waiting for permission", async () => {
    llm.push({ tool_calls: [{ name: "run_command", arguments: { command: "touch ran" } }] });
    const a = await agent({
      env: envFor("openai", { STRAND_AGENT_PERMISSIONS: "ask" }),
      onPermission: () => new Promise(() => {}),
    });
    const turn = a.prompt("run it");
    await until(
      async () => a.permissionRequests.length,
      (n) => n === 1,
      "the permission request",
      5000,
    );
    await a.cancel();
    expect((await turn).stopReason).toBe("cancelled");
    expect(existsSync(join(a.workspace, "ran"))).toBe(false);
    expect(trace(a.updates).at(-1)).toBe("tool_call_update:failed");
  });

  it("reads and writes through the client when it offers fs", async () => {
    const ws = tempWorkspace();
    const written: [string, string][] = [];
    llm.push(
      {
        tool_calls: [
          { name: "read_file", arguments: { path: "buffer.txt" } },
          { name: "write_file", arguments: { path: "out.txt", content: "from agent" } },
        ],
      },
      { text: "ok" },
    );
    writeFileSync(join(ws, "buffer.txt"), "on disk\n");
    const a = await agent({
      workspace: ws,
      env: envFor("anthropic"),
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true } },
      onReadFile: () => "unsaved editor buffer\n",
      onWriteFile: (p, c) => written.push([p, c]),
    });
    await a.prompt("use the editor");
    const [read] = toolResults(1);
    expect(read?.content).toBe("     1\tunsaved editor buffer\n");
    expect(written).toEqual([[join(ws, "out.txt"), "from agent"]]);
    expect(existsSync(join(ws, "out.txt"))).toBe(false);
  });
});

// No sentence repeats, so any prefix of it occurs in it once.
const ANSWER = Array.from({ length: 6 }, (_, i) => `Part ${i + 1}: the quick brown fox jumps over the lazy dog. `).join(
  "",
);

const markers = (updates: SessionUpdate[]) =>
  updates.flatMap((u, i) => {
    const m = u.sessionUpdate === "agent_message_chunk" ? replaceMarkerOf(u._meta) : undefined;
    return m ? [{ at: i, ...m }] : [];
  });
const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;
const messageIds = (updates: SessionUpdate[]) =>
  updates.flatMap((u) =>
    u.sessionUpdate === "agent_message_chunk" && u.content.type === "text" && u.content.text ? [u.messageId] : [],
  );

describe.each([
  ["anthropic", "reset"],
  ["openai", "reset"],
  ["anthropic", "error"],
  ["openai", "end"],
] as const)("strand-agent with a model stream that breaks mid-answer, %s format (%s)", (api, breakMode) => {
  it("asks again and replaces the partial answer, so the answer is shown and remembered once", async () => {
    llm.push({ text: ANSWER, breakAfter: 8, breakMode }, { text: ANSWER });
    const a = await agent({ env: envFor(api) });
    const res = await a.prompt("tell me about the fox");
    expect(res.stopReason).toBe("end_turn");
    expect(res._meta?.[ACP_META.error]).toBeUndefined();
    expect(llm.requests).toHaveLength(2);

    // ACP cannot take text back: the partial answer went out, then the marker, then the whole answer.
    const [marker, ...more] = markers(a.updates);
    expect(more).toEqual([]);
    const before = a.updates.slice(0, marker?.at);
    const partial = agentText(before);
    expect(partial.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(partial)).toBe(true);
    expect(agentText(a.updates)).toBe(partial + ANSWER);
    expect(new Set(messageIds(before))).toEqual(new Set([marker?.messageId]));
    expect(messageIds(a.updates.slice((marker?.at ?? 0) + 1))).not.toContain(marker?.messageId);
    expect(shownText(a.updates)).toBe(ANSWER);
    expect(agentText(a.updates)).not.toMatch(/⚠️/);

    // The model's history has the answer once, and not the partial one.
    llm.push({ text: "ok" });
    await a.prompt("thanks");
    const messages = JSON.stringify(llm.requests[2]?.body.messages);
    expect(occurrences(messages, ANSWER)).toBe(1);
    expect(occurrences(messages, partial)).toBe(1);
  });
});

describe("strand-agent retrying a broken step", () => {
  it("withdraws the tool calls a broken attempt announced and runs the retried ones once", async () => {
    const ws = tempWorkspace();
    const step = {
      text: "Let me append.",
      tool_calls: [{ name: "run_command", arguments: { command: "echo ran >> ran.log" } }],
    };
    // message_start, text start, 2 text deltas, text stop, tool_use start, then the arguments break off.
    llm.push({ ...step, breakAfter: 8 }, step, { text: "Done." });
    const a = await agent({ workspace: ws, env: envFor("anthropic") });
    expect((await a.prompt("append a line")).stopReason).toBe("end_turn");
    expect(readFileSync(join(ws, "ran.log"), "utf8")).toBe("ran\n");
    expect(llm.requests).toHaveLength(3);
    expect(toolResults(2)).toHaveLength(1);

    const calls = a.updates.flatMap((u) => (u.sessionUpdate === "tool_call" ? [u.toolCallId] : []));
    expect(calls).toHaveLength(2);
    const [marker] = markers(a.updates);
    expect(marker?.toolCallIds).toEqual([calls[0]]);
    const withdrawn = a.updates.filter((u) => u.sessionUpdate === "tool_call_update" && u.toolCallId === calls[0]);
    expect(withdrawn.at(-1)).toMatchObject({
      status: "failed",
      content: [{ type: "content", content: { type: "text", text: expect.stringMatching(/^Withdrawn: .*never ran/) } }],
    });
    const kept = shown(a.updates);
    expect(kept.filter((u) => u.sessionUpdate === "tool_call")).toEqual([
      expect.objectContaining({ toolCallId: calls[1], status: "completed" }),
    ]);
    expect(agentText(kept)).toBe("Let me append.Done.");
  });

  it("retries a break in the request after a tool ran with the tool's result, never running the tool again", async () => {
    const ws = tempWorkspace();
    llm.push(
      { tool_calls: [{ name: "run_command", arguments: { command: "echo ran >> ran.log" } }] },
      { text: ANSWER, breakAfter: 6 },
      { text: ANSWER },
    );
    const a = await agent({ workspace: ws, env: envFor("openai") });
    expect((await a.prompt("append, then explain")).stopReason).toBe("end_turn");
    expect(readFileSync(join(ws, "ran.log"), "utf8")).toBe("ran\n");
    // The retried request is the broken one again, tool result included.
    expect(llm.requests).toHaveLength(3);
    expect(llm.requests[2]?.body).toEqual(llm.requests[1]?.body);
    expect(toolResults(2)[0]?.content).toMatch(/exit code 0/);
    const [marker] = markers(a.updates);
    expect(marker?.toolCallIds).toEqual([]);
    const kept = shown(a.updates);
    expect(kept.find((u) => u.sessionUpdate === "tool_call")).toMatchObject({ status: "completed" });
    expect(agentText(kept)).toBe(ANSWER);
  });

  it("ends the turn with the error as before when every attempt breaks", async () => {
    llm.push({ text: ANSWER, breakAfter: 6 }, { text: ANSWER, breakAfter: 9 });
    const a = await agent({ env: envFor("anthropic", { STRAND_AGENT_RETRIES: "2" }) });
    const res = await a.prompt("talk");
    expect(res.stopReason).toBe("end_turn");
    expect(llm.requests).toHaveLength(2);
    expect(res._meta?.[ACP_META.error]).toMatch(
      /stream from the Anthropic-format endpoint broke.*gave up after 2 attempts/,
    );
    // The last attempt's partial answer stays, followed by what failed.
    const text = shownText(a.updates);
    const [partial, warning] = text.split("\n\n⚠️ ");
    expect(ANSWER.startsWith(partial ?? "x")).toBe(true);
    expect(partial?.length).toBeGreaterThan(10);
    expect(warning).toMatch(/^The model request failed: /);
    llm.push({ text: "ok" });
    await a.prompt("again");
    expect(occurrences(JSON.stringify(llm.requests[2]?.body.messages), partial ?? "x")).toBe(1);
  });

  it("waits for a provider that refuses connections while it restarts, beyond the attempt count", async () => {
    const port = await closedPort();
    const a = await agent({
      env: envFor("anthropic", { ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`, STRAND_AGENT_RETRIES: "2" }),
    });
    const turn = a.prompt("are you there?");
    await until(
      async () => a.stderr(),
      (s) => (s.match(/model request failed, retrying/g) ?? []).length >= 3,
      "three refused attempts",
      10_000,
    );
    const back = await startScriptedLlm([{ text: "Back again." }], ["work/scripted-1"], { port });
    try {
      const res = await turn;
      expect(res.stopReason).toBe("end_turn");
      expect(agentText(a.updates)).toBe("Back again.");
    } finally {
      await back.close();
    }
  });
});

describe("strand-agent sessions survive a restart (session/load)", () => {
  it("a new process loads a saved session, replays it, and the model sees the earlier turns", async () => {
    const ws = tempWorkspace();
    llm.push(
      { text: "Noting it.", tool_calls: [{ name: "write_file", arguments: { path: "n.txt", content: "42\n" } }] },
      { text: "Noted 42." },
    );
    const first = await agent({ workspace: ws, env: envFor("anthropic") });
    expect(first.init.agentCapabilities?.loadSession).toBe(true);
    await first.prompt("remember the number 42");
    await first.close();
    const file = join(ws, ".strand/agent/sessions", `${first.sessionId}.json`);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(join(ws, ".strand/.gitignore"), "utf8")).toBe("*\n");

    const second = await agent({ workspace: ws, env: envFor("anthropic"), load: first.sessionId });
    // Replayed before session/load was answered, compacted: one update per text run and per tool call.
    expect(trace(second.updates)).toEqual(["user_message_chunk", "text", "tool_call:completed", "text"]);
    expect(second.updates[0]).toMatchObject({ content: { type: "text", text: "remember the number 42" } });
    expect(agentText(second.updates)).toBe("Noting it.Noted 42.");
    expect(second.updates.find((u) => u.sessionUpdate === "tool_call")).toMatchObject({
      title: "Write n.txt",
      kind: "edit",
      content: [{ type: "diff", path: join(ws, "n.txt"), oldText: null, newText: "42\n" }],
    });

    llm.push({ text: "It was 42." });
    await second.prompt("which number was it?");
    const req = llm.requests.at(-1)?.body;
    // The earlier turn, tool call and result included, then the new prompt.
    expect(req.messages.slice(0, -1)).toEqual([
      ...(llm.requests[1]?.body.messages ?? []).map((m: any) => ({
        ...m,
        content: m.content.map(({ cache_control: _, ...b }: any) => b),
      })),
      { role: "assistant", content: [{ type: "text", text: "Noted 42." }] },
    ]);
    expect(req.messages.at(-1).content.at(-1)).toMatchObject({ type: "text", text: "which number was it?" });
  });

  it("saves a cancelled turn, so a process killed right after still knows what ran", async () => {
    const ws = tempWorkspace();
    llm.push({ tool_calls: [{ name: "run_command", arguments: { command: "echo started > s.txt; sleep 60" } }] });
    const first = await agent({ workspace: ws, env: envFor("openai") });
    const turn = first.prompt("start the server");
    await until(
      async () => existsSync(join(ws, "s.txt")),
      (ok) => ok,
      "the command to start",
      5000,
    );
    await first.cancel();
    expect((await turn).stopReason).toBe("cancelled");
    first.proc.kill("SIGKILL");

    const second = await agent({ workspace: ws, env: envFor("openai"), load: first.sessionId });
    expect(trace(second.updates)).toEqual(["user_message_chunk", "tool_call:failed"]);
    llm.push({ text: "ok" });
    await second.prompt("what happened?");
    const msgs = llm.requests.at(-1)?.body.messages;
    expect(msgs.map((m: any) => m.role)).toEqual(["system", "user", "assistant", "tool", "user"]);
    expect(msgs[3].content).toMatch(/cancelled/);
  });

  it("refuses to load a session it never saved, saying what to do", async () => {
    await expect(agent({ env: envFor("anthropic"), load: "3b1f0c9e-0000-4000-8000-000000000000" })).rejects.toThrow(
      /no saved session 3b1f0c9e-0000-4000-8000-000000000000 in .*\.strand\/agent\/sessions; start a new one with session\/new/,
    );
    await expect(agent({ env: envFor("anthropic"), load: "../../etc/passwd" })).rejects.toThrow(/not found/i);
  });
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
