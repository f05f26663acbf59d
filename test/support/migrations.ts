import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { MIGRATIONS_DIR, PGLITE_EXTENSIONS } from "../../packages/server/src/db/database.js";
import { createTestDatabase } from "./postgres.js";
import type { Backend } from "./server.js";

interface Journal {
  entries: { tag: string }[];
}

/**
 * A copy of the server's migrations folder that ends at `lastTag`, so a test can build a
 * database as an older release left it. Drizzle reads the journal to know which files exist.
 */
export function migrationsUpTo(lastTag: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "strand-migrations-"));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as Journal;
  const end = journal.entries.findIndex((e) => e.tag === lastTag);
  if (end < 0) throw new Error(`no migration ${lastTag} in ${MIGRATIONS_DIR}`);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A bare database on the test's backend that can be migrated a step at a time and queried in SQL. */
export interface MigratingDatabase {
  /** Applies the migrations in `folder` not yet applied (all of them by default). */
  migrate(folder?: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openMigratingDatabase(backend: Backend): Promise<MigratingDatabase> {
  if (backend === "pglite") {
    const client = new PGlite({ extensions: PGLITE_EXTENSIONS });
    return {
      migrate: (folder = MIGRATIONS_DIR) => migratePglite(drizzlePglite({ client }), { migrationsFolder: folder }),
      query: async <T>(sql: string, params: unknown[] = []) => (await client.query<T>(sql, params)).rows,
      close: () => client.close(),
    };
  }
  const database = await createTestDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  return {
    migrate: (folder = MIGRATIONS_DIR) => migrateNodePg(drizzleNodePg({ client }), { migrationsFolder: folder }),
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    close: async () => {
      await client.end();
      await database.drop();
    },
  };
}
