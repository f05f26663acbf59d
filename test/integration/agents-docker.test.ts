import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { llmCalls } from "../../packages/server/src/db/schema.js";
import { type ScriptedLlm, type ScriptStep, startScriptedLlm } from "../fixtures/llm/server.js";
import { addProvider } from "../support/llm.js";
import { docker, ensureDesktopImage, exec, startSandboxServer } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * Issue 5's acceptance on real Docker: a prompt reaches the agent runtime in a real desktop
 * through agentd, the runtime calls the LLM proxy with its session token, the scripted provider
 * (the only fake: no real model is reachable) answers with tool calls, and the work lands in the
 * container's workspace. The other runtimes, each with each provider format, are in
 * runtime-matrix.test.ts.
 */

const PROVIDER_KEY = "sk-provider-secret-0f3c9a7e5d";
const WORK = "/home/agent/work";
let s: Awaited<ReturnType<typeof startSandboxServer>>;
let llm: ScriptedLlm;

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  llm = await startScriptedLlm([], ["scripted-1"], {
    apiKey: PROVIDER_KEY,
    // Runtimes' background calls (titles, summaries) offer no tools; they stay off the script.
    onScript: (body) => Array.isArray(body.tools) && body.tools.length > 0,
  });
  await addProvider(s.admin, { name: "scripted", kind: "anthropic", base_url: llm.url, api_key: PROVIDER_KEY });
}, 600_000);

afterAll(async () => {
  await llm?.close();
  await s?.stop();
}, 120_000);

interface Entry {
  kind: string;
  status: string;
  content: { text?: string; title?: string; error?: string };
}

/** Creates a session, sends one prompt, waits for the turn to end; returns the session id and thread. */
async function runPrompt(runtime: string, model: string, steps: ScriptStep[], prompt: string) {
  const created = await s.admin("POST", "/api/v1/sessions", { body: { name: `agents ${runtime}`, runtime, model } });
  expect(created.status, created.text).toBe(201);
  const id: string = created.body.id;
  llm.push(...steps);
  // Sent before the desktop is ready: it waits in the database and is delivered once.
  const sent = await s.admin("POST", `/api/v1/sessions/${id}/messages`, {
    body: { request_id: `req-${runtime}`, content: prompt },
  });
  expect(sent.status, sent.text).toBe(201);
  const thread = await until(
    async () => (await s.admin("GET", `/api/v1/sessions/${id}/messages?limit=200`)).body.items as Entry[],
    (items) => ["done", "failed", "cancelled", "interrupted"].includes(items[0]?.status ?? ""),
    `the ${runtime} turn to end`,
    240_000,
  );
  return { id, thread };
}

const inContainer = async (id: string, script: string) =>
  (await exec(`strand-${id}`, ["bash", "-c", script], "agent")).output.trim();

describe("agents at work in a real desktop, through the LLM proxy", () => {
  it("strand-agent creates a file and runs a command; the transcript and llm_calls show it", async () => {
    const { id, thread } = await runPrompt(
      "strand-agent",
      "scripted/scripted-1",
      [
        { tool_calls: [{ name: "write_file", arguments: { path: "hello.txt", content: "made by strand-agent\n" } }] },
        { tool_calls: [{ name: "run_command", arguments: { command: "wc -c < hello.txt > count.txt" } }] },
        { text: "Done: hello.txt is written and its size is in count.txt." },
      ],
      "Write hello.txt and count its bytes.",
    );
    expect(thread[0]?.status, JSON.stringify(thread[0])).toBe("done");
    expect(await inContainer(id, `cat ${WORK}/hello.txt`)).toBe("made by strand-agent");
    expect(await inContainer(id, `cat ${WORK}/count.txt`)).toBe("21");
    const tools = thread.filter((e) => e.kind === "tool_call");
    expect(tools.map((e) => e.status)).toEqual(["completed", "completed"]);
    expect(tools.map((e) => e.content.title).join(" | ")).toMatch(/hello\.txt.*wc -c/);
    expect(thread.some((e) => e.kind === "text" && e.content.text?.includes("Done: hello.txt"))).toBe(true);

    const rows = await until(
      () => s.server.database.db.select().from(llmCalls).where(eq(llmCalls.sessionId, id)),
      (r) => r.length >= 3,
      "three llm_calls rows",
      10_000,
    );
    expect(rows.every((r) => r.status === "ok" && r.providerName === "scripted" && r.model === "scripted-1")).toBe(
      true,
    );
    expect(rows.every((r) => r.inputTokens > 0 && r.outputTokens > 0)).toBe(true);
  });

  it("the provider key appears nowhere in the container: env, files, process arguments, logs", async () => {
    const id = (await s.admin("GET", "/api/v1/sessions")).body.items.find(
      (x: { runtime: string }) => x.runtime === "strand-agent",
    ).id as string;
    const name = `strand-${id}`;
    const info = await docker.getContainer(name).inspect();
    expect(JSON.stringify(info.Config.Env)).not.toContain(PROVIDER_KEY);
    const root = async (script: string) => (await exec(name, ["bash", "-c", script], "root")).output;
    // Every process's environment and command line, then every file an agent could have written.
    expect(
      await root(
        "cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -c sk-provider-secre[t] || true",
      ),
    ).toMatch(/^0\s*$/);
    expect(
      await root(
        `grep -rl ${PROVIDER_KEY} /home /tmp /opt/strand /etc /root /var/log /run 2>/dev/null | head -5; echo end`,
      ),
    ).toBe("end\n");
    const logs = (await docker.getContainer(name).logs({ stdout: true, stderr: true })).toString();
    expect(logs).not.toContain(PROVIDER_KEY);
    // The key did reach the provider, from the server.
    expect(llm.requests.some((r) => JSON.stringify(r.headers).includes(PROVIDER_KEY))).toBe(true);
  });
});
