import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionToken } from "../../../test/support/agent-socket.js";
import type { Caller } from "../../../test/support/http.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { revokeSessionTokens } from "../src/auth/api-tokens.js";

let t: TestServer;
let alice: { call: Caller; id: string; token: string };
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.newUser("alice@example.com");
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await t?.stop();
});

/** A session of `who` with prompts posted as `who`, and a token for its agent. */
async function sessionWith(who: Caller, ownerId: string, name: string, prompts: string[] = []) {
  const s = (await who("POST", "/api/v1/sessions", { body: { name } })).body;
  const entries = [];
  for (const [i, content] of prompts.entries()) {
    const res = await who("POST", `/api/v1/sessions/${s.id}/messages`, { body: { request_id: `r${i}`, content } });
    expect(res.status).toBe(201);
    entries.push(res.body);
  }
  return { id: s.id as string, entries, token: await sessionToken(t.server.database.db, ownerId, s.id) };
}

async function mcpClient(token: string): Promise<Client> {
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const textOf = (r: Awaited<ReturnType<Client["callTool"]>>) =>
  (r.content as { type: string; text: string }[]).map((c) => c.text).join("\n");

const adminId = async () => (await t.admin("GET", "/api/v1/me")).body.id as string;

describe(`Strand's MCP server (${process.env.STRAND_TEST_DB})`, () => {
  it("lists its tools to a session's agent, with their input schemas", async () => {
    const s = await sessionWith(t.admin, await adminId(), "lister");
    const client = await mcpClient(s.token);
    expect(client.getServerVersion()?.name).toBe("strand");
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toEqual([
      "search_history",
      "read_conversation",
      "search_knowledge",
      "read_document",
      "get_issue",
      "comment_on_issue",
    ]);
    const search = tools.find((x) => x.name === "search_history");
    expect(search?.inputSchema.required).toEqual(["query"]);
    expect(Object.keys(search?.inputSchema.properties ?? {})).toContain("since");
  });

  it("read_conversation returns the window around an entry of another session of the owner", async () => {
    const owner = await adminId();
    const earlier = await sessionWith(t.admin, owner, "earlier work", [
      "one: set up the repo",
      "two: the login test is flaky",
      "three: ERR_FLAKY_LOGIN_7731 fixed by raising the timeout",
      "four: write the changelog",
      "five: done",
    ]);
    const now = await sessionWith(t.admin, owner, "current work");
    const client = await mcpClient(now.token);
    const anchor = earlier.entries[2];
    const res = await client.callTool({
      name: "read_conversation",
      arguments: { session_id: earlier.id, entry_id: anchor.id, before: 1, after: 1 },
    });
    expect(res.isError).toBeFalsy();
    const text = textOf(res);
    expect(text).toContain('Session "earlier work"');
    expect(text).toContain("ERR_FLAKY_LOGIN_7731 fixed by raising the timeout");
    expect(text).toContain("two: the login test is flaky");
    expect(text).toContain("four: write the changelog");
    expect(text).not.toContain("one: set up the repo");
    expect(text).not.toContain("five: done");
    const structured = res.structuredContent as { entries: { id: string; seq: number; kind: string }[] };
    expect(structured.entries.map((e) => e.id)).toEqual([earlier.entries[1].id, anchor.id, earlier.entries[3].id]);
    expect(structured).toMatchObject({ anchor_entry_id: anchor.id, more_before: true, more_after: true });

    // Without entry_id: the newest entries.
    const tail = await client.callTool({ name: "read_conversation", arguments: { session_id: earlier.id, before: 1 } });
    expect((tail.structuredContent as { entries: { id: string }[] }).entries.map((e) => e.id)).toEqual([
      earlier.entries[3].id,
      earlier.entries[4].id,
    ]);
  });

  it("read_conversation does not read another person's session: it answers like a missing one", async () => {
    const theirs = await sessionWith(alice.call, alice.id, "alice's secret", ["alice's private plan"]);
    const mine = await sessionWith(t.admin, await adminId(), "mine");
    const client = await mcpClient(mine.token);
    const foreign = await client.callTool({ name: "read_conversation", arguments: { session_id: theirs.id } });
    const missing = await client.callTool({
      name: "read_conversation",
      arguments: { session_id: "ses_doesnotexist0000" },
    });
    expect(foreign.isError).toBe(true);
    expect(missing.isError).toBe(true);
    expect(textOf(foreign).replace(theirs.id, "X")).toBe(textOf(missing).replace("ses_doesnotexist0000", "X"));
    expect(textOf(foreign)).not.toContain("private plan");
    // Her own agent reads it.
    const hers = await mcpClient(theirs.token);
    const own = await hers.callTool({ name: "read_conversation", arguments: { session_id: theirs.id } });
    expect(textOf(own)).toContain("alice's private plan");
  });

  it("search_history finds the owner's earlier session and never another person's", async () => {
    const owner = await adminId();
    const marker = "ERR_TIMEOUT_LOGIN_5512";
    // Alice's entry first, and proven indexed: her own search finds it.
    const hers = await sessionWith(alice.call, alice.id, "alice's login work", [`${marker} seen in alice's tests`]);
    const aliceFinds = await until(
      () => alice.call("GET", `/api/v1/search?q=${marker}`),
      (r) => r.body.results?.length === 1,
      "alice's entry to be searchable",
      5_000,
    );
    expect(aliceFinds.body.results[0].session_id).toBe(hers.id);

    const earlier = await sessionWith(t.admin, owner, "login fix", [
      "the login test is flaky again",
      `${marker} fixed by raising the timeout`,
    ]);
    const now = await sessionWith(t.admin, owner, "today");
    const client = await mcpClient(now.token);
    const res = await until(
      () => client.callTool({ name: "search_history", arguments: { query: marker } }),
      (r) => (r.structuredContent as { results: unknown[] } | undefined)?.results?.length === 1,
      "the owner's entry to be found",
      5_000,
    );
    expect(res.isError).toBeFalsy();
    const [hit] = (res.structuredContent as { results: { session_id: string; entry_id: string; seq: number }[] })
      .results;
    expect(hit).toMatchObject({ session_id: earlier.id, entry_id: earlier.entries[1].id });
    const text = textOf(res);
    expect(text).toContain('session "login fix"');
    expect(text).toContain(`entry_id ${earlier.entries[1].id}`);
    expect(text).toMatch(/\*\*ERR_TIMEOUT_LOGIN_5512\*\* fixed by raising the/);
    expect(text).not.toContain("alice");

    // The result leads to read_conversation, which shows what came before.
    const around = await client.callTool({
      name: "read_conversation",
      arguments: { session_id: hit?.session_id, entry_id: hit?.entry_id, before: 1, after: 0 },
    });
    expect(textOf(around)).toContain("the login test is flaky again");

    // Alice's agent finds hers and not the owner's.
    const hersClient = await mcpClient(hers.token);
    const herRes = await hersClient.callTool({ name: "search_history", arguments: { query: marker } });
    expect(
      (herRes.structuredContent as { results: { session_id: string }[] }).results.map((r) => r.session_id),
    ).toEqual([hers.id]);
    const none = await client.callTool({ name: "search_history", arguments: { query: "nothing_like_this_9931" } });
    expect(textOf(none)).toMatch(/No earlier conversation entries match/);
  });

  it("bad tool input is a tool error naming the field, and the server keeps answering", async () => {
    const s = await sessionWith(t.admin, await adminId(), "bad input");
    const client = await mcpClient(s.token);
    const wrongType = await client.callTool({ name: "read_conversation", arguments: { session_id: 42 } });
    expect(wrongType.isError).toBe(true);
    expect(textOf(wrongType)).toMatch(/session_id/);
    const tooMany = await client.callTool({
      name: "read_conversation",
      arguments: { session_id: s.id, before: 500 },
    });
    expect(tooMany.isError).toBe(true);
    expect(textOf(tooMany)).toMatch(/before/);
    const noQuery = await client.callTool({ name: "search_history", arguments: {} });
    expect(noQuery.isError).toBe(true);
    expect(textOf(noQuery)).toMatch(/query/);
    const unknownEntry = await client.callTool({
      name: "read_conversation",
      arguments: { session_id: s.id, entry_id: "ent_nope" },
    });
    expect(textOf(unknownEntry)).toMatch(/entry "ent_nope" is not in session/);
    expect((await client.listTools()).tools).toHaveLength(6);
  });

  it("refuses a revoked session token with 401 and a clear reason, to raw HTTP and to an MCP client", async () => {
    const s = await sessionWith(t.admin, await adminId(), "to be stopped");
    const client = await mcpClient(s.token);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await revokeSessionTokens(t.server.database.db, s.id);

    const raw = await t.as({ token: s.token })("POST", "/mcp", {
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      headers: { accept: "application/json, text/event-stream" },
    });
    expect(raw.status).toBe(401);
    expect(raw.body.error).toBe("invalid_token");
    expect(raw.body.message).toMatch(new RegExp(`token of session ${s.id} was revoked`));
    // The client already connected gets the refusal on its next call, and a new one cannot connect.
    await expect(client.listTools()).rejects.toThrow(/401.*revoked|revoked/);
    await expect(mcpClient(s.token)).rejects.toThrow(/revoked/);
  });

  it("takes only session tokens: a person's API token, no token, or a malformed header answer 401", async () => {
    const init = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    };
    const headers = { accept: "application/json, text/event-stream" };
    const person = await t.as({ token: ADMIN_TOKEN })("POST", "/mcp", { body: init, headers });
    expect(person.status).toBe(401);
    expect(person.body.message).toMatch(/session token, not a person's API token/);
    await expect(mcpClient(alice.token)).rejects.toThrow(/not a person's API token/);
    const none = await t.anon("POST", "/mcp", { body: init, headers });
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/needs a session token/);
    const bogus = await t.as({ token: "strand_not_a_real_token" })("POST", "/mcp", { body: init, headers });
    expect(bogus.status).toBe(401);
    expect(bogus.body.message).toMatch(/not a Strand session token/);
    // With a good token, GET (a server stream) is not offered: 405, as a stateless MCP server answers.
    const s = await sessionWith(t.admin, await adminId(), "get");
    const get = await t.as({ token: s.token })("GET", "/mcp", { headers });
    expect(get.status).toBe(405);
  });

  it("refuses the token of a deleted session", async () => {
    const s = await sessionWith(t.admin, await adminId(), "to be deleted");
    expect((await t.admin("DELETE", `/api/v1/sessions/${s.id}`)).status).toBeLessThan(300);
    const res = await t.as({ token: s.token })("POST", "/mcp", {
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      headers: { accept: "application/json, text/event-stream" },
    });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/revoked|deleted/);
  });
});
