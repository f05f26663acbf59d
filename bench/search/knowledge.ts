/**
 * bench/search/knowledge.ts: what knowledge sources (docs/knowledge.md) cost and how well they find.
 * Prints figures, asserts nothing (bench/search/README.md, "Knowledge").
 *
 * - Indexing through the API: Debian's manual pages pushed to an `api` source
 *   (`PUT /api/v1/knowledge/:id/documents/:doc_id`), rounds of the corpus until `--chunks` chunks;
 *   documents/s and chunks/s.
 * - PDF: one PDF of `--pdf-pages` pages (man page text, made with pdf-lib) uploaded to a `files`
 *   source; pages/s from the upload until the document is indexed.
 * - Jira: `--jira-issues` issues in the local Jira-shaped server (test/fixtures/jira), a `jira`
 *   source, Sync now; issues/s until the source is ready.
 * - Query latency at that size (`scope=knowledge`), and Recall@10 / MRR with each page's one-line
 *   description as the query and the page (any round's copy) as the answer.
 *
 *   npm run bench:knowledge -- [--backend postgres|pglite] [--chunks 100k] [--pdf-pages 200] [--jira-issues 1000]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { startFakeJira } from "../../test/fixtures/jira/server.js";
import { type Caller, caller } from "../../test/support/http.js";
import { createTestDatabase } from "../../test/support/postgres.js";
import { loadCorpus, type ManPage } from "./corpus.js";
import { rng } from "./load.js";

const { values: args } = parseArgs({
  options: {
    backend: { type: "string", default: process.env.STRAND_TEST_DATABASE_URL ? "postgres" : "pglite" },
    chunks: { type: "string", default: "100k" },
    "pdf-pages": { type: "string", default: "200" },
    "jira-issues": { type: "string", default: "1000" },
    queries: { type: "string", default: "300" },
    "quality-queries": { type: "string", default: "500" },
    concurrency: { type: "string", default: "4" },
  },
});
const size = (s: string) => Math.round(Number.parseFloat(s) * ({ k: 1e3, m: 1e6 }[s.slice(-1).toLowerCase()] ?? 1));
const CHUNKS = size(args.chunks as string);
const PDF_PAGES = Number(args["pdf-pages"]);
const JIRA_ISSUES = Number(args["jira-issues"]);
const QUERIES = Number(args.queries);
const QUALITY = Number(args["quality-queries"]);
const CONCURRENCY = Number(args.concurrency);
const ADMIN_TOKEN = "strand_bench_knowledge_admin_token_01";

const say = (s: string) => process.stdout.write(s);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? Number.NaN;
};
const uptime = () => {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    return `load average: ${loadavg().map((x) => x.toFixed(2))}`;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ok(call: Caller, method: string, path: string, body?: unknown, status = 200) {
  const r = await call(method, path, body === undefined ? {} : { body });
  if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}

async function waitSource(call: Caller, id: string, what: string, timeoutMs = 3_600_000) {
  const start = Date.now();
  for (;;) {
    const s = await ok(call, "GET", `/api/v1/knowledge/${id}`);
    if (s.state === "ready") return s;
    if (s.state === "error") throw new Error(`${what}: the source failed: ${s.state_reason}`);
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not ready after ${timeoutMs} ms (${s.state})`);
    await sleep(100);
  }
}

/** Runs `f` over `items` with `n` at a time. */
async function pool<T>(items: T[], n: number, f: (x: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await f(items[next++] as T);
    }),
  );
}

