import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.js";
import { changesState, normaliseOrigin, parseAllowedOrigins, verdict } from "./origin-policy.js";

const req = (headers: Record<string, string>, opts: { method?: string; host?: string; protocol?: string } = {}) =>
  ({
    method: opts.method ?? "POST",
    host: opts.host ?? "strand.example.com:8080",
    protocol: opts.protocol ?? "http",
    headers,
  }) as unknown as FastifyRequest;

describe("origin policy", () => {
  it("normalises origins: scheme and host lower-cased, default port dropped", () => {
    expect(normaliseOrigin("HTTPS://Strand.Example.COM:443")).toBe("https://strand.example.com");
    expect(normaliseOrigin("http://strand.example.com:80")).toBe("http://strand.example.com");
    expect(normaliseOrigin("http://strand.example.com:8080")).toBe("http://strand.example.com:8080");
    expect(normaliseOrigin("http://[::1]:8080")).toBe("http://[::1]:8080");
  });

  it("has no origin for null, other schemes and junk", () => {
    for (const v of ["null", "file:///etc/passwd", "chrome-extension://abcdef", "", "strand.example.com", "*"]) {
      expect(normaliseOrigin(v), v).toBeUndefined();
    }
  });

  it("refuses STRAND_ALLOWED_ORIGINS entries that could never match, saying what an origin is", () => {
    expect(parseAllowedOrigins(["https://A.example.com/", "http://b.example.com:8080"])).toEqual([
      "https://a.example.com",
      "http://b.example.com:8080",
    ]);
    for (const bad of ["*", "a.example.com", "https://a.example.com/app", "null"]) {
      expect(() => parseAllowedOrigins([bad]), bad).toThrow(ConfigError);
      expect(() => parseAllowedOrigins([bad]), bad).toThrow(
        /STRAND_ALLOWED_ORIGINS.*https:\/\/strand\.example\.com|path/,
      );
    }
  });

  it("takes the server's own origin and listed ones, refuses the rest", () => {
    const allowed = new Set(["https://ui.example.com"]);
    expect(verdict(req({ origin: "http://strand.example.com:8080" }), allowed).allowed).toBe(true);
    expect(verdict(req({ origin: "HTTPS://UI.example.com:443" }), allowed).allowed).toBe(true);
    expect(verdict(req({ origin: "http://strand.example.com:9090" }), allowed)).toMatchObject({
      allowed: false,
      reason: "origin",
      own: "http://strand.example.com:8080",
    });
    expect(verdict(req({ origin: "null" }), allowed).allowed).toBe(false);
    // The server's own origin follows what the request was addressed to (X-Forwarded-* when trusted).
    const proxied = req({ origin: "https://strand.example.com" }, { host: "strand.example.com", protocol: "https" });
    expect(verdict(proxied, allowed).allowed).toBe(true);
  });

  it("without Origin goes by Sec-Fetch-Site, and lets requests with neither header pass", () => {
    const none = new Set<string>();
    expect(verdict(req({ "sec-fetch-site": "same-origin" }), none).allowed).toBe(true);
    expect(verdict(req({ "sec-fetch-site": "none" }), none).allowed).toBe(true);
    expect(verdict(req({ "sec-fetch-site": "same-site" }), none)).toMatchObject({
      allowed: false,
      reason: "fetch-site",
    });
    expect(verdict(req({ "sec-fetch-site": "cross-site" }), none).allowed).toBe(false);
    expect(verdict(req({}), none).allowed).toBe(true);
    // Origin wins over Sec-Fetch-Site.
    expect(verdict(req({ origin: "http://evil.example", "sec-fetch-site": "same-origin" }), none).allowed).toBe(false);
  });

  it("checks WebSocket upgrades and every method but GET and HEAD", () => {
    expect(changesState(req({}, { method: "POST" }))).toBe(true);
    expect(changesState(req({}, { method: "DELETE" }))).toBe(true);
    expect(changesState(req({}, { method: "GET" }))).toBe(false);
    expect(changesState(req({}, { method: "HEAD" }))).toBe(false);
    expect(changesState(req({ upgrade: "WebSocket" }, { method: "GET" }))).toBe(true);
  });
});
