import type { LookupAddress } from "node:dns";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callUpstream, createUpstreamAgent } from "../proxy/upstream.js";
import { NetworkGuard, type Resolver } from "./network-guard.js";
import { parseNetworkPolicy } from "./network-policy.js";

/** A DNS stand-in: each name answers the next of its answers (the last one repeats). */
function fakeDns(answers: Record<string, string[][]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = async (host: string): Promise<LookupAddress[]> => {
    asked.push(host);
    const list = answers[host];
    if (!list?.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    const next = list.length > 1 ? (list.shift() as string[]) : (list[0] as string[]);
    return next.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolver, { asked });
}

const guard = (setting: string[], dns: Resolver) => new NetworkGuard(parseNetworkPolicy(setting), dns);

describe("NetworkGuard.checkBaseUrl (provider create and update)", () => {
  it("refuses an IP literal in a refused range without asking DNS", async () => {
    const dns = fakeDns({});
    const g = guard(["loopback"], dns);
    expect(await g.checkBaseUrl("http://169.254.169.254/latest")).toMatch(
      /^169\.254\.169\.254 is in 169\.254\.0\.0\/16, the link-local range .*never lets a provider reach$/,
    );
    expect(await g.checkBaseUrl("http://[::ffff:169.254.169.254]:8080")).toMatch(/^::ffff:a9fe:a9fe is in 169.254/);
    expect(await g.checkBaseUrl("http://[fd00:ec2::254]")).toMatch(/AWS metadata/);
    expect(await g.checkBaseUrl("http://127.0.0.1:11434")).toBeUndefined();
    expect(dns.asked).toEqual([]);
  });

  it("refuses a name that resolves to a refused address, naming the address", async () => {
    const g = guard(["loopback"], fakeDns({ "metadata.test": [["169.254.169.254"]], "lan.test": [["10.0.0.7"]] }));
    expect(await g.checkBaseUrl("https://metadata.test/v1")).toMatch(
      /^metadata\.test resolves to 169\.254\.169\.254, and 169\.254\.169\.254 is in 169\.254\.0\.0\/16/,
    );
    expect(await g.checkBaseUrl("https://lan.test/v1")).toMatch(
      /^lan\.test resolves to 10\.0\.0\.7, .*=loopback does not allow; an admin can allow it by adding private/,
    );
  });

  it("refuses a name with any refused address among its answers", async () => {
    const g = guard(["loopback"], fakeDns({ "mixed.test": [["93.184.216.34", "10.0.0.7"]] }));
    expect(await g.checkBaseUrl("https://mixed.test")).toMatch(/resolves to 10\.0\.0\.7/);
  });

  it("lets public names through, and names that do not resolve yet (connecting is checked anyway)", async () => {
    const g = guard(["none"], fakeDns({ "api.example.test": [["93.184.216.34", "2606:2800:220:1::1"]] }));
    expect(await g.checkBaseUrl("https://api.example.test/v1")).toBeUndefined();
    expect(await g.checkBaseUrl("https://nowhere.test/v1")).toBeUndefined();
  });

  it("does not wait long for a slow DNS", async () => {
    const g = new NetworkGuard(parseNetworkPolicy(["loopback"]), () => new Promise(() => {}), 50);
    expect(await g.checkBaseUrl("https://slow.test")).toBeUndefined();
  });
});

describe("NetworkGuard at connect time (the provider Agent)", () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  const retry = { attempts: 3, budgetMs: 100, baseDelayMs: 1 };
  const get = (g: NetworkGuard, url: string) =>
    callUpstream(createUpstreamAgent(g), { url, method: "GET", headers: {} }, retry);

  it("connects to an allowed address and remembers the host is non-public", async () => {
    const g = guard(["loopback"], fakeDns({ "provider.test": [["127.0.0.1"]] }));
    expect(g.reachedNonPublic(`http://provider.test:${port}`)).toBe(false);
    const r = await get(g, `http://provider.test:${port}/v1/models`);
    expect(r.ok).toBe(true);
    expect(g.reachedNonPublic(`http://provider.test:${port}`)).toBe(true);
    expect(g.reachedNonPublic(`http://127.0.0.1:${port}`)).toBe(true);
    expect(g.reachedNonPublic("https://93.184.216.34")).toBe(false);
  });

  it("refuses a name that passed when saved but resolves to a refused address later (DNS rebinding)", async () => {
    const dns = fakeDns({ "rebind.test": [["93.184.216.34"], ["127.0.0.1"]] });
    const g = guard(["none"], dns);
    expect(await g.checkBaseUrl(`http://rebind.test:${port}`)).toBeUndefined();
    const before = hits;
    const r = await get(g, `http://rebind.test:${port}/v1/models`);
    expect(r).toMatchObject({ ok: false, kind: "refused", attempts: 1 });
    expect((r as { message: string }).message).toMatch(
      /^rebind\.test resolves to 127\.0\.0\.1, and 127\.0\.0\.1 is in 127\.0\.0\.0\/8, the loopback range, .*=none/,
    );
    expect(hits).toBe(before); // the request never left
  });

  it("refuses an IP literal the policy does not allow, though net.connect skips the lookup for it", async () => {
    const before = hits;
    const r = await get(guard(["none"], fakeDns({})), `http://127.0.0.1:${port}/v1/models`);
    expect(r).toMatchObject({ ok: false, kind: "refused", attempts: 1 });
    expect(hits).toBe(before);
    for (const literal of ["[::1]", "[::ffff:127.0.0.1]", "169.254.169.254"]) {
      const v6 = await get(guard(["none"], fakeDns({})), `http://${literal}:${port}/v1/models`);
      expect(v6, literal).toMatchObject({ ok: false, kind: "refused", attempts: 1 });
    }
  });

  it("refuses a stored provider once the policy is stricter (same data, new server)", async () => {
    const dns = fakeDns({ "ollama.test": [["127.0.0.1"]] });
    expect((await get(guard(["loopback"], dns), `http://ollama.test:${port}/api/tags`)).ok).toBe(true);
    expect(await get(guard(["private"], dns), `http://ollama.test:${port}/api/tags`)).toMatchObject({
      kind: "refused",
    });
  });

  it("uses only the allowed addresses of a name that has refused ones too", async () => {
    const g = guard(["loopback"], fakeDns({ "mixed.test": [["169.254.169.254", "10.0.0.7", "127.0.0.1"]] }));
    const r = await get(g, `http://mixed.test:${port}/`);
    expect(r.ok).toBe(true);
  });

  it("leaves DNS failures to be what they are: unreachable, retried", async () => {
    const dns = fakeDns({});
    const r = await get(guard(["loopback"], dns), `http://gone.test:${port}/`);
    expect(r).toMatchObject({ ok: false, kind: "unreachable", attempts: 3 });
    expect((r as { message: string }).message).toContain("ENOTFOUND");
  });
});
