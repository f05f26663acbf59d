import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "../fixtures/llm/server.js";
import { addProvider } from "../support/llm.js";
import { ensureDesktopImage, exec, startSandboxServer } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * Issue 14's acceptance on real Docker: real runtimes (Claude Code, Qwen Code, Gemini CLI, Codex,
 * the built-in strand-agent) in real desktops call Strand's MCP server.
 * agentd gives each `/mcp` over HTTP with the session token (their initialize answers offer
 * `mcpCapabilities.http`). The scripted model calls `search_history` under whatever name the
 * runtime offered it in the request's tool list (Claude Code: `mcp__strand__search_history`); the
 * tool's result, an earlier conversation of the same owner, must reach the model in the next
 * request, and the answer built on it must appear in the chat. The stdio bridge is then run inside
 * the desktop, against the same endpoint, as a runtime without HTTP would run it.
 */

const KEY = "sk-mcp-provider-7d1e2a";
const MARKER = "ERR_FLAKY_LOGIN_7731";
const FIX = "fixed by raising the timeout";
const PROMPT = `The login test fails with ${MARKER} again. How did we fix it last time?`;
const ANSWER = `Last time: ${MARKER} was ${FIX}.`;
/*
 * What the scripted model asks for: prompts only. Each cell's own tool call and answer quote the
 * marker too, and by the last cell they outrank the seeded conversation among the top ten; people's
 * prompts are the seed and one per cell.
 */
const QUERY = { query: MARKER, kind: ["user"] };

const PROVIDERS = {
  anthropic: { name: "mcp-anthropic", kind: "anthropic", model: "claude-mcp-1" },
  openai: { name: "mcp-openai", kind: "openai-compatible", model: "gpt-mcp-1" },
} as const;
type Format = keyof typeof PROVIDERS;
const CELLS: { runtime: string; format: Format; tool?: string }[] = [
  { runtime: "claude-code", format: "anthropic", tool: "mcp__strand__search_history" },
  { runtime: "qwen-code", format: "openai" },
  { runtime: "gemini", format: "anthropic" },
  // Codex sends MCP tools as a Responses `namespace` group; the proxy offers a Chat provider its
  // functions as `mcp__strand__search_history` and turns the model's call back into the group's.
  { runtime: "codex", format: "openai", tool: "mcp__strand__search_history" },
  // The built-in agent: an MCP client of its own (packages/agent/src/mcp), over HTTP.
  { runtime: "strand-agent", format: "anthropic", tool: "mcp__strand__search_history" },
];

interface Entry {
  id: string;
  kind: string;
  status: string;
  turn_id: string;
  content: { text?: string; title?: string; level?: string };
}

const toolNames = (body: any): string[] =>
  (body.tools ?? []).map((t: { name?: string; function?: { name?: string } }) => t.name ?? t.function?.name ?? "");
const lastMessage = (body: any) => JSON.stringify((body.messages ?? []).at(-1) ?? "");
const isToolResult = (body: any) => {
  const last = (body.messages ?? []).at(-1);
  return last?.role === "tool" || lastMessage(body).includes('"tool_result"');
};

/**
 * The agent loop's own requests: they offer tools and carry the prompt or a tool's result. Side
 * calls (titles, probes, Qwen Code's tool classifier) get "ok" and take no step.
 */
function isMainLoop(body: any): boolean {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return false;
  const text = lastMessage(body);
  if (text.includes("Pending tool call to classify")) return false;
  return isToolResult(body) || text.includes(PROMPT);
}

let s: Awaited<ReturnType<typeof startSandboxServer>>;
const llm = {} as Record<Format, ScriptedLlm>;
/** The name the runtime of the running cell offered search_history under, once its first request came. */
const offered: Record<Format, string | undefined> = { anthropic: undefined, openai: undefined };
/** Qwen Code's deferred-tool round: tool_search asked, then the bridge called. */
const qwenStage: { searched?: boolean; called?: boolean; looks?: number } = {};

