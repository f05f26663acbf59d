import { randomBytes } from "node:crypto";
import pg from "pg";

/** Admin URL of the PostgreSQL that `npm test` provisions (scripts/provision.sh). */
export function adminDatabaseUrl(): string {
  const url = process.env.STRAND_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      "STRAND_TEST_DATABASE_URL is not set. Run the suite with `npm test`, which provisions PostgreSQL, " +
        "or point it at a superuser URL such as postgres://strand:strand@127.0.0.1:5432/postgres",
    );
  }
  return url;
}

/** Creates an empty database for one test file and returns its URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = adminDatabaseUrl();
  const name = `strand_test_${randomBytes(6).toString("hex")}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
