/**
 * bench/proxy: what the LLM proxy adds to a call. The scripted provider is called directly and
 * through `strand server` (a separate process, with its auth, routing, key injection, recording),
 * requests interleaved so drift hits both sides alike. Prints figures; asserts nothing.
 *
 *   npm run bench:proxy                          # embedded database
 *   BENCH_BACKENDS=pglite,postgres npm run bench:proxy   (PostgreSQL from STRAND_TEST_DATABASE_URL)
 *   BENCH_N=2000 BENCH_STREAM_N=200 npm run bench:proxy
 *
 * Budget (DESIGN.md §8): added latency p50 ≤ 2 ms; the first streamed token passes at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Session } from "@strand/protocol";
import pino from "pino";
import { issueApiToken } from "../../packages/server/src/auth/api-tokens.js";
import { openDatabase } from "../../packages/server/src/db/database.js";
import { type ScriptedLlm, startScriptedLlm } from "../../test/fixtures/llm/server.js";
import { createTestDatabase } from "../../test/support/postgres.js";
import { type ServerProcess, spawnServer } from "../../test/support/process.js";

const N = Number(process.env.BENCH_N ?? 1000);
const STREAM_N = Number(process.env.BENCH_STREAM_N ?? 100);
const WARMUP = 100;
const ADMIN_TOKEN = "strand_bench_token_0123456789abcdef";
const PROVIDER_KEY = "sk-bench-provider-key";
const backends = (process.env.BENCH_BACKENDS ?? "pglite").split(",");

interface Target {
  url: string;
  headers: Record<string, string>;
}

type Shape = "anthropic" | "openai";

const body = (shape: Shape, model: string, stream: boolean) =>
  JSON.stringify(
    shape === "anthropic"
      ? { model, max_tokens: 64, stream, messages: [{ role: "user", content: "Say hi." }] }
      : { model, stream, messages: [{ role: "user", content: "Say hi." }] },
  );

async function once(t: Target, payload: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: "POST", headers: t.headers, body: payload });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${t.url} answered ${res.status}`);
  return ms;
}

/** Time to the first content event, and to the end of the stream. */
async function streamOnce(t: Target, payload: string, shape: Shape): Promise<{ first: number; total: number }> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: "POST", headers: t.headers, body: payload });
  if (res.status !== 200 || !res.body) throw new Error(`${t.url} answered ${res.status}`);
  let first = Number.NaN;
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    if (!Number.isNaN(first)) continue;
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    const events = buffer.split("\n\n");
    buffer = events.pop() ?? "";
    if (events.some((e) => carriesText(e, shape))) first = performance.now() - t0;
  }
  return { first, total: performance.now() - t0 };
}

