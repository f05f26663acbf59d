import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiToken } from "../../packages/server/src/auth/api-tokens.js";
import type { Db } from "../../packages/server/src/db/database.js";
import { buildScriptedAgent } from "../fixtures/acp/build.js";
import type { Step } from "../fixtures/acp/scripted-agent.js";
import { type ScriptedLlm, startScriptedLlm } from "../fixtures/llm/server.js";
import { type Caller, caller } from "../support/http.js";
import { createTestDatabase } from "../support/postgres.js";
import { REPO_ROOT, type ServerProcess, spawnServer } from "../support/process.js";
import { until } from "../support/wait.js";

// The acceptance test of docs/conversations.md: a real strand server (PostgreSQL) and a real
// strand-agentd process running the scripted ACP agent; SIGKILL of either mid-turn must never
// lose, duplicate or fork the thread. Then the real strand-agent, streaming through the server's
// LLM proxy, loses its model stream to a server SIGKILL and must still leave the answer once.
// No Docker: agentd and the agents run as plain processes here.

const TOKEN = "strand_durability_admin_token_0123456789";
const AGENTD = `${REPO_ROOT}packages/agentd/dist/agentd.mjs`;
const STRAND_AGENT = `${REPO_ROOT}packages/agent/dist/strand-agent.mjs`;
const slow: Step[] = Array.from({ length: 25 }, (_, i) => [{ text: `tick${i} ` }, { sleep: 80 }] as Step[]).flat();
const SLOW_TEXT = Array.from({ length: 25 }, (_, i) => `tick${i} `).join("");

let db: { url: string; drop: () => Promise<void> };
let dataDir: string;
let work: string;
let server: ServerProcess;
let api: Caller;
let sessionId: string;
let tokenFile: string;
let agentd: ChildProcess | undefined;
let agentdOut = "";
const pool: { p?: pg.Pool } = {};

const startServer = async (port?: number) => {
  server = await spawnServer({
    env: { DATABASE_URL: db.url, STRAND_ADMIN_TOKEN: TOKEN, STRAND_ADMIN_PASSWORD: "durability password" },
    dataDir,
    ...(port ? { port } : {}),
  });
  api = caller(server.url, { token: TOKEN });
};