async function main() {
  const backend = args.backend as "postgres" | "pglite";
  say(`bench/search knowledge: ${backend}, ${CHUNKS} chunks; ${cpus().length} CPUs\n  machine at start: ${uptime()}\n`);
  const corpus = await loadCorpus({ log: say });
  const pages = corpus.pages;
  say(`  corpus: ${pages.length} Debian manual pages\n`);

  const dataDir = mkdtempSync(join(tmpdir(), "strand-bench-knowledge-"));
  const db = backend === "postgres" ? await createTestDatabase() : undefined;
  const config = resolveConfig(
    {
      STRAND_ADMIN_EMAIL: "admin@example.com",
      STRAND_ADMIN_PASSWORD: "correct horse battery",
      STRAND_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(db ? { DATABASE_URL: db.url } : {}),
    },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  const server: RunningServer = await startServer(config, pino({ level: process.env.BENCH_LOG_LEVEL ?? "warn" }));
  const url = `http://127.0.0.1:${server.port}`;
  const admin = caller(url, { token: ADMIN_TOKEN });
  const report: Record<string, unknown> = { backend, machine: { cpus: cpus().length, load_start: uptime() } };
  try {
    const team = await ok(admin, "POST", "/api/v1/teams", { name: "Docs" }, 201);

    // Documents through the API, in rounds of the corpus until the chunk count is reached.
    const api = await ok(
      admin,
      "POST",
      "/api/v1/knowledge",
      { name: "man pages", kind: "api", team_id: team.id, description: "Debian's manual pages" },
      201,
    );
    let docs = 0;
    let chunks = 0;
    let round = 0;
    const t0 = performance.now();
    while (chunks < CHUNKS) {
      await pool(pages, CONCURRENCY, async (p) => {
        if (chunks >= CHUNKS) return;
        const doc = await ok(
          admin,
          "PUT",
          `/api/v1/knowledge/${api.id}/documents/${encodeURIComponent(`r${round}/${p.id}`)}`,
          {
            title: `${p.name}(${p.section})`,
            text: p.text,
          },
        );
        docs++;
        chunks += Number(doc.chunk_count ?? 0);
      });
      round++;
      say(
        `    round ${round}: ${docs} documents, ${chunks} chunks (${(docs / ((performance.now() - t0) / 1000)).toFixed(0)} documents/s)\n`,
      );
    }
    const apiSeconds = (performance.now() - t0) / 1000;
    report.api = {
      documents: docs,
      chunks,
      seconds: apiSeconds,
      documents_per_s: docs / apiSeconds,
      chunks_per_s: chunks / apiSeconds,
    };
    say(
      `  api documents: ${docs} documents, ${chunks} chunks in ${apiSeconds.toFixed(1)} s: ${(docs / apiSeconds).toFixed(1)} documents/s, ${(chunks / apiSeconds).toFixed(0)} chunks/s (${CONCURRENCY} at a time)\n`,
    );

    report.pdf = await benchPdf(admin, url, team.id, pages);
    report.jira = await benchJira(admin, team.id, pages);

    const rand = rng(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
    const words = (s: string) => s.toLowerCase().match(/[a-z]{4,}/g) ?? [];
    const latencies: Record<string, number[]> = { description: [], words: [], phrase: [] };
    for (let i = 0; i < QUERIES + 10; i++) {
      const p = pick(pages);
      const r = rand();
      let shape: keyof typeof latencies;
      let q: string;
      if (r < 0.4) {
        shape = "description";
        q = p.description;
      } else if (r < 0.8) {
        shape = "words";
        const w = words(p.description);
        q = w.length >= 2 ? `${w[0]} ${w[1]}` : (w[0] ?? p.name);
      } else {
        shape = "phrase";
        const w = p.text.split(/\s+/).filter((x) => /^[A-Za-z]{3,}$/.test(x));
        const at = Math.floor(rand() * Math.max(1, w.length - 3));
        q = `"${w.slice(at, at + 3).join(" ")}"`;
      }
      const s = performance.now();
      await ok(admin, "GET", `/api/v1/search?scope=knowledge&q=${encodeURIComponent(q)}`);
      if (i >= 10) latencies[shape]?.push(performance.now() - s);
    }
    const all = Object.values(latencies).flat();
    report.latency = {
      chunks,
      p50: pct(all, 0.5),
      p95: pct(all, 0.95),
      by_shape: Object.fromEntries(
        Object.entries(latencies).map(([k, v]) => [k, { n: v.length, p50: pct(v, 0.5), p95: pct(v, 0.95) }]),
      ),
    };
    say(
      `  latency at ${chunks} chunks (${all.length} queries, scope=knowledge): p50 ${pct(all, 0.5).toFixed(1)} ms, p95 ${pct(all, 0.95).toFixed(1)} ms\n`,
    );
    for (const [k, v] of Object.entries(latencies))
      say(`    ${k.padEnd(12)} p50 ${pct(v, 0.5).toFixed(1)} ms  p95 ${pct(v, 0.95).toFixed(1)} ms  (n=${v.length})\n`);

    // Quality: the description finds its page (any round's copy of it).
    let hits = 0;
    let rr = 0;
    let none = 0;
    const sample = [...pages].sort(() => rand() - 0.5).slice(0, QUALITY);
    for (const p of sample) {
      const res = await ok(
        admin,
        "GET",
        `/api/v1/search?scope=knowledge&limit=10&q=${encodeURIComponent(p.description)}`,
      );
      const ids: string[] = res.results.map((x: { external_id?: string }) => x.external_id ?? "");
      if (!ids.length) none++;
      const rank = ids.findIndex((id) => id.endsWith(`/${p.id}`));
      if (rank >= 0) {
        hits++;
        rr += 1 / (rank + 1);
      }
    }
    report.quality = {
      queries: sample.length,
      recall_at_10: hits / sample.length,
      mrr: rr / sample.length,
      no_results: none,
    };
    say(
      `  quality (keyword, ${sample.length} descriptions): Recall@10 ${(hits / sample.length).toFixed(3)}, MRR ${(rr / sample.length).toFixed(3)}, ${none} with no result\n`,
    );
  } finally {
    report.machine = { ...(report.machine as object), load_end: uptime() };
    say(`  machine at end: ${uptime()}\n`);
    say(`${JSON.stringify(report)}\n`);
    await server.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One PDF of man page text, uploaded to a files source; pages/s until it is indexed. */
async function benchPdf(admin: Caller, url: string, teamId: string, pages: ManPage[]) {
  const { PDFDocument, StandardFonts } = await import("pdf-lib");
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const lines = pages
    .flatMap((p) => p.text.split("\n"))
    .map((l) => l.replace(/[^\x20-\x7e]/g, " ").slice(0, 95))
    .filter((l) => l.trim());
  let at = 0;
  for (let i = 0; i < PDF_PAGES; i++) {
    const page = pdf.addPage([612, 792]);
    for (let y = 760; y > 40; y -= 12) page.drawText(lines[at++ % lines.length] ?? "", { x: 40, y, size: 9, font });
  }
  const bytes = await pdf.save();
  const src = await ok(admin, "POST", "/api/v1/knowledge", { name: "manual pdf", kind: "files", team_id: teamId }, 201);
  const form = new FormData();
  form.append("file", new Blob([bytes], { type: "application/pdf" }), "manual.pdf");
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/knowledge/${src.id}/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: form,
  });
  if (!res.ok) {
    const why = `${res.status} ${await res.text()}`;
    say(`  pdf: the upload was refused (${why}); no figure\n`);
    return { error: why };
  }
  await waitSource(admin, src.id, "pdf");
  const seconds = (performance.now() - t0) / 1000;
  say(
    `  pdf: ${PDF_PAGES} pages (${(bytes.length / 1048576).toFixed(2)} MiB) extracted and indexed in ${seconds.toFixed(2)} s: ${(PDF_PAGES / seconds).toFixed(0)} pages/s\n`,
  );
  return { pages: PDF_PAGES, bytes: bytes.length, seconds, pages_per_s: PDF_PAGES / seconds };
}

/** Issues in the local Jira-shaped server, synced by a jira source; issues/s until it is ready. */
async function benchJira(admin: Caller, teamId: string, pages: ManPage[]) {
  const jira = await startFakeJira({ deployment: "datacenter", personalAccessToken: "bench-pat" });
  try {
    for (let i = 0; i < JIRA_ISSUES; i++) {
      const p = pages[i % pages.length] as ManPage;
      jira.put({
        key: `MAN-${i + 1}`,
        summary: `${p.name}: ${p.description}`,
        description: p.text.slice(0, 6000),
        comments: [{ id: `${i}`, author: "Bench", body: p.text.slice(6000, 7000) || "ok", created: new Date() }],
      });
    }
    const src = await ok(
      admin,
      "POST",
      "/api/v1/knowledge",
      {
        name: "jira",
        kind: "jira",
        team_id: teamId,
        config: {
          site_url: jira.url,
          deployment: "datacenter",
          jql: "project = MAN",
          personal_access_token: "bench-pat",
        },
      },
      201,
    );
    const t0 = performance.now();
    const sync = await admin("POST", `/api/v1/knowledge/${src.id}/sync`, {});
    if (sync.status >= 300) {
      say(`  jira: Sync now was refused (${sync.status} ${sync.text}); no figure\n`);
      return { error: sync.text };
    }
    await waitSource(admin, src.id, "jira");
    const seconds = (performance.now() - t0) / 1000;
    say(
      `  jira: ${JIRA_ISSUES} issues synced and indexed in ${seconds.toFixed(2)} s: ${(JIRA_ISSUES / seconds).toFixed(0)} issues/s\n`,
    );
    return { issues: JIRA_ISSUES, seconds, issues_per_s: JIRA_ISSUES / seconds };
  } catch (err) {
    say(`  jira: ${(err as Error).message}; no figure\n`);
    return { error: (err as Error).message };
  } finally {
    await jira.close();
  }
}

await main();
