import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caller } from "../../../test/support/http.js";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  ADMIN_TOKEN,
  startTestServer,
  type TestServer,
} from "../../../test/support/server.js";
import { apiTokens, loginSessions } from "../src/db/schema.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

async function login(email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  return t.anon("POST", "/api/v1/auth/login", { body: { email, password } });
}
const cookieOf = (r: { headers: Headers }) => r.headers.getSetCookie().find((c) => c.startsWith("strand_login="));

describe(`auth (${process.env.STRAND_TEST_DB})`, () => {
  it("seeds the first admin and token from the environment", async () => {
    const me = await t.admin("GET", "/api/v1/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: ADMIN_EMAIL, is_admin: true });
    expect(t.server.bootstrap).toMatchObject({ email: ADMIN_EMAIL, generatedPassword: null, tokenSeeded: true });
  });

  it("logs in with a password and sets an HTTP-only cookie that authenticates", async () => {
    const res = await login();
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(ADMIN_EMAIL);
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await t.as({ cookie: (cookie as string).split(";")[0] })("GET", "/api/v1/me");
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(ADMIN_EMAIL);
  });

  it("accepts the email in any case", async () => {
    expect((await login(ADMIN_EMAIL.toUpperCase())).status).toBe(200);
  });

  it("rejects a wrong password and an unknown email alike", async () => {
    const wrong = await login(ADMIN_EMAIL, "not the password");
    const unknown = await login("nobody@example.com", "whatever it is");
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: "invalid_credentials", message: "wrong email or password" });
      expect(cookieOf(r)).toBeUndefined();
    }
  });

  it("logout ends the cookie login", async () => {
    const cookie = (cookieOf(await login()) as string).split(";")[0] as string;
    const as = t.as({ cookie });
    expect((await as("POST", "/api/v1/auth/logout")).status).toBe(204);
    const after = await as("GET", "/api/v1/me");
    expect(after.status).toBe(401);
    expect(after.body.error).toBe("unauthenticated");
  });

  it("an expired login cookie gets a clear 401 and is cleared", async () => {
    const cookie = (cookieOf(await login()) as string).split(";")[0] as string;
    await t.server.database.db
      .update(loginSessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(loginSessions.userId, (await t.admin("GET", "/api/v1/me")).body.id));
    const res = await t.as({ cookie })("GET", "/api/v1/sessions");
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("login_expired");
    expect(res.body.message).toMatch(/expired.*log in again/i);
    expect(res.headers.getSetCookie().join()).toMatch(/strand_login=;/);
  });

  it("requires credentials, and says how to get them", async () => {
    const res = await t.anon("GET", "/api/v1/sessions");
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("unauthenticated");
    expect(res.body.message).toMatch(/Bearer/);
  });

  it("API tokens: shown once, listed without the secret, stored hashed, revocable", async () => {
    const created = await t.admin("POST", "/api/v1/tokens", { body: { name: "ci" } });
    expect(created.status).toBe(201);
    const secret: string = created.body.token;
    expect(secret).toMatch(/^strand_/);

    const byToken = caller(t.url, { token: secret });
    expect((await byToken("GET", "/api/v1/me")).status).toBe(200);

    const list = await t.admin("GET", "/api/v1/tokens");
    const listed = list.body.items.find((x: { id: string }) => x.id === created.body.id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(secret.startsWith(listed.prefix)).toBe(true);

    const stored = await t.server.database.db
      .select({ hash: apiTokens.tokenHash })
      .from(apiTokens)
      .where(eq(apiTokens.id, created.body.id));
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(secret);

    const revoked = await t.admin("DELETE", `/api/v1/tokens/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const after = await byToken("GET", "/api/v1/me");
    expect(after.status).toBe(401);
    expect(after.body.error).toBe("invalid_token");
    expect(after.body.message).toMatch(/revoked/);
  });

  it("rejects bad tokens and malformed Authorization headers with 401", async () => {
    const bad = await caller(t.url, { token: "strand_made_up_token_value" })("GET", "/api/v1/me");
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe("invalid_token");
    const basic = await t.anon("GET", "/api/v1/me", { headers: { authorization: "Basic YWRtaW46YWRtaW4=" } });
    expect(basic.status).toBe(401);
    expect(basic.body.message).toMatch(/Bearer <token>/);
  });

  it("an expired token is refused", async () => {
    const created = await t.admin("POST", "/api/v1/tokens", { body: { name: "short", expires_in_days: 1 } });
    await t.server.database.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1) })
      .where(eq(apiTokens.id, created.body.id));
    const res = await caller(t.url, { token: created.body.token })("GET", "/api/v1/me");
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/);
  });

  it("only admins create users; duplicate emails conflict", async () => {
    const bob = await t.newUser("bob@example.com");
    const denied = await bob.call("POST", "/api/v1/users", {
      body: { email: "eve@example.com", password: "long enough pw" },
    });
    expect(denied.status).toBe(403);
    const dup = await t.admin("POST", "/api/v1/users", {
      body: { email: "BOB@example.com", password: "long enough pw" },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/already exists/);
    const weak = await t.admin("POST", "/api/v1/users", { body: { email: "weak@example.com", password: "short" } });
    expect(weak.status).toBe(400);
    expect(weak.body.details[0]).toEqual({ path: "body.password", message: "password must be at least 10 characters" });
  });

  it("throttles password guessing per email and address, with Retry-After", async () => {
    await t.newUser("target@example.com");
    for (let i = 0; i < 10; i++) expect((await login("target@example.com", `guess number ${i}`)).status).toBe(401);
    const blocked = await login("target@example.com", "a long enough password");
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe("too_many_attempts");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Other accounts are unaffected.
    expect((await login()).status).toBe(200);
  });

  it("never logs or returns the admin secrets", async () => {
    const res = await t.admin("GET", "/api/v1/openapi.json");
    expect(res.text).not.toContain(ADMIN_TOKEN);
    expect(res.text).not.toContain(ADMIN_PASSWORD);
  });
});
