import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkGuard } from "../providers/network-guard.js";
import { parseNetworkPolicy } from "../providers/network-policy.js";
import { callUpstream, createUpstreamAgent, parseRetryAfter } from "./upstream.js";

describe("parseRetryAfter", () => {
  it("reads seconds, HTTP dates and retry-after-ms", () => {
    expect(parseRetryAfter({ "retry-after": "2" })).toBe(2000);
    expect(parseRetryAfter({ "retry-after-ms": "150", "retry-after": "9" })).toBe(150);
    expect(parseRetryAfter({ "retry-after": new Date(10_000).toUTCString() }, 4_000)).toBe(6000);
    expect(parseRetryAfter({ "retry-after": "soon" })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
  });
});

describe("callUpstream", () => {
  let server: Server;
  let url: string;
  const statuses: number[] = [];
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      const status = statuses.shift() ?? 200;
      res.writeHead(status, status === 429 ? { "retry-after-ms": "10" } : {});
      res.end(status === 200 ? "ok" : `{"error":{"message":"s${status}"}}`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/x`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  const agent = createUpstreamAgent(new NetworkGuard(parseNetworkPolicy(["loopback"])));
  const policy = { attempts: 3, budgetMs: 1000, baseDelayMs: 5 };

  it("retries 429 and 5xx, then returns the success with its body unread", async () => {
    statuses.push(429, 502);
    hits = 0;
    const r = await callUpstream(agent, { url, method: "POST", headers: {}, body: "{}" }, policy);
    expect(r.ok).toBe(true);
    expect(r.attempts).toBe(3);
    expect(hits).toBe(3);
    if (r.ok) expect(await r.response.body.text()).toBe("ok");
  });

  it("does not retry a 400, and gives the last error after the attempts run out", async () => {
    statuses.push(400);
    const bad = await callUpstream(agent, { url, method: "POST", headers: {} }, policy);
    expect(bad).toMatchObject({
      ok: false,
      kind: "http",
      status: 400,
      attempts: 1,
      body: '{"error":{"message":"s400"}}',
    });
    statuses.push(500, 500, 500, 200);
    const down = await callUpstream(agent, { url, method: "POST", headers: {} }, policy);
    expect(down).toMatchObject({ ok: false, kind: "http", status: 500, attempts: 3 });
    statuses.length = 0;
  });

  it("stops early when the next wait would pass the budget", async () => {
    statuses.push(503, 200);
    const r = await callUpstream(
      agent,
      { url, method: "GET", headers: {} },
      { attempts: 3, budgetMs: 1, baseDelayMs: 50 },
    );
    expect(r).toMatchObject({ ok: false, status: 503, attempts: 1 });
    statuses.length = 0;
  });

  it("classifies a refused connection as unreachable and an aborted call as aborted", async () => {
    const refused = await callUpstream(agent, { url: "http://127.0.0.1:1/x", method: "GET", headers: {} }, policy);
    expect(refused).toMatchObject({ ok: false, kind: "unreachable", attempts: 3 });
    expect((refused as { message: string }).message).toContain("ECONNREFUSED");
    const ac = new AbortController();
    ac.abort();
    const aborted = await callUpstream(agent, { url, method: "GET", headers: {}, signal: ac.signal }, policy);
    expect(aborted).toMatchObject({ ok: false, kind: "aborted" });
  });
});
