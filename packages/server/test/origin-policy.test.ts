import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  ADMIN_TOKEN,
  loginCookie,
  startTestServer,
  type TestServer,
} from "../../../test/support/server.js";
import { TestSocket } from "../../../test/support/ws.js";

const FOREIGN = "http://evil.example";
// Listed with a path-less trailing slash, upper case and the default port: compared normalised.
const LISTED = "https://UI.Example.com:443/";

let t: TestServer;
let cookie: string;
let own: string;
beforeAll(async () => {
  t = await startTestServer({ STRAND_ALLOWED_ORIGINS: `https://other.example.com, ${LISTED}` });
  cookie = await loginCookie(t.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  own = t.url;
});
afterAll(() => t?.stop());

const events = (headers: Record<string, string>) =>
  new TestSocket(`${t.url.replace("http", "ws")}/api/v1/events`, headers);

async function pendingSession(): Promise<string> {
  const res = await t.admin("POST", "/api/v1/sessions", { body: { name: "origin target" } });
  expect(res.body.state).toBe("pending");
  return res.body.id;
}

const stateOf = async (id: string) => (await t.admin("GET", `/api/v1/sessions/${id}`)).body.state;

describe(`login cookie from other origins (${process.env.STRAND_TEST_DB})`, () => {
  it("refuses the events WebSocket handshake from a foreign page, opens it from the server's own", async () => {
    const foreign = events({ cookie, origin: FOREIGN });
    await expect(foreign.opened).rejects.toThrow(/HTTP 403/);
    const mine = events({ cookie, origin: own });
    await mine.opened;
    expect((await mine.next((m) => m.type === "hello")).user_id).toMatch(/^usr_/);
    mine.close();
  });

  it("refuses a bodyless POST from a foreign page and leaves the session alone", async () => {
    const id = await pendingSession();
    const res = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`, { headers: { origin: FOREIGN } });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe("forbidden");
    expect(res.body.message).toContain(FOREIGN);
    expect(res.body.message).toContain("STRAND_ALLOWED_ORIGINS");
    expect(res.body.details).toEqual({ origin: FOREIGN, sec_fetch_site: null });
    expect(await stateOf(id)).toBe("pending");

    const ok = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`, { headers: { origin: own } });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe("stopped");
  });

  it("compares origins normalised: scheme, host in any case, port with the default dropped", async () => {
    const id = await pendingSession();
    for (const origin of [own.toUpperCase(), "HTTPS://UI.EXAMPLE.COM", "https://ui.example.com:443"]) {
      const res = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/start`, { headers: { origin } });
      expect(res.status, origin).toBe(200);
    }
    // Same host, other port or scheme: another origin.
    const otherPort = own.replace(/:\d+$/, ":1");
    for (const origin of [otherPort, own.replace("http:", "https:"), "null"]) {
      const res = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`, { headers: { origin } });
      expect(res.status, origin).toBe(403);
    }
    expect(await stateOf(id)).toBe("pending");
  });

  it("takes an origin listed in STRAND_ALLOWED_ORIGINS, for requests and WebSockets", async () => {
    const id = await pendingSession();
    const listed = "https://ui.example.com";
    const res = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`, { headers: { origin: listed } });
    expect(res.status).toBe(200);
    const ws = events({ cookie, origin: listed });
    await ws.next((m) => m.type === "hello");
    ws.close();
  });

  it("without Origin, goes by Sec-Fetch-Site: cross-site and same-site refused, same-origin taken", async () => {
    const id = await pendingSession();
    for (const site of ["cross-site", "same-site"]) {
      const res = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`, {
        headers: { "sec-fetch-site": site },
      });
      expect(res.status, site).toBe(403);
      expect(res.body.message).toContain(`Sec-Fetch-Site: ${site}`);
      expect(res.body.message).toContain("STRAND_ALLOWED_ORIGINS");
    }
    expect(await stateOf(id)).toBe("pending");
    const same = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`, {
      headers: { "sec-fetch-site": "same-origin" },
    });
    expect(same.status).toBe(200);
  });

  it("lets a request with neither header through: it is not from a browser (a script holding the cookie)", async () => {
    const id = await pendingSession();
    expect((await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`)).status).toBe(200);
  });

  it("does not apply to API tokens, whatever the Origin", async () => {
    const id = await pendingSession();
    const res = await t.admin("POST", `/api/v1/sessions/${id}/stop`, { headers: { origin: FOREIGN } });
    expect(res.status).toBe(200);
    const ws = events({ authorization: `Bearer ${ADMIN_TOKEN}`, origin: FOREIGN });
    await ws.next((m) => m.type === "hello");
    ws.close();
  });

  it("still lets a foreign page read with the cookie (GET is not a change; the browser keeps the answer from it)", async () => {
    const res = await t.as({ cookie })("GET", "/api/v1/me", { headers: { origin: FOREIGN } });
    expect(res.status).toBe(200);
  });

  it("refuses a login posted from a foreign page (login CSRF) and sets no cookie", async () => {
    const body = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD };
    const foreign = await t.anon("POST", "/api/v1/auth/login", { body, headers: { origin: FOREIGN } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toContain(FOREIGN);
    expect(foreign.headers.getSetCookie()).toEqual([]);
    const mine = await t.anon("POST", "/api/v1/auth/login", { body, headers: { origin: own } });
    expect(mine.status).toBe(200);
  });
});

describe(`origins behind a reverse proxy (${process.env.STRAND_TEST_DB})`, () => {
  const forwarded = { "x-forwarded-proto": "https", "x-forwarded-host": "strand.example.com" };

  it("without STRAND_TRUST_PROXY the forwarded address is not the server's, and the refusal says what to set", async () => {
    const id = await pendingSession();
    const res = await t.as({ cookie })("POST", `/api/v1/sessions/${id}/stop`, {
      headers: { ...forwarded, origin: "https://strand.example.com" },
    });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain("STRAND_TRUST_PROXY=true");
  });

  it("with STRAND_TRUST_PROXY the server's own origin is the one the browser used", async () => {
    const proxied = await startTestServer({ STRAND_TRUST_PROXY: "true" });
    try {
      const c = await loginCookie(proxied.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      const created = await proxied.admin("POST", "/api/v1/sessions", { body: { name: "proxied" } });
      const stop = (origin: string) =>
        proxied.as({ cookie: c })("POST", `/api/v1/sessions/${created.body.id}/stop`, {
          headers: { ...forwarded, origin },
        });
      expect((await stop(proxied.url)).status).toBe(403);
      expect((await stop("https://strand.example.com")).status).toBe(200);
    } finally {
      await proxied.stop();
    }
  });
});