/**
 * The next step, from the request the runtime just sent. A runtime that declares MCP tools up
 * front (Claude Code) gets a call to search_history under the name in the request's own tool list
 * (none there: a name that fails the test with the list shown). Qwen Code keeps MCP tools behind
 * its ToolSearch + ToolCall bridge, as it does for a real model: the script asks `tool_search`,
 * reads the tool's name from its result, and calls it through `tool_call`.
 */
function scriptOn(format: Format, body: any): void {
  const names = toolNames(body);
  if (offered[format] === undefined && !isToolResult(body)) {
    const direct = names.find((n) => /search_history$/.test(n));
    if (direct || !names.includes("tool_search")) {
      offered[format] = direct ?? "(search_history not offered)";
      // Gemini CLI ends a turn that opens with a bare tool call; a sentence first is what it expects.
      llm[format].push(
        { text: "Searching the history.", tool_calls: [{ name: offered[format], arguments: QUERY }] },
        { text: ANSWER },
      );
      return;
    }
    offered[format] = "(behind tool_search)";
    qwenStage.searched = true;
    llm[format].push({ tool_calls: [{ name: "tool_search", arguments: { query: "search history strand" } }] });
    return;
  }
  if (qwenStage.searched && !qwenStage.called && isToolResult(body)) {
    const found = /[A-Za-z0-9_]*search_history/.exec(lastMessage(body))?.[0];
    // Qwen Code connects to MCP servers in the background: a search before that finds nothing,
    // and a model would look again, as the script does (each look is a model round trip).
    qwenStage.looks = (qwenStage.looks ?? 0) + 1;
    if (!found && qwenStage.looks < 20) {
      llm[format].push({ tool_calls: [{ name: "tool_search", arguments: { query: "search history strand" } }] });
      return;
    }
    offered[format] = found ?? "(tool_search did not find search_history)";
    qwenStage.called = true;
    llm[format].push(
      { tool_calls: [{ name: "tool_call", arguments: { name: offered[format], arguments: QUERY } }] },
      { text: ANSWER },
    );
  }
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  for (const format of Object.keys(PROVIDERS) as Format[]) {
    const p = PROVIDERS[format];
    llm[format] = await startScriptedLlm([], [p.model], {
      apiKey: KEY,
      // Scripted on what the runtime really sends (see `scriptOn`).
      onScript: (body) => {
        if (!isMainLoop(body)) return false;
        scriptOn(format, body);
        return true;
      },
    });
    const base = format === "openai" ? `${llm[format].url}/v1` : llm[format].url;
    await addProvider(s.admin, { name: p.name, kind: p.kind, base_url: base, api_key: KEY });
  }
}, 600_000);

afterAll(async () => {
  await Promise.all(Object.values(llm).map((l) => l?.close()));
  await s?.stop();
}, 120_000);

const thread = async (id: string) =>
  (await s.admin("GET", `/api/v1/sessions/${id}/messages?limit=500`)).body.items as Entry[];

let earlierId: string;
async function seedEarlierConversation(): Promise<string> {
  if (earlierId) return earlierId;
  // The owner's earlier conversation: never started, its prompt stored (and indexed) all the same.
  const earlier = await s.admin("POST", "/api/v1/sessions", { body: { name: "login flake", start: false } });
  expect(earlier.status, earlier.text).toBe(201);
  const seeded = await s.admin("POST", `/api/v1/sessions/${earlier.body.id}/messages`, {
    body: { request_id: "seed", content: `${MARKER} ${FIX} in tests/login.spec.ts (30 s instead of 5 s).` },
  });
  expect(seeded.status, seeded.text).toBe(201);
  await until(
    () => s.admin("GET", `/api/v1/search?q=${MARKER}`),
    (r) => r.body.results?.length === 1,
    "the earlier conversation to be searchable",
    10_000,
  );
  earlierId = earlier.body.id;
  return earlierId;
}

