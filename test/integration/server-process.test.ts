import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { caller } from "../support/http.js";
import { spawnServer } from "../support/process.js";

const SECRET_PASSWORD = "very secret admin password";
const SECRET_TOKEN = "strand_never_log_this_token_0123456789";

describe("strand server as a process (embedded database)", () => {
  it("first start prints how to log in once; secrets never reach the log", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "strand-first-"));
    const s = await spawnServer({ env: {}, dataDir });
    const out = s.output();
    const password = /password: (\S+)/.exec(out)?.[1];
    expect(password).toBeDefined();
    expect(out).toContain("email:    admin@localhost");
    const login = await caller(s.url)("POST", "/api/v1/auth/login", { body: { email: "admin@localhost", password } });
    expect(login.status).toBe(200);
    // The generated password appears in the banner only, never in a JSON log line.
    const logLines = out.split("\n").filter((l) => l.startsWith("{"));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(password as string);
    s.proc.kill("SIGTERM");
    expect(await s.exited).toBe(0);

    const again = await spawnServer({ env: {}, dataDir });
    expect(again.output()).not.toContain("First start");
    again.proc.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  });

  it("seeds admin and token from the environment without ever logging them", async () => {
    const s = await spawnServer({
      env: {
        STRAND_ADMIN_EMAIL: "root@example.com",
        STRAND_ADMIN_PASSWORD: SECRET_PASSWORD,
        STRAND_ADMIN_TOKEN: SECRET_TOKEN,
      },
      dataDir: mkdtempSync(join(tmpdir(), "strand-seed-")),
    });
    const me = await caller(s.url, { token: SECRET_TOKEN })("GET", "/api/v1/me");
    expect(me.body.email).toBe("root@example.com");
    await caller(s.url)("POST", "/api/v1/auth/login", {
      body: { email: "root@example.com", password: SECRET_PASSWORD },
    });
    s.proc.kill("SIGTERM");
    await s.exited;
    expect(s.output()).not.toContain(SECRET_PASSWORD);
    expect(s.output()).not.toContain(SECRET_TOKEN);
  });

  it("shuts down gracefully on SIGTERM and keeps its data across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "strand-restart-"));
    const env = { STRAND_ADMIN_PASSWORD: "restart password", STRAND_ADMIN_TOKEN: SECRET_TOKEN };
    const first = await spawnServer({ env, dataDir });
    const api = caller(first.url, { token: SECRET_TOKEN });
    const created = await api("POST", "/api/v1/sessions", { body: { name: "survivor" } });
    first.proc.kill("SIGTERM");
    const t0 = Date.now();
    expect(await first.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(first.output()).toContain("shut down cleanly");

    const second = await spawnServer({ env, dataDir });
    const got = await caller(second.url, { token: SECRET_TOKEN })("GET", `/api/v1/sessions/${created.body.id}`);
    expect(got.body.name).toBe("survivor");

    // A second server on the same embedded database is refused with a reason, not corrupted.
    await expect(spawnServer({ env, dataDir })).rejects.toThrow(/in use by another strand server/);
    second.proc.kill("SIGKILL");
    await second.exited;
    // After a SIGKILL the stale lock is taken over.
    const third = await spawnServer({ env, dataDir });
    expect((await caller(third.url, { token: SECRET_TOKEN })("GET", "/api/v1/sessions")).body.items).toHaveLength(1);
    third.proc.kill("SIGTERM");
    await third.exited;
  });

  it("refuses bad configuration with a clear message", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "strand-badcfg-"));
    await expect(spawnServer({ env: { STRAND_ADMIN_PASSWORD: "short" }, dataDir })).rejects.toThrow(
      /STRAND_ADMIN_PASSWORD must be at least 10 characters/,
    );
    await expect(spawnServer({ env: { STRAND_SECURE_COOKIES: "maybe" }, dataDir })).rejects.toThrow(
      /STRAND_SECURE_COOKIES must be true or false/,
    );
    await expect(spawnServer({ env: { STRAND_ALLOWED_ORIGINS: "*" }, dataDir })).rejects.toThrow(
      /STRAND_ALLOWED_ORIGINS: "\*" is not an origin; list each page origin such as https:\/\/strand\.example\.com/,
    );
    await expect(spawnServer({ env: { STRAND_METRICS_TOKEN: "too short" }, dataDir })).rejects.toThrow(
      /STRAND_METRICS_TOKEN must be at least 20 characters/,
    );
    await expect(
      spawnServer({ env: { DATABASE_URL: "postgres://nobody:pw@127.0.0.1:1/none" }, dataDir }),
    ).rejects.toThrow(/cannot connect to PostgreSQL at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/);
  });
});