/** An agentd process for one session, running `runtime` (argv) as its agent. */
const spawnAgentd = (o: { sessionId: string; tokenFile: string; home: string; runtime: string[]; env?: object }) => {
  const proc = spawn(process.execPath, [AGENTD], {
    env: {
      PATH: process.env.PATH,
      HOME: o.home,
      STRAND_SERVER_URL: server.url,
      STRAND_SESSION_ID: o.sessionId,
      STRAND_SESSION_TOKEN_FILE: o.tokenFile,
      STRAND_RUNTIME_COMMAND: JSON.stringify(o.runtime),
      ...o.env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let out = "";
  proc.stderr?.on("data", (c) => {
    out += c.toString();
  });
  return { proc, output: () => out };
};

const startAgentd = () => {
  const a = spawnAgentd({
    sessionId,
    tokenFile,
    home: work,
    runtime: [process.execPath, buildScriptedAgent()],
    env: { ACP_SCRIPT: join(work, "script.json"), ACP_LOG: join(work, "agent.log") },
  });
  a.proc.stderr?.on("data", (c) => {
    agentdOut += c.toString();
  });
  agentd = a.proc;
};

/** A session of `name` for the admin, and a session token for its agentd, as the scheduler would mint it. */
const sessionWithToken = async (body: object, dir: string) => {
  const me = await api("GET", "/api/v1/me");
  const created = await api("POST", "/api/v1/sessions", { body });
  expect(created.status, created.text).toBe(201);
  const token = await issueApiToken(drizzle({ client: pool.p as pg.Pool }) as unknown as Db, {
    userId: me.body.id,
    name: "agentd",
    sessionId: created.body.id,
  });
  const file = join(dir, "session-token");
  writeFileSync(file, token.token);
  return { id: created.body.id as string, tokenFile: file };
};

/** SIGKILLs the server and starts it again on the same port and database. */
const restartServer = async (pauseMs: number) => {
  const port = server.port;
  server.proc.kill("SIGKILL");
  await server.exited;
  await new Promise((r) => setTimeout(r, pauseMs));
  await startServer(port);
};

const entries = async (): Promise<any[]> =>
  (await api("GET", `/api/v1/sessions/${sessionId}/messages?limit=500`)).body.items;
const post = async (request_id: string, content: string) =>
  (await api("POST", `/api/v1/sessions/${sessionId}/messages`, { body: { request_id, content } })).body;
const waitFor = (what: string, ok: (e: any[]) => boolean, ms = 20_000) => until(entries, ok, what, ms);
const promptsSeen = (): string[] =>
  readFileSync(join(work, "agent.log"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((l) => l.event === "prompt")
    .map((l) => l.text);
/** What the user typed, without the summary agentd puts before the first prompt to a restarted runtime. */
const userPart = (prompt: string) => prompt.split("\n\n---\n\n").at(-1);

function expectOneThread(list: any[]): void {
  expect(new Set(list.map((e) => e.id)).size).toBe(list.length);
  expect(list.map((e) => e.seq)).toEqual(list.map((_, i) => i + 1));
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "strand-durable-"));
  work = mkdtempSync(join(tmpdir(), "strand-durable-home-"));
  writeFileSync(join(work, "script.json"), JSON.stringify({ scenarios: { slow } }));
  await startServer();
  pool.p = new pg.Pool({ connectionString: db.url });
  ({ id: sessionId, tokenFile } = await sessionWithToken({ name: "durable" }, work));
  startAgentd();
});

afterAll(async () => {
  agentd?.kill("SIGKILL");
  server?.proc.kill("SIGKILL");
  await pool.p?.end();
  await db?.drop();
});

describe("conversation durability (real server and agentd processes)", () => {
  it("SIGKILL of agentd mid-turn: the turn is interrupted once, never rerun, and the next prompt runs", async () => {
    const p1 = await post("k1", "slow");
    const p2 = await post("k2", "quick");
    await waitFor("the slow turn to stream", (l) =>
      l.some((e) => e.turn_id === p1.turn_id && e.kind === "text" && e.content.text.length > 20),
    );
    agentd?.kill("SIGKILL");
    startAgentd();
    const list = await waitFor("the next prompt to finish", (l) => l.find((e) => e.id === p2.id)?.status === "done");
    expectOneThread(list);
    const byTurn = (t: string) => list.filter((e) => e.turn_id === t);
    expect(list.find((e) => e.id === p1.id).status).toBe("interrupted");
    expect(byTurn(p1.turn_id).map((e) => [e.kind, e.status])).toEqual([
      ["user", "interrupted"],
      ["text", "completed"],
      ["notice", "completed"],
    ]);
    // The new runtime process (no session/load here) was told what came before, once.
    const primed = promptsSeen()[1] ?? "";
    expect(primed).toMatch(/^Earlier in this conversation[\s\S]*User: slow\n[\s\S]*\n\n---\n\nquick$/);
    expect(byTurn(p2.turn_id).find((e) => e.kind === "text").content.text).toBe(`echo: ${primed}`);
    expect(promptsSeen().map(userPart)).toEqual(["slow", "quick"]);
  });

  it("SIGKILL of the server mid-turn: agentd reconnects, resends, and the turn completes whole", async () => {
    const p = await post("s1", "slow");
    await waitFor("the slow turn to stream", (l) =>
      l.some((e) => e.turn_id === p.turn_id && e.kind === "text" && e.content.text.length > 20),
    );
    await restartServer(800); // agentd keeps streaming into its outbox meanwhile
    const list = await waitFor("the turn to finish", (l) => l.find((e) => e.id === p.id)?.status === "done");
    expectOneThread(list);
    const turn = list.filter((e) => e.turn_id === p.turn_id);
    expect(turn.map((e) => [e.kind, e.status])).toEqual([
      ["user", "done"],
      ["text", "completed"],
    ]);
    expect(turn[1].content.text).toBe(SLOW_TEXT);
    // The runtime kept running, so the resent prompt goes as typed: no summary, no rerun.
    expect(promptsSeen().map(userPart)).toEqual(["slow", "quick", "slow"]);
    expect(promptsSeen()[2]).toBe("slow");
    expect(agentdOut).not.toMatch(/"level":"error"/);
  });
});

describe("strand-agent's model stream when the server restarts mid-answer", () => {
  const PROVIDER_KEY = "sk-scripted-restart-7c1d";
  // No sentence repeats, so a doubled or cut answer cannot pass for the whole one.
  const ANSWER = Array.from({ length: 60 }, (_, i) => `Part ${i + 1} of the long answer. `).join("");
  let llm: ScriptedLlm;
  let agent: ReturnType<typeof spawnAgentd> | undefined;

  beforeAll(async () => {
    llm = await startScriptedLlm([], ["scripted-1"], { apiKey: PROVIDER_KEY });
    const p = await api("POST", "/api/v1/providers", {
      body: { name: "scripted", kind: "anthropic", base_url: llm.url, api_key: PROVIDER_KEY },
    });
    expect(p.status, p.text).toBe(201);
  });
  afterAll(async () => {
    agent?.proc.kill("SIGKILL");
    await llm?.close();
  });

  it("SIGKILL of the server while the answer streams: the agent asks again and the thread holds the answer once", async () => {
    const home = mkdtempSync(join(tmpdir(), "strand-durable-agent-"));
    const s = await sessionWithToken(
      { name: "stream restart", runtime: "strand-agent", model: "scripted/scripted-1" },
      home,
    );
    agent = spawnAgentd({
      sessionId: s.id,
      tokenFile: s.tokenFile,
      home,
      runtime: [process.execPath, STRAND_AGENT],
      // As the node sets them in the container, so the first runtime already has the session's model.
      env: { STRAND_RUNTIME: "strand-agent", STRAND_MODEL: "scripted/scripted-1", STRAND_AGENT_RETRY_BASE_MS: "200" },
    });
    // About 4 s of streaming; the answer the retried request gets is the same, sent at once.
    llm.push({ text: ANSWER, chunkDelayMs: 15 }, { text: ANSWER });
    const prompt = (
      await api("POST", `/api/v1/sessions/${s.id}/messages`, { body: { request_id: "r1", content: "explain" } })
    ).body;
    const thread = () => api("GET", `/api/v1/sessions/${s.id}/messages?limit=500`).then((r) => r.body.items as any[]);
    await until(
      thread,
      (l) => l.some((e) => e.kind === "text" && e.content.text.length > 40),
      "the answer to stream",
      30_000,
    );

    await restartServer(300);
    const list = await until(
      thread,
      (l) => ["done", "failed", "cancelled", "interrupted"].includes(l.find((e) => e.id === prompt.id)?.status),
      "the turn to end",
      60_000,
    );
    expectOneThread(list);
    expect(list.map((e) => [e.kind, e.status])).toEqual([
      ["user", "done"],
      ["text", "completed"],
    ]);
    expect(list[1].content.text).toBe(ANSWER);
    // The first request broke with the server; the second is the retry that carried the answer.
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]?.body.messages).toEqual(llm.requests[0]?.body.messages);
    expect(agent.output()).not.toMatch(/"level":"error"/);
  });
});
