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
import { type Caller, caller } from "../support/http.js";
import { createTestDatabase } from "../support/postgres.js";
import { REPO_ROOT, type ServerProcess, spawnServer } from "../support/process.js";
import { until } from "../support/wait.js";

// The acceptance test of docs/conversations.md: a real strand server (PostgreSQL) and a real
// strand-agentd process running the scripted ACP agent; SIGKILL of either mid-turn must never
// lose, duplicate or fork the thread. No Docker: agentd runs as a plain process here.

const TOKEN = "strand_durability_admin_token_0123456789";
const AGENTD = `${REPO_ROOT}packages/agentd/dist/agentd.mjs`;
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

const startAgentd = () => {
  const proc = spawn(process.execPath, [AGENTD], {
    env: {
      PATH: process.env.PATH,
      HOME: work,
      STRAND_SERVER_URL: server.url,
      STRAND_SESSION_ID: sessionId,
      STRAND_SESSION_TOKEN_FILE: tokenFile,
      STRAND_RUNTIME_COMMAND: JSON.stringify([process.execPath, buildScriptedAgent()]),
      ACP_SCRIPT: join(work, "script.json"),
      ACP_LOG: join(work, "agent.log"),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  proc.stderr?.on("data", (c) => {
    agentdOut += c.toString();
  });
  agentd = proc;
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
  const me = await api("GET", "/api/v1/me");
  sessionId = (await api("POST", "/api/v1/sessions", { body: { name: "durable" } })).body.id;
  pool.p = new pg.Pool({ connectionString: db.url });
  const token = await issueApiToken(drizzle({ client: pool.p }) as unknown as Db, {
    userId: me.body.id,
    name: "agentd",
    sessionId,
  });
  tokenFile = join(work, "session-token");
  writeFileSync(tokenFile, token.token);
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
    expect(byTurn(p2.turn_id).find((e) => e.kind === "text").content.text).toBe("echo: quick");
    expect(promptsSeen()).toEqual(["slow", "quick"]);
  });

  it("SIGKILL of the server mid-turn: agentd reconnects, resends, and the turn completes whole", async () => {
    const p = await post("s1", "slow");
    await waitFor("the slow turn to stream", (l) =>
      l.some((e) => e.turn_id === p.turn_id && e.kind === "text" && e.content.text.length > 20),
    );
    const port = server.port;
    server.proc.kill("SIGKILL");
    await server.exited;
    await new Promise((r) => setTimeout(r, 800)); // agentd keeps streaming into its outbox meanwhile
    await startServer(port);
    const list = await waitFor("the turn to finish", (l) => l.find((e) => e.id === p.id)?.status === "done");
    expectOneThread(list);
    const turn = list.filter((e) => e.turn_id === p.turn_id);
    expect(turn.map((e) => [e.kind, e.status])).toEqual([
      ["user", "done"],
      ["text", "completed"],
    ]);
    expect(turn[1].content.text).toBe(SLOW_TEXT);
    expect(promptsSeen()).toEqual(["slow", "quick", "slow"]);
    expect(agentdOut).not.toMatch(/"level":"error"/);
  });
});
