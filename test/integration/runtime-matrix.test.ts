import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { llmCalls } from "../../packages/server/src/db/schema.js";
import { type ScriptedLlm, type ScriptStep, startScriptedLlm } from "../fixtures/llm/server.js";
import { addProvider } from "../support/llm.js";
import { ensureDesktopImage, exec, startSandboxServer } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * Issue 11's acceptance on real Docker: every agent runtime against every provider format, each in
 * its own real desktop. The providers are strict about model names, as real ones are (404
 * `model_not_found` for anything they do not serve), so a runtime whose own default model name
 * leaked past the proxy fails its cell. Per cell: the agent writes a file and runs a command
 * (both land in the container, both show as completed tool calls), and every model call on
 * record went to the session's provider and model. Two cells also kill the runtime between
 * prompts and check the next model request still carries the earlier turn.
 */

const KEY = "sk-matrix-provider-51c0e8";
const WORK = "/home/agent/work";
/** Each provider serves exactly one model, under a name no runtime would pick by itself. */
const PROVIDERS = {
  anthropic: { name: "matrix-anthropic", kind: "anthropic", model: "claude-matrix-1" },
  openai: { name: "matrix-openai", kind: "openai-compatible", model: "gpt-matrix-1" },
} as const;
type Format = keyof typeof PROVIDERS;

/** Each runtime's own tools for "write this file" and "run this command", in its argument names. */
const SCRIPTS: Record<string, (file: string, content: string, command: string) => ScriptStep[]> = {
  "strand-agent": (file, content, command) => [
    { tool_calls: [{ name: "write_file", arguments: { path: file, content } }] },
    { tool_calls: [{ name: "run_command", arguments: { command } }] },
  ],
  "claude-code": (file, content, command) => [
    { tool_calls: [{ name: "mcp__acp__Write", arguments: { file_path: `${WORK}/${file}`, content } }] },
    { tool_calls: [{ name: "mcp__acp__Bash", arguments: { command, description: "run it", timeout: 60_000 } }] },
  ],
  "qwen-code": (file, content, command) => [
    { tool_calls: [{ name: "write_file", arguments: { file_path: `${WORK}/${file}`, content } }] },
    { tool_calls: [{ name: "run_shell_command", arguments: { command } }] },
  ],
  // Gemini CLI ends a turn that opens with a bare tool call; a sentence first is what it expects.
  gemini: (file, content, command) => [
    {
      text: "Writing the file.",
      tool_calls: [{ name: "write_file", arguments: { file_path: `${WORK}/${file}`, content } }],
    },
    { tool_calls: [{ name: "run_shell_command", arguments: { command } }] },
  ],
  // Codex has no file-writing tool of its own: it writes with the shell, like a person would.
  codex: (file, content, command) => [
    { tool_calls: [{ name: "exec_command", arguments: { cmd: `printf '%s' '${content}' > ${WORK}/${file}` } }] },
    { tool_calls: [{ name: "exec_command", arguments: { cmd: command } }] },
  ],
};

/** The API each runtime calls the proxy with (llm_calls.api), and any others it may also call. */
const SPEAKS: Record<string, [main: string, ...others: string[]]> = {
  "strand-agent": ["messages"],
  "claude-code": ["messages", "count_tokens"],
  "qwen-code": ["chat"],
  gemini: ["gemini"],
  codex: ["responses"],
};

interface Entry {
  id: string;
  kind: string;
  status: string;
  turn_id: string;
  content: { text?: string; title?: string; error?: string };
}

const PROMPTS = ["Remember the word.", "What was the word?"];

/**
 * Whether a request is a step of the agent's own loop, which the script answers: it offers tools
 * and answers the user's prompt or a tool's result. Runtimes also ask the model on the side
 * (titles, Claude Code's "foo" probe, Qwen Code's permission classifier, memory and next-prompt
 * suggestions); those get a short text and take no step.
 */
function isMainLoop(body: any): boolean {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return false;
  const last = (body.messages ?? []).at(-1);
  const text = JSON.stringify(last ?? "");
  // Qwen Code's classifier quotes the whole conversation, prompts included.
  if (text.includes("Pending tool call to classify")) return false;
  return last?.role === "tool" || text.includes('"tool_result"') || PROMPTS.some((p) => text.includes(p));
}

let s: Awaited<ReturnType<typeof startSandboxServer>>;
const llm = {} as Record<Format, ScriptedLlm>;

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  for (const format of Object.keys(PROVIDERS) as Format[]) {
    const p = PROVIDERS[format];
    llm[format] = await startScriptedLlm([], [p.model], {
      apiKey: KEY,
      onScript: isMainLoop,
    });
    const base = format === "openai" ? `${llm[format].url}/v1` : llm[format].url;
    await addProvider(s.admin, { name: p.name, kind: p.kind, base_url: base, api_key: KEY });
  }
}, 600_000);

afterAll(async () => {
  await Promise.all(Object.values(llm).map((l) => l.close()));
  await s?.stop();
}, 120_000);

const thread = async (id: string) =>
  (await s.admin("GET", `/api/v1/sessions/${id}/messages?limit=500`)).body.items as Entry[];

/** Sends a prompt and waits for its turn to end; returns that turn's entries. */
async function prompt(id: string, requestId: string, content: string): Promise<Entry[]> {
  const sent = await s.admin("POST", `/api/v1/sessions/${id}/messages`, { body: { request_id: requestId, content } });
  expect(sent.status, sent.text).toBe(201);
  const items = await until(
    () => thread(id),
    (items) =>
      ["done", "failed", "cancelled", "interrupted"].includes(items.find((e) => e.id === sent.body.id)?.status ?? ""),
    `the turn "${content}" to end`,
    240_000,
  );
  return items.filter((e) => e.turn_id === sent.body.turn_id);
}

