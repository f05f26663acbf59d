import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Caller, caller } from "../support/http.js";
import { runCli } from "../support/process.js";
import { ADMIN_TOKEN, loginCookie, startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/wait.js";

// `strand search` against a real server and its search engine, no Docker: prompts stored through
// the API are conversation entries like any other, indexed as they are stored.
let t: TestServer;
let env: Record<string, string>;
let admin: Caller;
let personal: string;
let teamSession: string;

const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });

async function session(as: Caller, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await as("POST", "/api/v1/sessions", { body: { name, start: false, ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}
async function prompt(as: Caller, id: string, content: string): Promise<void> {
  const res = await as("POST", `/api/v1/sessions/${id}/messages`, {
    body: { request_id: crypto.randomUUID(), content },
  });
  expect(res.status, res.text).toBe(201);
}

beforeAll(async () => {
  t = await startTestServer();
  env = {
    STRAND_CONFIG_DIR: mkdtempSync(join(tmpdir(), "strand-cli-search-config-")),
    STRAND_URL: t.url,
    STRAND_TOKEN: ADMIN_TOKEN,
    NO_COLOR: "",
    FORCE_COLOR: "",
  };
  admin = caller(t.url, { token: ADMIN_TOKEN });

  // Another user's words first; the admin's, stored after them, are the marker that they were indexed.
  const other = { email: "other@example.com", password: "another long password" };
  expect((await admin("POST", "/api/v1/users", { body: other })).status).toBe(201);
  const them = caller(t.url, { cookie: await loginCookie(t.url, other.email, other.password) });
  await prompt(them, await session(them, "Their vault"), "The vault says ERR_CONN_4417 as well");

  const team = (await admin("POST", "/api/v1/teams", { body: { name: "Core" } })).body;
  personal = await session(admin, "Checkout fix");
  await prompt(admin, personal, "Checkout fails with ERR_CONN_4417 after the payment retry");
  await prompt(admin, personal, "Also ERR_CONN_4417 on refunds");
  teamSession = await session(admin, "Login flow", { team_id: team.id, runtime: "codex" });
  await prompt(admin, teamSession, "The login page shows ERR_CONN_4417 when the token expired");
  await until(
    async () => (await admin("GET", "/api/v1/search?q=ERR_CONN_4417")).body.results ?? [],
    (r: { session_id: string }[]) => r.length === 3,
    "the admin's three prompts to be searchable",
    20_000,
  );
});
afterAll(async () => {
  await t?.stop();
});

describe("strand search", () => {
  it("has --help with the filters", async () => {
    const r = await cli(["search", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: strand search \[options\] <query\.\.\.>/);
    for (const flag of ["--session", "--project", "--team", "--runtime", "--kind", "--since", "--until", "--limit"])
      expect(r.stdout).toContain(flag);
  });

  it("prints hits grouped by session, plain text when piped, and never another user's", async () => {
    const r = await cli(["search", "ERR_CONN_4417"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("\x1b[");
    const blocks = r.stdout.trim().split("\n\n");
    expect(blocks).toHaveLength(2);
    const byName = (name: string) => blocks.find((b) => b.startsWith(`${name} (`)) as string;
    expect(byName("Checkout fix").split("\n")[0]).toBe(`Checkout fix (${personal}) · strand-agent`);
    expect(byName("Checkout fix").match(/^ {2}prompt\s+\S+ ago\s+.*ERR_CONN_4417/gm)).toHaveLength(2);
    expect(byName("Login flow").split("\n")[0]).toBe(`Login flow (${teamSession}) · codex · team core`);
    expect(byName("Login flow")).toContain("The login page shows ERR_CONN_4417 when the token expired");
    expect(r.stdout).not.toContain("vault");
    expect(r.stderr).toBe("");
  });

  it("emphasises the match on a terminal (FORCE_COLOR)", async () => {
    const r = await cli(["search", "refunds"], { FORCE_COLOR: "1" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Also ERR_CONN_4417 on \x1b[1;33mrefunds\x1b[0m");
  });

  it("--json prints the API's answer; filters by team (slug) and kind; pages with --cursor", async () => {
    const r = await cli(["search", "ERR_CONN_4417", "--team", "core", "--kind", "user", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.mode).toBe("keyword");
    expect(body.results.map((x: { session_id: string }) => x.session_id)).toEqual([teamSession]);
    expect(body.results[0]).toMatchObject({ kind: "user", runtime: "codex", session_name: "Login flow" });
    expect(body.results[0].snippet.slice(body.results[0].highlights[0].start, body.results[0].highlights[0].end)).toBe(
      "ERR_CONN_4417",
    );

    const first = await cli(["search", "ERR_CONN_4417", "--session", personal, "--limit", "1"]);
    expect(first.code, first.stderr).toBe(0);
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor, first.stderr).toBeTruthy();
    const second = await cli([
      "search",
      "ERR_CONN_4417",
      "--session",
      personal,
      "--limit",
      "1",
      "--cursor",
      `${cursor}`,
    ]);
    expect(second.code, second.stderr).toBe(0);
    const hitLine = (s: string) => s.split("\n").find((l) => l.includes("ERR_CONN_4417"));
    expect(hitLine(second.stdout)).toBeTruthy();
    expect(hitLine(second.stdout)).not.toBe(hitLine(first.stdout));
    expect(second.stderr).toBe("");
    const none = await cli(["search", "ERR_CONN_4417", "--runtime", "gemini"]);
    expect(none.stdout.trim()).toBe("No results.");
  });

  it("refuses an empty query and a bad time with the server's words, exit 1", async () => {
    const empty = await cli(["search", "  "]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^error: .*q must not be empty/m);
    expect(empty.stdout).toBe("");
    const json = await cli(["search", "", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).message).toMatch(/q must not be empty/);
    const bad = await cli(["search", "ERR_CONN_4417", "--since", "last tuesday"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/must be an ISO 8601 time/);
    const unknownTeam = await cli(["search", "ERR_CONN_4417", "--team", "nope"]);
    expect(unknownTeam.code).toBe(1);
    expect(unknownTeam.stderr).toContain("you are in no team nope");
  });
});
