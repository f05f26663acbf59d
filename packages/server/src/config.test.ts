import { describe, expect, it } from "vitest";
import { ConfigError, publicUrlOf, resolveConfig } from "./config.js";

describe("resolveConfig", () => {
  it("has working defaults", () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({ port: 8080, host: "0.0.0.0", databaseUrl: undefined, secureCookies: false });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.loginTtlMs).toBe(336 * 3_600_000);
  });

  it("lets flags win over the environment", () => {
    const c = resolveConfig({ PORT: "9000", STRAND_DATA_DIR: "/env" }, { port: "7000", dataDir: "/flag" });
    expect(c.port).toBe(7000);
    expect(c.dataDir).toBe("/flag");
  });

  it("treats empty variables as unset", () => {
    expect(resolveConfig({ DATABASE_URL: "", STRAND_ADMIN_TOKEN: " " })).toMatchObject({
      databaseUrl: undefined,
      admin: { token: undefined },
    });
  });

  it.each([
    [{ PORT: "http" }, /port must be a whole number/],
    [{ PORT: "70000" }, /port must be a whole number/],
    [{ STRAND_SECURE_COOKIES: "sometimes" }, /STRAND_SECURE_COOKIES must be true or false/],
    [{ STRAND_BODY_LIMIT: "-1" }, /STRAND_BODY_LIMIT must be a positive number/],
    [{ STRAND_SECRET: "short" }, /STRAND_SECRET must be at least 16 characters/],
    [{ STRAND_PUBLIC_URL: "strand.example.com" }, /STRAND_PUBLIC_URL must be an absolute http\(s\) URL/],
    [{ STRAND_PUBLIC_URL: "ftp://strand.example.com" }, /STRAND_PUBLIC_URL must start with http/],
    [{ STRAND_WEBHOOK_RETRY_BASE_MS: "0" }, /STRAND_WEBHOOK_RETRY_BASE_MS must be a positive number/],
    [
      { STRAND_PROVIDER_PRIVATE_NETWORKS: "loopback,lan" },
      /STRAND_PROVIDER_PRIVATE_NETWORKS: "lan" is not a range.*Accepted: loopback, private/,
    ],
    [{ STRAND_PROVIDER_PRIVATE_NETWORKS: "10.0.0.0/33" }, /"10.0.0.0\/33" has a prefix length outside 0-32/],
    [{ STRAND_PROVIDER_PRIVATE_NETWORKS: "none,private" }, /"none" must stand alone/],
    [{ STRAND_PROVIDER_PRIVATE_NETWORKS: "169.254.169.254/32" }, /lies in 169.254.0.0\/16/],
  ])("rejects %j", (env, message) => {
    expect(() => resolveConfig(env)).toThrow(ConfigError);
    expect(() => resolveConfig(env)).toThrow(message);
  });

  it("lets providers reach loopback by default, and takes range names and CIDRs", () => {
    expect(resolveConfig({}).providerPrivateNetworks).toEqual(["loopback"]);
    expect(
      resolveConfig({ STRAND_PROVIDER_PRIVATE_NETWORKS: " private, 10.8.0.0/16 ,fd12:3456::/48, 192.0.2.7" })
        .providerPrivateNetworks,
    ).toEqual(["private", "10.8.0.0/16", "fd12:3456::/48", "192.0.2.7"]);
    expect(resolveConfig({ STRAND_PROVIDER_PRIVATE_NETWORKS: "none" }).providerPrivateNetworks).toEqual(["none"]);
  });

  it("links out of Strand with STRAND_PUBLIC_URL, else the first allowed origin, else the local address", () => {
    const local = "http://localhost:8080";
    expect(publicUrlOf(resolveConfig({ STRAND_PUBLIC_URL: "https://strand.example.com/" }), local)).toBe(
      "https://strand.example.com",
    );
    expect(publicUrlOf(resolveConfig({ STRAND_ALLOWED_ORIGINS: "https://a.example, https://b.example" }), local)).toBe(
      "https://a.example",
    );
    expect(publicUrlOf(resolveConfig({}), local)).toBe(local);
  });
});