const inContainer = async (id: string, script: string) =>
  (await exec(`strand-${id}`, ["bash", "-c", script], "agent")).output.trim();

/** What the provider was asked, for failure messages: per request its model, limits and last message. */
const asked = (format: Format) =>
  llm[format].requests.slice(-8).map((r) => {
    const last = (r.body.messages ?? r.body.input ?? []).at(-1);
    return {
      path: r.path,
      model: r.body.model,
      max: r.body.max_tokens ?? r.body.max_completion_tokens,
      tools: (r.body.tools ?? []).length,
      last: JSON.stringify(last?.content ?? last)?.slice(0, 160),
    };
  });

const cells = Object.keys(SCRIPTS).flatMap((runtime) =>
  (Object.keys(PROVIDERS) as Format[]).map((format) => ({ runtime, format })),
);

describe("every runtime with every provider format, on real desktops", () => {
  it.each(cells)(
    "$runtime with the $format-format provider writes a file and runs a command",
    async ({ runtime, format }) => {
      const p = PROVIDERS[format];
      const file = `${runtime}-${format}.txt`;
      const content = `made by ${runtime} via ${format}`;
      const created = await s.admin("POST", "/api/v1/sessions", {
        body: { name: `matrix ${runtime} ${format}`, runtime, model: `${p.name}/${p.model}` },
      });
      expect(created.status, created.text).toBe(201);
      const id: string = created.body.id;
      const firstRequest = llm[format].requests.length;
      llm[format].push(...SCRIPTS[runtime]!(file, content, `ls ${WORK} > ${WORK}/${file}.ls`), {
        text: `The word is PAPAYA-${runtime}. Done.`,
      });
      // Sent before the desktop is ready: it waits in the database and is delivered once.
      const turn = await prompt(id, "first", `Write ${file}, then list the workspace. Remember the word.`);
      const story = () => JSON.stringify({ turn: turn.slice(0, 10), asked: asked(format) });

      expect(turn[0]?.status, story()).toBe("done");
      expect(await inContainer(id, `cat ${WORK}/${file}`), story()).toBe(content);
      expect(await inContainer(id, `cat ${WORK}/${file}.ls`), story()).toContain(file);
      const tools = turn.filter((e) => e.kind === "tool_call");
      expect(tools.length, story()).toBeGreaterThanOrEqual(2);
      expect(
        tools.every((e) => e.status === "completed"),
        story(),
      ).toBe(true);
      expect(
        turn.some((e) => e.kind === "text" && e.content.text?.includes(`PAPAYA-${runtime}`)),
        story(),
      ).toBe(true);

      // Every call went to the session's provider under its one model name: none was refused.
      const reached = llm[format].requests.slice(firstRequest);
      expect(reached.length, story()).toBeGreaterThanOrEqual(3);
      expect(
        reached.filter((r) => !r.path.endsWith("/models")).map((r) => r.body.model),
        story(),
      ).toEqual(reached.filter((r) => !r.path.endsWith("/models")).map(() => p.model));
      const rows = await until(
        () => s.server.database.db.select().from(llmCalls).where(eq(llmCalls.sessionId, id)),
        (r) => r.length >= 3,
        "three llm_calls rows",
        10_000,
      );
      expect(
        rows.map((r) => `${r.providerName}/${r.model} ${r.status}`),
        story(),
      ).toEqual(rows.map(() => `${p.name}/${p.model} ok`));
      const [main, ...others] = SPEAKS[runtime]!;
      const apis = [...new Set(rows.map((r) => r.api))];
      expect(apis, story()).toContain(main);
      expect(
        apis.filter((a) => a !== main && !others.includes(a)),
        story(),
      ).toEqual([]);

      if (runtime === "claude-code" || runtime === "strand-agent") {
        // The runtime dies between prompts; the next prompt reaches a new process that still knows
        // the earlier turn (ACP session/resume here, else session/load), and the thread shows one notice, not a new agent.
        // (The bracket keeps pkill from matching the shell that runs it.)
        await inContainer(
          id,
          `pkill -KILL -f '${runtime === "claude-code" ? "[c]laude-code-acp" : "[s]trand-agent.mjs"}'`,
        );
        await until(
          () => thread(id),
          (items) => items.some((e) => e.kind === "notice" && /continues this conversation/.test(e.content.text ?? "")),
          "the notice that the runtime stopped",
          30_000,
        );
        const before = llm[format].requests.length;
        llm[format].push({ text: "It was PAPAYA." });
        const second = await prompt(id, "second", "What was the word?");
        expect(second[0]?.status, JSON.stringify(second)).toBe("done");
        const answered = llm[format].requests
          .slice(before)
          .find((r) => isMainLoop(r.body) && JSON.stringify(r.body.messages.at(-1)).includes("What was the word?"));
        expect(answered, JSON.stringify(asked(format))).toBeDefined();
        // The new process's request for that prompt carries the earlier turn: its prompt and its answer.
        const body = JSON.stringify(answered?.body.messages);
        expect(body).toContain(`Write ${file}`);
        expect(body).toContain(`PAPAYA-${runtime}`);
        expect(body).toContain("What was the word?");
        const notices = (await thread(id)).filter((e) => e.kind === "notice");
        expect(notices.length, JSON.stringify(notices)).toBe(1);
      }
      await s.admin("DELETE", `/api/v1/sessions/${id}`);
    },
    360_000,
  );
});
