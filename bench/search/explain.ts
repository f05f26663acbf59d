/**
 * EXPLAIN (ANALYZE, BUFFERS) of the engine's own keyword statement (search/keyword.ts
 * `keywordQuery`) on a database bench/search left behind (`--keep-db`), as the bench user sees it.
 *
 *   npx tsx bench/search/explain.ts postgres://…/strand_test_xxx 'list directory contents' '"exit status"'
 */
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Db } from "../../packages/server/src/db/database.js";
import * as schema from "../../packages/server/src/db/schema.js";
import { userActor } from "../../packages/server/src/policy/actor.js";
import { historyScope } from "../../packages/server/src/policy/scopes.js";
import { keywordQuery } from "../../packages/server/src/search/keyword.js";
import { parseQuery } from "../../packages/server/src/search/parse-query.js";

const [url, ...queries] = process.argv.slice(2);
if (!url || !queries.length) throw new Error("usage: explain.ts <database url> <query>...");
const pool = new pg.Pool({ connectionString: url, max: 1 });
const db = drizzle({ client: pool, schema }) as unknown as Db;
const user = await pool.query("select id from users where email = 'dana@example.com'");
const teams = await pool.query("select team_id, role from team_members where user_id = $1", [user.rows[0].id]);
const actor = userActor(user.rows[0].id, false, new Map(teams.rows.map((r) => [r.team_id, r.role])));
for (const q of queries) {
  const built = keywordQuery(
    db,
    parseQuery(q),
    historyScope(actor),
    {},
    { asOf: new Date(), offset: 0, limit: 21 },
  ).toSQL();
  const t0 = performance.now();
  // As keywordSearch runs it: a phrase with plain index scans off, in its own transaction.
  const phrase = parseQuery(q).phrases.length > 0;
  await pool.query(phrase ? "begin; set local enable_indexscan = off" : "begin");
  const plan = await pool.query(`explain (analyze, buffers) ${built.sql}`, built.params);
  await pool.query("commit");
  process.stdout.write(`\n=== ${q} (${(performance.now() - t0).toFixed(0)} ms with EXPLAIN ANALYZE)\n`);
  for (const r of plan.rows) process.stdout.write(`${r["QUERY PLAN"]}\n`);
}
await pool.end();
