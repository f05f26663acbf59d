/**
 * bench/api: throughput and tail latency of `GET /api/v1/sessions` with 1,000 sessions in the
 * database, on the embedded database and on PostgreSQL. Prints figures; asserts nothing.
 *
 *   npm run bench:api                       # both backends (PostgreSQL from STRAND_TEST_DATABASE_URL)
 *   BENCH_BACKENDS=pglite npm run bench:api
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { createTestDatabase } from "../../test/support/postgres.js";
import { spawnServer } from "../../test/support/process.js";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TOKEN = "strand_bench_token_0123456789abcdef";
const backends = (process.env.BENCH_BACKENDS ?? "pglite,postgres").split(",");

async function seed(url: string): Promise<void> {
  const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  let next = 0;
  const worker = async () => {
    while (next < SESSIONS) {
      const i = next++;
      const res = await fetch(`${url}/api/v1/sessions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: `bench-${i}`, start: i % 3 !== 0 }),
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function measure(url: string, path: string) {
  const run = (duration: number) =>
    autocannon({
      url: `${url}${path}`,
      connections: CONNECTIONS,
      duration,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
  await run(2); // warm-up: JIT, connection pool, plan cache
  const r = await run(DURATION_S);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx and ${r.errors} errors during the run`);
  return r;
}

async function benchBackend(backend: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "strand-bench-"));
  const db = backend === "postgres" ? await createTestDatabase() : undefined;
  const server = await spawnServer({
    env: {
      LOG_LEVEL: "warn",
      STRAND_ADMIN_PASSWORD: "bench password 123",
      STRAND_ADMIN_TOKEN: TOKEN,
      ...(db ? { DATABASE_URL: db.url } : {}),
    },
    dataDir,
  });
  try {
    const t0 = Date.now();
    await seed(server.url);
    const seedMs = Date.now() - t0;
    const rows = [];
    for (const path of ["/api/v1/sessions", "/api/v1/sessions?limit=500"]) {
      const r = await measure(server.url, path);
      rows.push({
        backend,
        path,
        "req/s": Math.round(r.requests.average),
        "p50 ms": r.latency.p50,
        "p99 ms": r.latency.p99,
        "max ms": r.latency.max,
        "MB/s": +(r.throughput.average / 1e6).toFixed(1),
      });
    }
    return { rows, seedMs };
  } finally {
    server.proc.kill("SIGTERM");
    await server.exited;
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const out = process.stdout;
out.write(
  `bench/api: ${SESSIONS} sessions, ${CONNECTIONS} connections, ${DURATION_S}s per run, ` +
    `${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}\n`,
);
for (const backend of backends) {
  const { rows, seedMs } = await benchBackend(backend);
  out.write(`\n${backend}: seeded ${SESSIONS} sessions through the API in ${seedMs} ms\n`);
  for (const r of rows) {
    out.write(
      `  GET ${r.path.padEnd(28)} ${String(r["req/s"]).padStart(6)} req/s   p50 ${r["p50 ms"]} ms   p99 ${r["p99 ms"]} ms   max ${r["max ms"]} ms   ${r["MB/s"]} MB/s\n`,
    );
  }
}
