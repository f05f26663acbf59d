/**
 * bench/agent: what strand-agent itself adds to a turn, against the scripted provider (which answers
 * at once, so every millisecond measured is the agent's). Prints p50/p95 over BENCH_RUNS (default 20):
 * - start: spawn → initialize answered (node start-up + bundle load), and session/new;
 * - text turn: session/prompt → PromptResponse for a one-request text answer;
 * - tool round: a turn with write_file + run_command `true` and a closing answer (two model requests);
 * - warm text turn: the same text turn once the process has warmed up.
 */
import { cpus, loadavg } from "node:os";
import { startAgent } from "../../packages/agent/src/test-support/agent-process.js";
import { startScriptedLlm } from "../../test/fixtures/llm/server.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const llm = await startScriptedLlm();
const env = {
  STRAND_AGENT_MODEL: "bench/scripted-1",
  STRAND_AGENT_API: process.env.BENCH_API ?? "anthropic",
  ANTHROPIC_BASE_URL: llm.url,
  ANTHROPIC_API_KEY: "k",
  OPENAI_BASE_URL: `${llm.url}/v1`,
  OPENAI_API_KEY: "k",
  STRAND_AGENT_OPEN_CMD: "",
};
const start: number[] = [];
const text: number[] = [];
const tool: number[] = [];
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const a = await startAgent({ env });
  start.push(performance.now() - t0);
  llm.push({ text: "hello" });
  let t = performance.now();
  await a.prompt("hi");
  text.push(performance.now() - t);
  llm.push(
    {
      tool_calls: [
        { name: "write_file", arguments: { path: `f${i}.txt`, content: "x\n" } },
        { name: "run_command", arguments: { command: "true" } },
      ],
    },
    { text: "done" },
  );
  t = performance.now();
  await a.prompt("do it");
  tool.push(performance.now() - t);
  llm.push({ text: "again" });
  t = performance.now();
  await a.prompt("again");
  warm.push(performance.now() - t);
  await a.close();
}
await llm.close();

const fmt = (name: string, xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const pct = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
  return `${name} p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms`;
};
process.stdout.write(
  `bench/agent (${env.STRAND_AGENT_API}, ${RUNS} runs, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}):\n` +
    `  ${fmt("start (spawn → initialized + session/new)", start)}\n` +
    `  ${fmt("text turn (prompt → response, 1 model request)", text)}\n` +
    `  ${fmt("warm text turn (third prompt of the session)", warm)}\n` +
    `  ${fmt("tool turn (write_file + run_command true, 2 model requests)", tool)}\n`,
);
