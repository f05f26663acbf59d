/**
 * bench/board: what the board costs. Prints figures; asserts nothing.
 *
 * (a) The board's load time with 500 tasks: `GET /api/v1/projects/:id/tasks` (p50/p95 over
 *     BENCH_RUNS calls), and the board page in headless Chromium from navigation until every card
 *     is rendered (cold: the first load of a fresh context; warm: later loads).
 * (b) Approve → the agent's first tool call: a scripted strand-agentd (test/support/agent-socket.ts)
 *     answers each prompt at once with a tool_call entry, so the figure is the server's part:
 *     approve → implement prompt delivered to agentd → the tool_call entry stored (its ack).
 *     The planning turn before it is played by the bench: it pushes the three spec files to the
 *     task's branch, as the checkpoint commit would, and ends the turn.
 *
 *   npm run bench:board                         # embedded database
 *   BENCH_BACKENDS=pglite,postgres npm run bench:board   # PostgreSQL from STRAND_TEST_DATABASE_URL
 *   BENCH_TASKS=500 BENCH_RUNS=30 BENCH_APPROVALS=10 BENCH_BOARD_PAGE=0 npm run bench:board
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connectAgent, type ScriptedAgent, sessionToken } from "../../test/support/agent-socket.js";
import { launchBrowser, login, newContext } from "../../test/support/browser.js";
import type { Caller } from "../../test/support/http.js";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  ADMIN_TOKEN,
  startTestServer,
  type TestServer,
} from "../../test/support/server.js";
import { until } from "../../test/support/wait.js";

const TASKS = Number(process.env.BENCH_TASKS ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const PAGE_RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 5);
const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 10);
const BOARD_PAGE = process.env.BENCH_BOARD_PAGE !== "0";
/** Where the board is and what a card is; the web UI's own names (packages/web/src/tasks/). */
const BOARD_PATH = process.env.BENCH_BOARD_PATH ?? "/projects/:slug/board";
const CARD = process.env.BENCH_CARD_SELECTOR ?? "[data-testid=task-card]";
const backends = (process.env.BENCH_BACKENDS ?? "pglite").split(",");

const out = process.stdout;
const workDirs: string[] = [];
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
const fmt = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${pct(s, 0.5).toFixed(1)} ms, p95 ${pct(s, 0.95).toFixed(1)} ms, max ${(s.at(-1) ?? NaN).toFixed(1)} ms (n=${s.length})`;
};

async function ok(call: Caller, method: string, path: string, body?: unknown, status = 200) {
  const r = await call(method, path, body === undefined ? {} : { body });
  if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}

/** A project with one repo holding a first commit on main (tasks branch off it). */
async function project(t: TestServer, name: string) {
  const p = await ok(t.admin, "POST", "/api/v1/projects", { name }, 201);
  // Room for every task in every column: the bench measures the server, not the WIP limits.
  await ok(t.admin, "PATCH", `/api/v1/projects/${p.id}`, {
    wip_limits: { planning: 1000, spec_review: 1000, in_progress: 1000 },
  });
  const repo = await ok(t.admin, "POST", `/api/v1/projects/${p.id}/repos`, { name: "app" }, 201);
  const work = mkdtempSync(join(tmpdir(), "strand-bench-board-"));
  workDirs.push(work);
  // Not execFileSync: the server runs in this process and must answer the push.
  const g = (...args: string[]) =>
    promisify(execFile)("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], {
      cwd: work,
    });
  await g("init", "-q", "-b", "main");
  writeFileSync(join(work, "README.md"), "bench\n");
  await g("add", ".");
  await g("commit", "-qm", "first");
  const remote = repo.clone_url.replace("http://", `http://bench:${ADMIN_TOKEN}@`);
  await g("push", "-q", remote, "main");
  return { ...p, work, remote, g };
}

async function boardLoad(t: TestServer) {
  const p = await project(t, "Board 500");
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < TASKS) {
      const i = next++;
      await ok(
        t.admin,
        "POST",
        `/api/v1/projects/${p.id}/tasks`,
        { title: `Task ${i + 1}: make the thing number ${i + 1} work`, labels: i % 3 ? ["ui"] : ["api", "db"] },
        201,
      );
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  out.write(`  seeded ${TASKS} tasks through the API in ${(performance.now() - t0).toFixed(0)} ms\n`);

  const url = `${t.url}/api/v1/projects/${p.id}/tasks`;
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
  let bytes = 0;
  for (let i = 0; i < 3; i++) await (await fetch(url, { headers })).arrayBuffer(); // warm-up
  const api: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    api.push(performance.now() - s);
    bytes = body.byteLength;
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  }
  out.write(`  GET /api/v1/projects/:id/tasks (${TASKS} tasks, ${(bytes / 1024).toFixed(0)} KiB): ${fmt(api)}\n`);

  if (!BOARD_PAGE) return;
  const browser = await launchBrowser();
  try {
    const ctx = await newContext(browser, t.url);
    const page = await ctx.newPage();
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    const path = BOARD_PATH.replace(":slug", p.slug).replace(":id", p.id);
    const loads: number[] = [];
    for (let i = 0; i < PAGE_RUNS; i++) {
      const s = performance.now();
      await page.goto(path);
      try {
        await page.waitForFunction(`document.querySelectorAll(${JSON.stringify(CARD)}).length >= ${TASKS}`, null, {
          timeout: 60_000,
          polling: "raf",
        });
      } catch {
        const seen = await page.evaluate(`document.querySelectorAll(${JSON.stringify(CARD)}).length`);
        out.write(
          `  board page ${path}: only ${seen} of ${TASKS} cards (${CARD}) within 60 s; ` +
            "set BENCH_BOARD_PATH / BENCH_CARD_SELECTOR if the UI names them otherwise\n",
        );
        return;
      }
      loads.push(performance.now() - s);
    }
    const [cold, ...warm] = loads;
    out.write(
      `  board page in Chromium until ${TASKS} cards render: first load ${cold?.toFixed(0)} ms; ` +
        `later loads ${warm.length ? fmt(warm) : "-"}\n`,
    );
  } finally {
    await browser.close();
  }
}

