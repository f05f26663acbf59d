import { describe, expect, it } from "vitest";
import { StrandClient } from "./client.js";
import { StrandApiError, StrandConnectionError } from "./errors.js";

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records each request and answers from `answer`, so the URLs the client builds are visible. */
function fakeServer(answer: (req: Sent) => Response = () => Response.json({})) {
  const sent: Sent[] = [];
  const fetch = async (url: string | URL | Request, init: RequestInit = {}) => {
    const req: Sent = {
      method: init.method ?? "GET",
      url: String(url),
      headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    sent.push(req);
    return answer(req);
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

describe("StrandClient", () => {
  it("calls each route at its table path, params URL-encoded, with the token", async () => {
    const s = fakeServer();
    const client = new StrandClient({ baseUrl: "http://strand.test/", token: "strand_t", fetch: s.fetch });
    await client.getSession("ses/1");
    await client.revokeToken("tok 2");
    await client.providers.models("prv_3");
    await client.stopSession("ses_4");
    expect(s.sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET http://strand.test/api/v1/sessions/ses%2F1",
      "DELETE http://strand.test/api/v1/tokens/tok%202",
      "GET http://strand.test/api/v1/providers/prv_3/models",
      "POST http://strand.test/api/v1/sessions/ses_4/stop",
    ]);
    expect(s.sent[0]?.headers.authorization).toBe("Bearer strand_t");
    // No body, so no JSON content type the server would then insist on.
    expect(s.sent[3]?.headers["content-type"]).toBeUndefined();
  });

  it("reaches the pull request and upstream routes", async () => {
    const s = fakeServer();
    const client = new StrandClient({ baseUrl: "http://strand.test", token: "strand_t", fetch: s.fetch });
    await client.repos.update("app", "web", { host_kind: "gitea", host_token: null });
    await client.repos.fetch("app", "web");
    await client.repos.push("app", "web", ["main"]);
    await client.openPullRequest("ses_1", { title: "Fix" });
    await client.getPullRequest("ses_1");
    expect(s.sent.map((r) => [`${r.method} ${r.url}`, r.body])).toEqual([
      ["PATCH http://strand.test/api/v1/projects/app/repos/web", { host_kind: "gitea", host_token: null }],
      ["POST http://strand.test/api/v1/projects/app/repos/web/fetch", undefined],
      ["POST http://strand.test/api/v1/projects/app/repos/web/push", { branches: ["main"] }],
      ["POST http://strand.test/api/v1/sessions/ses_1/pull-request", { title: "Fix" }],
      ["GET http://strand.test/api/v1/sessions/ses_1/pull-request", undefined],
    ]);
  });

  it("reaches the task, spec, inbox and webhook routes, with their bodies and queries", async () => {
    const s = fakeServer(() => Response.json({ items: [] }));
    const client = new StrandClient({ baseUrl: "http://strand.test", token: "strand_t", fetch: s.fetch });
    await client.tasks.create("app", { title: "Add login", mode: "direct", labels: ["ui"] });
    await client.tasks.list("app", { state: "spec_review" });
    await client.tasks.get("tsk_1");
    await client.tasks.start("tsk_1");
    await client.tasks.approve("tsk_1");
    await client.tasks.requestChanges("tsk_1", "shorter, please");
    await client.tasks.requestChanges("tsk_1");
    await client.tasks.move("tsk_1", "backlog");
    await client.specs.diff("tsk_1", 1);
    await client.specs.comment("tsk_1", { document: "design", quote: "a cache", body: "why?" });
    await client.specs.resolve("tsk_1", "thr_1");
    await client.notifications.list({ unread: "true" });
    await client.notifications.read();
    await client.webhooks.create("app", { url: "https://hooks.test/x", secret: "s3cret-s3cret" });
    await client.webhooks.deliveries("app", "whk_1");
    expect(s.sent.map((r) => [`${r.method} ${r.url.replace("http://strand.test", "")}`, r.body])).toEqual([
      ["POST /api/v1/projects/app/tasks", { title: "Add login", mode: "direct", labels: ["ui"] }],
      ["GET /api/v1/projects/app/tasks?state=spec_review", undefined],
      ["GET /api/v1/tasks/tsk_1", undefined],
      ["POST /api/v1/tasks/tsk_1/start", undefined],
      ["POST /api/v1/tasks/tsk_1/approve", undefined],
      ["POST /api/v1/tasks/tsk_1/request-changes", { comments: "shorter, please" }],
      ["POST /api/v1/tasks/tsk_1/request-changes", {}],
      ["POST /api/v1/tasks/tsk_1/move", { column: "backlog" }],
      ["GET /api/v1/tasks/tsk_1/spec/diff?from=1", undefined],
      ["POST /api/v1/tasks/tsk_1/spec/threads", { document: "design", quote: "a cache", body: "why?" }],
      ["PATCH /api/v1/tasks/tsk_1/spec/threads/thr_1", { resolved: true }],
      ["GET /api/v1/notifications?unread=true", undefined],
      ["POST /api/v1/notifications/read", {}],
      ["POST /api/v1/projects/app/webhooks", { url: "https://hooks.test/x", secret: "s3cret-s3cret" }],
      ["GET /api/v1/projects/app/webhooks/whk_1/deliveries", undefined],
    ]);
  });

  it("searches with filters (kind as a list) and reads the index status", async () => {
    const s = fakeServer(() => Response.json({ results: [], next_cursor: null, mode: "keyword" }));
    const client = new StrandClient({ baseUrl: "http://strand.test", token: "strand_t", fetch: s.fetch });
    await client.search.query({ q: "ERR_CONN 4417", kind: ["text", "tool_call"], project_id: "app", limit: 5 });
    await client.search.query({ q: '"exact words"', kind: "user", cursor: "c2", session_id: undefined });
    await client.search.status();
    expect(s.sent.map((r) => `${r.method} ${r.url.replace("http://strand.test", "")}`)).toEqual([
      "GET /api/v1/search?q=ERR_CONN+4417&project_id=app&limit=5&kind=text%2Ctool_call",
      "GET /api/v1/search?q=%22exact+words%22&cursor=c2&kind=user",
      "GET /api/v1/search/status",
    ]);
  });

  it("sends the query without unset options, and follows cursors across pages", async () => {
    const s = fakeServer((req) =>
      Response.json(
        req.url.includes("cursor=c2")
          ? { items: [{ id: "b" }], next_cursor: null }
          : { items: [{ id: "a" }], next_cursor: "c2" },
      ),
    );
    const client = new StrandClient({ baseUrl: "http://strand.test", fetch: s.fetch });
    await client.listSessions({ state: "ready", cursor: undefined });
    const all = await client.listAllSessions({ limit: 2 });
    expect(all.map((x) => x.id)).toEqual(["a", "b"]);
    expect(s.sent.map((r) => r.url.replace("http://strand.test", ""))).toEqual([
      "/api/v1/sessions?state=ready",
      "/api/v1/sessions?limit=2",
      "/api/v1/sessions?limit=2&cursor=c2",
    ]);
  });

  it("posts a prompt as JSON with its request id", async () => {
    const s = fakeServer(() => Response.json({ id: "ent_1", kind: "user" }, { status: 201 }));
    const client = new StrandClient({ baseUrl: "http://strand.test", fetch: s.fetch });
    const entry = await client.sendMessage("ses_1", "hello", "req-1");
    expect(entry.id).toBe("ent_1");
    expect(s.sent[0]).toMatchObject({
      method: "POST",
      url: "http://strand.test/api/v1/sessions/ses_1/messages",
      headers: { "content-type": "application/json" },
      body: { request_id: "req-1", content: "hello" },
    });
  });

  it("keeps the login cookie for later calls, and answers null for 204", async () => {
    const s = fakeServer((req) => {
      if (req.url.endsWith("/auth/login")) {
        return Response.json(
          { user: { id: "usr_1" }, expires_at: "2026-01-01T00:00:00Z" },
          { headers: { "set-cookie": "strand_login=abc; Path=/; HttpOnly" } },
        );
      }
      return new Response(null, { status: 204 });
    });
    const client = new StrandClient({ baseUrl: "http://strand.test", fetch: s.fetch });
    const login = await client.login("ada@example.com", "correct horse");
    expect(login.user.id).toBe("usr_1");
    expect(await client.logout()).toBeNull();
    expect(s.sent[0]?.body).toEqual({ email: "ada@example.com", password: "correct horse" });
    expect(s.sent[1]).toMatchObject({
      url: "http://strand.test/api/v1/auth/logout",
      headers: { cookie: "strand_login=abc" },
    });
  });

  it("turns error answers into StrandApiError, and an unreachable server into StrandConnectionError", async () => {
    const s = fakeServer((req) =>
      req.url.endsWith("/sessions/gone")
        ? Response.json({ error: "not_found", message: "no session gone" }, { status: 404 })
        : new Response("<html>bad gateway</html>", { status: 502 }),
    );
    const client = new StrandClient({ baseUrl: "http://strand.test", fetch: s.fetch });
    const notFound = await client.getSession("gone").catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(StrandApiError);
    expect(notFound).toMatchObject({ status: 404, code: "not_found", message: "no session gone" });
    await expect(client.listNodes()).rejects.toThrow("GET /api/v1/nodes failed with HTTP 502");

    const down = new StrandClient({
      baseUrl: "http://127.0.0.1:1",
      fetch: async () => {
        throw new TypeError("fetch failed", { cause: "ECONNREFUSED" });
      },
    });
    const err = await down.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrandConnectionError);
    expect((err as Error).message).toBe("cannot reach the Strand server at http://127.0.0.1:1: ECONNREFUSED");
  });
});
