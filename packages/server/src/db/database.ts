import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";
import { sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import type { Logger } from "pino";
import { PgListener } from "./pg-listener.js";
import * as schema from "./schema.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type DbKind = "pglite" | "postgres";
export type Unlisten = () => Promise<void>;
export interface ListenHandler {
  onPayload(payload: string): void;
  /** After the connection was lost and restored: notifications in between are gone. */
  onReconnect?(): void;
}

/** One handle over either backend: same schema, same migrations, same queries. */
export interface Database {
  readonly kind: DbKind;
  readonly db: Db;
  /** Throws if the database cannot answer a trivial query. */
  ping(): Promise<void>;
  /** Subscribes to a NOTIFY channel. Survives reconnects on PostgreSQL. */
  listen(channel: string, handler: ListenHandler): Promise<Unlisten>;
  close(): Promise<void>;
}

/** Where the SQL migrations live; tests build partial copies of it to migrate step by step. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../drizzle", import.meta.url));
// Any constant works; it only has to be the same for every replica.
const MIGRATION_LOCK_KEY = 0x5752414e; // "STRN"

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  log: Logger;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.log) : openPglite(opts.dataDir, opts.log);
}

async function openPostgres(url: string, log: Logger): Promise<Database> {
  await migratePostgres(url, log);
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits here; without a handler it would crash the process.
  pool.on("error", (err) => log.warn({ err }, "idle PostgreSQL connection failed; it will be replaced"));
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Db;
  const listener = new PgListener(url, log);
  return {
    kind: "postgres",
    db,
    ping: async () => {
      await pool.query("select 1");
    },
    listen: (channel, handler) => listener.listen(channel, handler),
    close: async () => {
      await listener.close();
      await pool.end();
    },
  };
}

/** Migrates on a single connection under an advisory lock, so replicas starting together don't race. */
async function migratePostgres(url: string, log: Logger): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on("error", (err) => log.warn({ err }, "migration connection failed"));
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}. ` +
        "Check DATABASE_URL, or unset it to use the embedded database.",
      { cause: err },
    );
  }
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder: MIGRATIONS_DIR });
    log.info({ backend: "postgres" }, "database migrations applied");
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}

/**
 * Extensions the migrations create (search: trigrams, vectors). PGlite has them only when they are
 * handed in here; `create extension` then loads them.
 */
export const PGLITE_EXTENSIONS = { pg_trgm, vector };

async function openPglite(dataDir: string, log: Logger): Promise<Database> {
  const dir = join(dataDir, "db");
  mkdirSync(dir, { recursive: true });
  const releaseLock = acquireDirLock(dir);
  let client: PGlite;
  try {
    client = await PGlite.create(dir, { extensions: PGLITE_EXTENSIONS });
  } catch (err) {
    releaseLock();
    throw new Error(`cannot open the embedded database in ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  await migratePglite(drizzlePglite({ client }), { migrationsFolder: MIGRATIONS_DIR });
  log.info({ backend: "pglite", dir }, "database migrations applied");
  return {
    kind: "pglite",
    db,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    listen: async (channel, handler) => {
      const unsub = await client.listen(channel, (payload) => handler.onPayload(payload));
      return async () => unsub();
    },
    close: async () => {
      await client.close();
      releaseLock();
    },
  };
}

/**
 * PGlite is single-process: two servers on one data directory would corrupt it.
 * A pid file turns that into a clear error; a stale one (dead pid) is taken over.
 */
function acquireDirLock(dir: string): () => void {
  const lockFile = join(dir, "strand.pid");
  if (existsSync(lockFile)) {
    const pid = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `the embedded database in ${dir} is in use by another strand server (pid ${pid}). ` +
          "Stop that server, use another --data-dir, or set DATABASE_URL to share PostgreSQL between servers.",
      );
    }
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable DATABASE_URL>";
  }
}