describe("Strand's MCP server in real runtimes, on real desktops", () => {
  it.each(CELLS)(
    "$runtime calls search_history through /mcp and answers with what an earlier conversation says",
    async ({ runtime, format, tool }) => {
      const earlier = await seedEarlierConversation();
      const p = PROVIDERS[format];
      // This cell's script starts from the runtime's first request.
      offered[format] = undefined;
      Object.assign(qwenStage, { searched: false, called: false, looks: 0 });
      const firstRequest = llm[format].requests.length;
      const created = await s.admin("POST", "/api/v1/sessions", {
        body: { name: `mcp ${runtime}`, runtime, model: `${p.name}/${p.model}` },
      });
      expect(created.status, created.text).toBe(201);
      const id: string = created.body.id;
      const sent = await s.admin("POST", `/api/v1/sessions/${id}/messages`, {
        body: { request_id: "ask", content: PROMPT },
      });
      expect(sent.status, sent.text).toBe(201);
      const items = await until(
        () => thread(id),
        (all) =>
          ["done", "failed", "cancelled", "interrupted"].includes(all.find((e) => e.id === sent.body.id)?.status ?? ""),
        "the turn to end",
        240_000,
      );
      const turn = items.filter((e) => e.turn_id === sent.body.turn_id);
      const loop = llm[format].requests.slice(firstRequest).filter((r) => isMainLoop(r.body));
      const story = () =>
        JSON.stringify({
          turn: turn.map((e) => ({ kind: e.kind, status: e.status, content: e.content })).slice(0, 12),
          notices: items.filter((e) => e.kind === "notice").map((e) => e.content),
          tools: loop[0] ? toolNames(loop[0].body) : "no main-loop request",
        }).slice(0, 4000);

      // The runtime offered the model Strand's tools (under its own naming for MCP tools).
      const names = loop[0] ? toolNames(loop[0].body) : [];
      expect(offered[format], story()).toMatch(/search_history$/);
      if (tool) {
        // Declared up front, both of them.
        expect(offered[format], story()).toBe(tool);
        expect(
          names.some((n) => /read_conversation$/.test(n)),
          story(),
        ).toBe(true);
      }
      expect(turn[0]?.status, story()).toBe("done");

      // The request after the tool call carries the tool's result: the earlier conversation, found.
      const after = loop.find((r) => isToolResult(r.body) && lastMessage(r.body).includes(FIX));
      expect(after, story()).toBeDefined();
      const result = lastMessage(after?.body);
      expect(result, story()).toContain(MARKER);
      expect(result, story()).toContain(FIX);
      expect(result, story()).toContain(earlier);

      // The chat shows the tool call, completed, and the answer built on it; no notice about MCP.
      const calls = turn.filter((e) => e.kind === "tool_call");
      expect(calls.length, story()).toBeGreaterThan(0);
      expect(
        calls.every((e) => e.status === "completed"),
        story(),
      ).toBe(true);
      expect(
        turn.some((e) => e.kind === "text" && e.content.text?.includes(ANSWER)),
        story(),
      ).toBe(true);
      expect(
        items.filter((e) => e.kind === "notice" && /MCP/.test(e.content.text ?? "")),
        story(),
      ).toEqual([]);

      if (runtime === "claude-code") {
        // The stdio bridge, inside the desktop as the agent user, reaching the same /mcp with the token file.
        const rpc = (id: number | null, method: string, params?: unknown) =>
          JSON.stringify({ jsonrpc: "2.0", ...(id === null ? {} : { id }), method, ...(params ? { params } : {}) });
        const lines = [
          rpc(1, "initialize", {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "t", version: "1" },
          }),
          rpc(null, "notifications/initialized"),
          rpc(2, "tools/call", { name: "search_history", arguments: QUERY }),
        ];
        const script = `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(" ")} | node /opt/strand/agentd.mjs mcp-bridge 2>/dev/null`;
        const out = await exec(`strand-${id}`, ["bash", "-c", script], "agent");
        const answers = out.output
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l));
        expect(answers.find((a) => a.id === 1)?.result?.serverInfo?.name, out.output).toBe("strand");
        const found = answers.find((a) => a.id === 2);
        expect(JSON.stringify(found?.result?.content), out.output).toContain(FIX);
      }
      await s.admin("DELETE", `/api/v1/sessions/${id}`);
    },
    360_000,
  );
});
