import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { type Caller, caller } from "./http.js";
import { adminDatabaseUrl, createTestDatabase, withClient } from "./postgres.js";

export const ADMIN_EMAIL = "admin@example.com";
export const ADMIN_PASSWORD = "correct horse battery";
export const ADMIN_TOKEN = "strand_test_admin_token_0123456789";

export type Backend = "pglite" | "postgres";

export function currentBackend(): Backend {
  const b = process.env.STRAND_TEST_DB ?? "pglite";
  if (b !== "pglite" && b !== "postgres") throw new Error(`STRAND_TEST_DB must be pglite or postgres, got ${b}`);
  return b;
}

export interface TestServer {
  server: RunningServer;
  backend: Backend;
  url: string;
  dataDir: string;
  /** The test database's URL on the postgres backend. */
  databaseUrl: string | undefined;
  /** Warnings and errors the server logged, parsed; only kept with `{ captureLogs: true }`. */
  logs: Record<string, any>[];
  /** Calls as the seeded admin (API token). */
  admin: Caller;
  anon: Caller;
  as(auth: { token?: string; cookie?: string }): Caller;
  /** Creates a non-admin user and returns a caller authenticated with a fresh API token. */
  newUser(email: string): Promise<{ call: Caller; id: string; token: string }>;
  /** Stops this server and starts another on the same data and database, with `env` added; stop that one. */
  restart(env?: Record<string, string>): Promise<TestServer>;
  stop(): Promise<void>;
}

/** Starts a real server on a random port over the backend this test project runs against. */
export async function startTestServer(
  env: Record<string, string> = {},
  opts: { captureLogs?: boolean } = {},
): Promise<TestServer> {
  const backend = currentBackend();
  const dataDir = mkdtempSync(join(tmpdir(), "strand-test-"));
  const database = backend === "postgres" ? await createTestDatabase() : undefined;
  return boot(backend, dataDir, database, env, opts);
}

async function boot(
  backend: Backend,
  dataDir: string,
  database: { url: string; drop: () => Promise<void> } | undefined,
  env: Record<string, string>,
  opts: { captureLogs?: boolean },
): Promise<TestServer> {
  const config = resolveConfig(
    {
      STRAND_ADMIN_EMAIL: ADMIN_EMAIL,
      STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD,
      STRAND_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...env,
    },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  const logs: Record<string, any>[] = [];
  const log = opts.captureLogs
    ? pino(
        { level: "warn" },
        new Writable({
          write(chunk, _enc, done) {
            for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line));
            done();
          },
        }),
      )
    : createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent");
  const server = await startServer(config, log);
  const url = `http://127.0.0.1:${server.port}`;
  const admin = caller(url, { token: ADMIN_TOKEN });
  return {
    server,
    backend,
    url,
    dataDir,
    databaseUrl: database?.url,
    logs,
    admin,
    anon: caller(url),
    as: (auth) => caller(url, auth),
    async newUser(email) {
      const password = "a long enough password";
      const created = await admin("POST", "/api/v1/users", { body: { email, password } });
      if (created.status !== 201) throw new Error(`creating ${email} failed: ${created.text}`);
      const cookie = await loginCookie(url, email, password);
      const tok = await caller(url, { cookie })("POST", "/api/v1/tokens", { body: { name: "test" } });
      return { call: caller(url, { token: tok.body.token }), id: created.body.id, token: tok.body.token };
    },
    async restart(more = {}) {
      await server.close();
      return boot(backend, dataDir, database, { ...env, ...more }, opts);
    },
    async stop() {
      await server.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function loginCookie(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("strand_login="));
  if (!cookie) throw new Error("login set no strand_login cookie");
  return cookie.split(";")[0] as string;
}

/**
 * Makes the server's database unreachable for good; the server stays up and `stop()` still works.
 * PostgreSQL refuses its connections and drops the open ones. The embedded database runs in this
 * process and has no outage short of being closed, which would also break the server's shutdown,
 * so its ping fails the way a damaged data directory makes it fail.
 */
export async function takeDatabaseDown(t: TestServer): Promise<void> {
  if (t.backend === "pglite") {
    const file = join(t.dataDir, "db", "base", "5", "1259");
    (t.server.database as { ping(): Promise<void> }).ping = () =>
      Promise.reject(new Error(`could not open file "${file}": No such file or directory`));
    return;
  }
  const name = new URL(t.databaseUrl as string).pathname.slice(1);
  await withClient(adminDatabaseUrl(), async (c) => {
    await c.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
  });
}
