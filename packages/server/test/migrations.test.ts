import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MigratingDatabase, migrationsUpTo, openMigratingDatabase } from "../../../test/support/migrations.js";
import { currentBackend } from "../../../test/support/server.js";

// pg gives bigint as a string and PGlite as a bigint; compare numbers.
const num = (v: unknown) => (v === null ? null : Number(v));

describe(`migration 0007: money in micro-dollars (${currentBackend()})`, () => {
  let db: MigratingDatabase;
  beforeAll(async () => {
    db = await openMigratingDatabase(currentBackend());
    const before = migrationsUpTo("0006_session_disk_node_identity");
    try {
      await db.migrate(before.dir);
    } finally {
      before.remove();
    }
    // As the float code left them: a limit, a float-summed total, a half micro-dollar, dust.
    await db.query(
      `insert into users (id, email, name, password_hash, spend_limit_usd, spend_month_usd, spend_month) values
        ('usr_a', 'a@example.com', 'a', 'x', 50, 0.30000000000000004, '2026-11'),
        ('usr_b', 'b@example.com', 'b', 'x', null, 0, null)`,
    );
    await db.query(
      `insert into sessions (id, owner_id, name, desktop, runtime, cpus, memory_mb, pids, desired_state, state,
          spend_limit_usd, spend_usd) values
        ('ses_a', 'usr_a', 'a', 'xfce', 'strand-agent', 2, 4096, 512, 'stopped', 'stopped', 0.01, 0.018),
        ('ses_b', 'usr_a', 'b', 'xfce', 'strand-agent', 2, 4096, 512, 'stopped', 'stopped', null, 0.9999999999999999)`,
    );
    await db.query(
      `insert into llm_calls (id, session_id, user_id, api, latency_ms, status, cost_usd) values
        ('llm_1', 'ses_a', 'usr_a', 'messages', 5, 'ok', 0.0081),
        ('llm_2', 'ses_a', 'usr_a', 'messages', 5, 'ok', 0.0000005),
        ('llm_3', 'ses_a', 'usr_a', 'embeddings', 5, 'ok', 0.00000024),
        ('llm_4', 'ses_b', 'usr_a', 'chat', 5, 'spend_limit', 0)`,
    );
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("converts users' limits and monthly totals", async () => {
    const rows = await db.query(
      "select id, spend_limit_micros, spend_month_micros, spend_month from users order by id",
    );
    expect(rows.map((r) => [r.id, num(r.spend_limit_micros), num(r.spend_month_micros), r.spend_month])).toEqual([
      ["usr_a", 50_000_000, 300_000, "2026-11"],
      ["usr_b", null, 0, null],
    ]);
  });

  it("converts sessions' limits and running totals", async () => {
    const rows = await db.query("select id, spend_limit_micros, spend_micros from sessions order by id");
    expect(rows.map((r) => [r.id, num(r.spend_limit_micros), num(r.spend_micros)])).toEqual([
      ["ses_a", 10_000, 18_000],
      ["ses_b", null, 1_000_000],
    ]);
  });

  it("converts each call's cost, half a micro-dollar up", async () => {
    const rows = await db.query("select id, cost_micros from llm_calls order by id");
    expect(rows.map((r) => [r.id, num(r.cost_micros)])).toEqual([
      ["llm_1", 8_100],
      ["llm_2", 1],
      ["llm_3", 0],
      ["llm_4", 0],
    ]);
  });

  it("leaves no USD column behind, and only bigint money columns", async () => {
    const cols = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `select table_name, column_name, data_type from information_schema.columns
        where table_schema = 'public' and (column_name like '%usd%' or column_name like '%micros')
        order by table_name, column_name`,
    );
    expect(cols.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}`)).toEqual([
      "llm_calls.cost_micros bigint",
      "sessions.spend_limit_micros bigint",
      "sessions.spend_micros bigint",
      "users.spend_limit_micros bigint",
      "users.spend_month_micros bigint",
    ]);
  });
});

describe(`migration 0008: teams and scoped events (${currentBackend()})`, () => {
  let db: MigratingDatabase;
  beforeAll(async () => {
    db = await openMigratingDatabase(currentBackend());
    const before = migrationsUpTo("0007_money_in_micros");
    try {
      await db.migrate(before.dir);
    } finally {
      before.remove();
    }
    await db.query(`insert into users (id, email, name, password_hash) values ('usr_a', 'a@example.com', 'a', 'x')`);
    await db.query(
      `insert into session_events (session_id, owner_id, type, payload) values
        ('ses_a', 'usr_a', 'session.created', '{"id":"ses_a"}'),
        ('ses_a', 'usr_a', 'message.created', '{"id":"msg_1"}')`,
    );
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("keeps every session event, in place and in order, as a session-scoped event", async () => {
    const rows = await db.query("select id, scope_type, scope_id, session_id, owner_id, team_id, type from events");
    expect(rows.map((r) => [num(r.id), r.scope_type, r.scope_id, r.session_id, r.owner_id, r.team_id, r.type])).toEqual(
      [
        [1, "session", "ses_a", "ses_a", "usr_a", null, "session.created"],
        [2, "session", "ses_a", "ses_a", "usr_a", null, "message.created"],
      ],
    );
  });

  it("goes on numbering after the old ids, so a client's ?since still means the same", async () => {
    const [row] = await db.query(
      `insert into events (scope_type, scope_id, owner_id, type, payload)
        values ('team', 'team_a', 'usr_a', 'team.updated', '{}') returning id`,
    );
    expect(num(row?.id)).toBe(3);
  });

  it("refuses an event nobody could receive", async () => {
    await expect(
      db.query(`insert into events (scope_type, scope_id, type, payload) values ('team', 't', 'x', '{}')`),
    ).rejects.toThrow(/events_audience_check/);
  });

  it("starts with nothing pruned", async () => {
    const rows = await db.query("select pruned_through from event_retention");
    expect(rows.map((r) => num(r.pruned_through))).toEqual([0]);
  });
});