/** The next `prompt` agentd gets, with when it arrived (stamped in the socket's own message handler). */
function nextPrompt(agent: ScriptedAgent): Promise<{ at: number; prompt: { turn_id: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = JSON.parse(data.toString());
      if (msg.type !== "prompt") return;
      agent.ws.ws.off("message", onMessage);
      resolve({ at: performance.now(), prompt: msg });
    };
    agent.ws.ws.on("message", onMessage);
  });
}

async function approveToToolCall(t: TestServer) {
  const p = await project(t, "Approvals");
  const prompts: number[] = [];
  const stored: number[] = [];
  for (let i = 0; i < APPROVALS; i++) {
    const task = await ok(
      t.admin,
      "POST",
      `/api/v1/projects/${p.id}/tasks`,
      { title: `Approve me ${i + 1}`, description: "A task for the bench." },
      201,
    );
    const started = await ok(t.admin, "POST", `/api/v1/tasks/${task.id}/start`);
    const sessionId: string = started.session_id;
    const session = await ok(t.admin, "GET", `/api/v1/sessions/${sessionId}`);
    const token = await sessionToken(t.server.database.db, session.owner_id, sessionId);
    const agent = await connectAgent(t.url, sessionId, token, `bench-${i}`);
    const plan = await agent.prompt(1, 30_000);
    await agent.call({ type: "turn.started", turn_id: plan.turn_id });
    // Planning: the spec on the task's branch, as the checkpoint commit pushes it, then the turn ends.
    const dir = join(p.work, started.spec_path);
    await p.g("checkout", "-q", "-B", started.branch, "main");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "requirements.md"), "# Requirements\n\n- It works.\n");
    writeFileSync(join(dir, "design.md"), "# Design\n\nSimply.\n");
    writeFileSync(join(dir, "tasks.md"), "# Tasks\n\n- [ ] Do it\n");
    await p.g("add", ".");
    await p.g("commit", "-qm", "spec");
    await p.g("push", "-q", p.remote, `HEAD:refs/heads/${started.branch}`);
    await agent.call({ type: "turn.finished", turn_id: plan.turn_id, stop_reason: "end_turn" });
    await until(
      () => ok(t.admin, "GET", `/api/v1/tasks/${task.id}`),
      (x) => x.state === "spec_review",
      `task ${task.number} to reach spec_review`,
      30_000,
    );

    const implement = nextPrompt(agent);
    const approvedAt = performance.now();
    await ok(t.admin, "POST", `/api/v1/tasks/${task.id}/approve`);
    const { at, prompt } = await implement;
    // The scripted agent's first tool call, the moment the prompt is there; its ack means it is stored.
    await agent.call({ type: "turn.started", turn_id: prompt.turn_id });
    const ack = await agent.call({
      type: "entry.upsert",
      id: `ent_bench_tool_${task.id}`,
      turn_id: prompt.turn_id,
      rev: 1,
      kind: "tool_call",
      status: "in_progress",
      content: {
        tool_call_id: `call-${i}`,
        title: "Read README.md",
        kind: "read",
        input: { path: "README.md" },
        content: [],
        locations: [],
        diffs: [],
      },
    });
    if (ack.error) throw new Error(`the tool_call entry was refused: ${ack.error}`);
    prompts.push(at - approvedAt);
    stored.push(performance.now() - approvedAt);
    await agent.close();
  }
  out.write(`  approve → implement prompt at agentd:    ${fmt(prompts)}\n`);
  out.write(`  approve → first tool_call entry stored:  ${fmt(stored)}\n`);
}

out.write(
  `bench/board: ${TASKS} tasks, ${RUNS} API runs, ${PAGE_RUNS} page loads, ${APPROVALS} approvals, ` +
    `${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}\n`,
);
for (const backend of backends) {
  process.env.STRAND_TEST_DB = backend;
  const t = await startTestServer({ LOG_LEVEL: "warn" });
  out.write(`\n${backend}:\n`);
  try {
    await boardLoad(t);
    await approveToToolCall(t);
  } finally {
    await t.stop();
    for (const dir of workDirs.splice(0)) rmSync(dir, { force: true, recursive: true });
  }
}
