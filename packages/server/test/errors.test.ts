import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../test/support/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ STRAND_BODY_LIMIT: "4096" });
});
afterAll(() => t?.stop());

function expectCleanError(
  res: { status: number; body: any; text: string; headers: Headers },
  status: number,
  error: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(expect.arrayContaining(["error", "message"]));
  expect(res.body.error).toBe(error);
  expect(res.body.message.length).toBeGreaterThan(10);
  // No stack traces or internals leak to clients.
  expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe(`bad input (${process.env.STRAND_TEST_DB})`, () => {
  it("malformed JSON is a 400 invalid_json", async () => {
    const res = await t.admin("POST", "/api/v1/sessions", {
      raw: '{"name": "x",',
      headers: { "content-type": "application/json" },
    });
    expectCleanError(res, 400, "invalid_json");
  });

  it("an empty JSON body is a 400 that says what to send", async () => {
    const res = await t.admin("POST", "/api/v1/sessions", { raw: "", headers: { "content-type": "application/json" } });
    expectCleanError(res, 400, "invalid_json");
  });

  it("a body that is JSON but not an object is a validation error", async () => {
    const res = await t.admin("POST", "/api/v1/sessions", {
      raw: "[1,2]",
      headers: { "content-type": "application/json" },
    });
    expectCleanError(res, 400, "validation_failed");
  });

  it("a non-JSON content type is a 415", async () => {
    const res = await t.admin("POST", "/api/v1/sessions", {
      raw: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectCleanError(res, 415, "unsupported_media_type");
    expect(res.body.message).toMatch(/application\/json/);
  });

  it("a body over the limit is a 413", async () => {
    const res = await t.admin("POST", "/api/v1/sessions", { body: { name: "x".repeat(10_000) } });
    expectCleanError(res, 413, "body_too_large");
    expect(res.body.message).toMatch(/4096 bytes/);
  });

  it("an unknown route is a JSON 404", async () => {
    const res = await t.admin("GET", "/api/v1/nope");
    expectCleanError(res, 404, "not_found");
  });

  it("an unknown session id is a 404 naming the id", async () => {
    const res = await t.admin("GET", "/api/v1/sessions/ses_unknown");
    expectCleanError(res, 404, "not_found");
    expect(res.body.message).toContain("ses_unknown");
  });

  it("an unknown query parameter is refused", async () => {
    const res = await t.admin("GET", "/api/v1/sessions?colour=blue");
    expectCleanError(res, 400, "validation_failed");
  });

  it("keeps serving after all of the above", async () => {
    expect((await t.anon("GET", "/healthz")).status).toBe(200);
    expect((await t.admin("GET", "/api/v1/sessions")).status).toBe(200);
  });
});