/** Whether an SSE event carries generated text (OpenAI's first chunk carries only the role). */
function carriesText(event: string, shape: Shape): boolean {
  if (shape === "anthropic") return event.includes('"text_delta"');
  const data = /^data: (.*)$/m.exec(event)?.[1];
  if (!data || data === "[DONE]") return false;
  return !!JSON.parse(data).choices?.[0]?.delta?.content;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const f = (n: number) => n.toFixed(2).padStart(7);

async function startStrand(backend: string, dataDir: string, dbUrl: string | undefined): Promise<ServerProcess> {
  return spawnServer({
    env: {
      LOG_LEVEL: "warn",
      STRAND_ADMIN_PASSWORD: "bench password 123",
      STRAND_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
    },
    dataDir,
  }).catch((err) => {
    throw new Error(`starting strand server (${backend}) failed: ${err.message}`);
  });
}

async function api<T = unknown>(url: string, method: string, path: string, payload?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

/**
 * Sessions get their token from the scheduler when they start on a node; without Docker the
 * bench mints one the same way, between two runs of the server (PGlite is single-process).
 */
async function setUp(backend: string, llm: ScriptedLlm) {
  const dataDir = mkdtempSync(join(tmpdir(), "strand-bench-proxy-"));
  const db = backend === "postgres" ? await createTestDatabase() : undefined;
  let server = await startStrand(backend, dataDir, db?.url);
  await api(server.url, "POST", "/api/v1/providers", {
    name: "anth",
    kind: "anthropic",
    base_url: llm.url,
    api_key: PROVIDER_KEY,
  });
  await api(server.url, "POST", "/api/v1/providers", {
    name: "oai",
    kind: "openai",
    base_url: `${llm.url}/v1`,
    api_key: PROVIDER_KEY,
  });
  const session = await api<Session>(server.url, "POST", "/api/v1/sessions", { name: "bench", start: false });
  server.proc.kill("SIGTERM");
  await server.exited;
  const database = await openDatabase({ databaseUrl: db?.url, dataDir, log: pino({ level: "silent" }) });
  const token = await issueApiToken(database.db, {
    userId: session.owner_id,
    name: "bench session",
    sessionId: session.id,
  });
  await database.close();
  server = await startStrand(backend, dataDir, db?.url);
  return {
    server,
    token: token.token,
    async tearDown() {
      server.proc.kill("SIGTERM");
      await server.exited;
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function targets(shape: Shape, via: "anthropic" | "openai", llm: ScriptedLlm, strand: string, token: string) {
  const path = shape === "anthropic" ? "/v1/messages" : "/v1/chat/completions";
  const common = {
    "content-type": "application/json",
    ...(shape === "anthropic" ? { "anthropic-version": "2023-06-01" } : {}),
  };
  const direct: Target = {
    url: `${llm.url}${via === "anthropic" ? "/v1/messages" : "/v1/chat/completions"}`,
    headers: {
      ...common,
      ...(via === "anthropic" ? { "x-api-key": PROVIDER_KEY } : { authorization: `Bearer ${PROVIDER_KEY}` }),
    },
  };
  const proxied: Target = { url: `${strand}${path}`, headers: { ...common, authorization: `Bearer ${token}` } };
  return { direct, proxied };
}

const out = process.stdout;
out.write(
  `bench/proxy: N=${N} plain calls and ${STREAM_N} streams per case, one at a time, ` +
    `${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}\n`,
);
const llm = await startScriptedLlm();
try {
  for (const backend of backends) {
    const env = await setUp(backend, llm);
    try {
      out.write(
        `\n${backend}: latency in ms (direct = client → scripted provider; proxied = client → strand → provider)\n`,
      );
      out.write("  case                                  direct p50   p99 | proxied p50   p99 |  added p50   p99\n");
      const cases: { name: string; shape: Shape; via: "anthropic" | "openai"; model: string }[] = [
        {
          name: "Anthropic → anthropic (pass-through)",
          shape: "anthropic",
          via: "anthropic",
          model: "anth/claude-sonnet-4-5",
        },
        { name: "OpenAI → openai (pass-through)", shape: "openai", via: "openai", model: "oai/gpt-4.1" },
        { name: "Anthropic → openai (translated)", shape: "anthropic", via: "openai", model: "oai/gpt-4.1" },
      ];
      for (const c of cases) {
        const { direct, proxied } = targets(c.shape, c.via, llm, env.server.url, env.token);
        const directBody = body(c.via, c.model.split("/")[1] as string, false);
        const proxiedBody = body(c.shape, c.model, false);
        for (let i = 0; i < WARMUP; i++) {
          await once(direct, directBody);
          await once(proxied, proxiedBody);
        }
        const d: number[] = [];
        const p: number[] = [];
        for (let i = 0; i < N; i++) {
          d.push(await once(direct, directBody));
          p.push(await once(proxied, proxiedBody));
          llm.requests.length = 0;
        }
        const added50 = pct(p, 50) - pct(d, 50);
        const added99 = pct(p, 99) - pct(d, 99);
        out.write(
          `  ${c.name.padEnd(38)}${f(pct(d, 50))}${f(pct(d, 99))} |${f(pct(p, 50))}${f(pct(p, 99))} |${f(added50)}${f(added99)}` +
            `  ${added50 <= 2 ? "within" : "OVER"} the 2 ms p50 budget\n`,
        );
      }

      out.write("\n  streams: the provider sends ~40 pieces 10 ms apart; first = first text chunk at the client\n");
      out.write("  case                                  direct first  end | proxied first  end | added first\n");
      for (const c of cases) {
        const { direct, proxied } = targets(c.shape, c.via, llm, env.server.url, env.token);
        const text = "The proxy must pass every piece on as soon as it arrives. ".repeat(5);
        const step = { text, chunkDelayMs: 10 };
        const d: { first: number; total: number }[] = [];
        const p: { first: number; total: number }[] = [];
        for (let i = 0; i < STREAM_N + 5; i++) {
          llm.push(step, step);
          const a = await streamOnce(direct, body(c.via, c.model.split("/")[1] as string, true), c.via);
          const b = await streamOnce(proxied, body(c.shape, c.model, true), c.shape);
          llm.requests.length = 0;
          if (i < 5) continue; // warm-up
          d.push(a);
          p.push(b);
        }
        const first = (xs: { first: number }[]) =>
          pct(
            xs.map((x) => x.first),
            50,
          );
        const end = (xs: { total: number }[]) =>
          pct(
            xs.map((x) => x.total),
            50,
          );
        out.write(
          `  ${c.name.padEnd(38)}${f(first(d))}${f(end(d))} |${f(first(p))}${f(end(p))} |${f(first(p) - first(d))}` +
            `  (p50; first token ${first(p) < end(d) / 4 ? "passes at once" : "HELD BACK"})\n`,
        );
      }
    } finally {
      await env.tearDown();
    }
  }
} finally {
  await llm.close();
}
