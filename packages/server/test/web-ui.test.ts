import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../test/support/server.js";

let t: TestServer;
let dir: string;
const html = { accept: "text/html,application/xhtml+xml" };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "strand-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Strand UI</title>");
  writeFileSync(join(dir, "assets", "app-1234.js"), "console.log('ui')");
  writeFileSync(join(dir, "assets", "app-1234.js.br"), brotliCompressSync("console.log('ui')"));
  t = await startTestServer({ STRAND_WEB_DIR: dir });
});
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`web UI serving (${process.env.STRAND_TEST_DB})`, () => {
  it("serves the built UI at / and its hashed assets with a long cache", async () => {
    const root = await t.anon("GET", "/", { headers: html });
    expect(root.status).toBe(200);
    expect(root.text).toContain("Strand UI");
    expect(root.headers.get("cache-control")).toBe("no-cache");
    const js = await t.anon("GET", "/assets/app-1234.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(js.headers.get("cache-control")).toContain("immutable");
  });

  it("sends the build's precompressed asset to a browser that takes it, and the plain one otherwise", async () => {
    const br = await t.anon("GET", "/assets/app-1234.js", { headers: { "accept-encoding": "br, gzip" } });
    expect(br.status).toBe(200);
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.text).toBe("console.log('ui')");
    const plain = await t.anon("GET", "/assets/app-1234.js", { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(plain.text).toBe("console.log('ui')");
  });

  it("answers client-side routes with index.html so a refresh on /sessions/:id works", async () => {
    const page = await t.anon("GET", "/sessions/ses_123?view_only=1", { headers: html });
    expect(page.status).toBe(200);
    expect(page.text).toContain("Strand UI");
  });

  it("never shadows the API, the LLM proxy, docs, health or metrics", async () => {
    for (const path of [
      "/api/v1/nothing-here",
      "/api/nothing",
      "/v1/messages-nope",
      "/healthz/x",
      "/metrics/x",
      "/docs/x",
    ]) {
      const res = await t.anon("GET", path, { headers: html });
      expect(res.status, path).toBe(404);
      expect(res.body.error, path).toBe("not_found");
    }
    expect((await t.anon("GET", "/healthz")).status).toBe(200);
    expect((await t.admin("GET", "/metrics")).status).toBe(200);
    expect((await t.admin("GET", "/api/v1/me")).body.email).toBe("admin@example.com");
    // Missing assets and non-page requests stay 404s rather than becoming HTML.
    expect((await t.anon("GET", "/assets/missing.js")).status).toBe(404);
    expect((await t.anon("POST", "/sessions/x", { headers: html })).status).toBe(404);
  });
});
