import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { eq, sql } from "drizzle-orm";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeJira } from "../../../test/fixtures/jira/server.js";
import { sessionToken } from "../../../test/support/agent-socket.js";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { events, knowledgeChunks, knowledgeSources, sessions } from "../src/db/schema.js";

let t: TestServer;
type Person = { call: Caller; id: string; token: string };
let owner: Person;
let viewer: Person;
let stranger: Person;
let teamId: string;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestServer();
  owner = await t.newUser("kowner@example.com");
  viewer = await t.newUser("kviewer@example.com");
  stranger = await t.newUser("kstranger@example.com");
  const team = await owner.call("POST", "/api/v1/teams", { body: { name: "Knowledge Team" } });
  expect(team.status, team.text).toBe(201);
  teamId = team.body.id;
  const added = await owner.call("POST", `/api/v1/teams/${teamId}/members`, {
    body: { email: "kviewer@example.com", role: "viewer" },
  });
  expect(added.status, added.text).toBe(201);
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await t?.stop();
});

const put = (call: Caller, sourceId: string, docId: string, body: Record<string, unknown>) =>
  call("PUT", `/api/v1/knowledge/${sourceId}/documents/${encodeURIComponent(docId)}`, { body });
const search = (call: Caller, query: Record<string, string>) =>
  call("GET", `/api/v1/search?${new URLSearchParams(query)}`);

async function apiSource(name: string, extra: Record<string, unknown> = { team_id: teamId }) {
  const res = await owner.call("POST", "/api/v1/knowledge", {
    body: { name, kind: "api", description: `${name} docs`, ...extra },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; state: string };
}

const chunkCount = async (sourceId: string) => {
  const [row] = await t.server.database.db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(knowledgeChunks)
    .where(eq(knowledgeChunks.sourceId, sourceId));
  return row?.n;
};

describe(`knowledge sources (${process.env.STRAND_TEST_DB})`, () => {
  it("indexes an uploaded Markdown file and a PDF, lists a file without text as an error, and finds them", async () => {
    const src = await owner.call("POST", "/api/v1/knowledge", {
      body: { name: "Uploads", kind: "files", team_id: teamId },
    });
    expect(src.status, src.text).toBe(201);
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    for (const line of ["The okapi valve opens clockwise.", "Page two mentions the quetzal gauge."]) {
      pdf.addPage().drawText(line, { x: 50, y: 700, size: 12, font });
    }
    const form = new FormData();
    form.append("file", new Blob(["# Setup\n\nInstall the marmot agent first.\n"]), "setup.md");
    form.append("file", new Blob([await pdf.save()]), "valves.pdf");
    form.append("file", new Blob(["   \n"]), "empty.txt");
    const res = await fetch(`${t.url}/api/v1/knowledge/${src.body.id}/files`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}` },
      body: form,
    });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    const byId = Object.fromEntries(body.documents.map((d: any) => [d.external_id, d]));
    expect(byId["setup.md"]).toMatchObject({ state: "ready", format: "markdown" });
    expect(byId["valves.pdf"]).toMatchObject({ state: "ready", format: "pdf" });
    expect(byId["empty.txt"]).toMatchObject({ state: "error", error: expect.stringMatching(/no text/) });
    expect(body.source).toMatchObject({ state: "ready", document_errors: 1 });
    const md = await search(owner.call, { q: "marmot", scope: "knowledge" });
    expect(md.body.results.map((r: any) => r.external_id)).toEqual(["setup.md"]);
    const page = await search(owner.call, { q: "quetzal", scope: "knowledge", source_id: src.body.id });
    expect(page.body.results[0]).toMatchObject({
      external_id: "valves.pdf",
      location: expect.stringMatching(/page 2/),
    });
  });

  it("syncs a Jira source from a Jira-shaped server, and its agent reads an issue live", async () => {
    const jira = await startFakeJira({ deployment: "cloud", email: "bot@example.com", apiToken: "tok-jira-live" });
    try {
      jira.put({
        key: "PROJ-1",
        summary: "Login fails with ERR_GNU_4417",
        description: "# Steps\nPress the login button.",
      });
      jira.put({ key: "PROJ-2", summary: "Dark mode", description: "Colours are off." });
      const wrong = await owner.call("POST", "/api/v1/knowledge/test", {
        body: {
          kind: "jira",
          config: {
            site_url: jira.url,
            deployment: "cloud",
            email: "bot@example.com",
            api_token: "nope",
            jql: "project = PROJ",
          },
        },
      });
      expect(wrong.status, wrong.text).toBe(200);
      expect(wrong.body.ok).toBe(false);
      expect(wrong.body.message).toMatch(/refused|401/);
      const created = await owner.call("POST", "/api/v1/knowledge", {
        body: {
          name: "PROJ issues",
          kind: "jira",
          team_id: teamId,
          config: {
            site_url: jira.url,
            deployment: "cloud",
            email: "bot@example.com",
            api_token: "tok-jira-live",
            jql: "project = PROJ",
          },
        },
      });
      expect(created.status, created.text).toBe(201);
      const ready = await until(
        async () => (await owner.call("GET", `/api/v1/knowledge/${created.body.id}`)).body,
        (b) => b.state === "ready" || b.state === "error",
        "the Jira source's first sync",
        60_000,
      );
      expect(ready).toMatchObject({ state: "ready", progress: { documents_total: 2 } });
      expect(ready.next_sync_at).toBeNull();
      const hit = await search(owner.call, { q: "ERR_GNU_4417", scope: "knowledge" });
      expect(hit.body.results[0]).toMatchObject({ external_id: "PROJ-1", source_kind: "jira" });
      expect(hit.body.results[0].url).toContain("PROJ-1");
      // A replica that died mid-sync leaves its lease and cursor: the next runner takes the stale
      // lease over and carries on from the cursor, finding what changed since.
      const db = t.server.database.db;
      const chunksBefore = await chunkCount(created.body.id);
      const [before] = await db.select().from(knowledgeSources).where(eq(knowledgeSources.id, created.body.id));
      expect(before?.syncCursor).not.toBeNull();
      await db
        .update(knowledgeSources)
        .set({ state: "syncing", syncOwner: "replica-that-died", syncHeartbeatAt: new Date(Date.now() - 3_600_000) })
        .where(eq(knowledgeSources.id, created.body.id));
      jira.put({ key: "PROJ-3", summary: "Export times out", description: "The wapiti export hangs." });
      await owner.call("POST", `/api/v1/knowledge/${created.body.id}/sync`);
      const resumed = await until(
        async () => (await db.select().from(knowledgeSources).where(eq(knowledgeSources.id, created.body.id)))[0],
        (r) => r?.syncOwner === null && r.state !== "syncing",
        "the stale sync to be taken over",
        60_000,
      );
      expect(resumed?.state).toBe("ready");
      const wapiti = await search(owner.call, { q: "wapiti", scope: "knowledge" });
      expect(wapiti.body.results.map((r: any) => r.external_id)).toEqual(["PROJ-3"]);
      // Nothing indexed twice: only PROJ-3's chunks were added.
      const proj3 = await owner.call("GET", `/api/v1/knowledge/${created.body.id}/documents/PROJ-3`);
      expect(await chunkCount(created.body.id)).toBe((chunksBefore ?? 0) + proj3.body.chunk_count);
      const tested = await owner.call("POST", `/api/v1/knowledge/${created.body.id}/test`);
      expect(tested.body.ok, tested.text).toBe(true);

      const session = await owner.call("POST", "/api/v1/sessions", { body: { name: "jira", team_id: teamId } });
      const token = await sessionToken(t.server.database.db, owner.id, session.body.id);
      const client = new Client({ name: "jira-test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      clients.push(client);
      const issue = await client.callTool({ name: "get_issue", arguments: { key: "PROJ-2" } });
      expect(issue.isError, JSON.stringify(issue.content)).toBeFalsy();
      expect(JSON.stringify(issue.structuredContent)).toContain("Dark mode");
      const missing = await client.callTool({ name: "get_issue", arguments: { key: "PROJ-99" } });
      expect(missing.isError).toBe(true);
      const commented = await client.callTool({
        name: "comment_on_issue",
        arguments: { key: "PROJ-2", body: "Fixed in #12" },
      });
      expect(commented.isError, JSON.stringify(commented.content)).toBeFalsy();
      expect(JSON.stringify(jira.posted)).toContain("Fixed in #12");
    } finally {
      await jira.close();
    }
  });

  it("refuses bad input with 400 naming the field, and never returns or records a secret", async () => {
    const none = await owner.call("POST", "/api/v1/knowledge", { body: { name: "x", kind: "api" } });
    expect(none.status).toBe(400);
    expect(none.text).toMatch(/team_id/);
    const kind = await owner.call("POST", "/api/v1/knowledge", { body: { name: "x", kind: "ftp", team_id: teamId } });
    expect(kind.status).toBe(400);
    expect(kind.text).toMatch(/kind/);
    const url = await owner.call("POST", "/api/v1/knowledge", {
      body: { name: "jira", kind: "jira", team_id: teamId, config: { site_url: "not a url", api_token: "t" } },
    });
    expect(url.status).toBe(400);
    expect(url.text).toMatch(/config\.site_url/);
    const schedule = await owner.call("POST", "/api/v1/knowledge", {
      body: { name: "x", kind: "api", team_id: teamId, schedule: "often" },
    });
    expect(schedule.status).toBe(400);
    expect(schedule.text).toMatch(/schedule/);

    const secret = "jira-secret-token-4417";
    const jira = await owner.call("POST", "/api/v1/knowledge", {
      body: {
        name: "Tickets",
        kind: "jira",
        team_id: teamId,
        schedule: "6h",
        config: {
          site_url: "https://jira.example.test",
          deployment: "cloud",
          email: "a@example.com",
          api_token: secret,
          jql: "project = X",
        },
      },
    });
    expect(jira.status, jira.text).toBe(201);
    expect(jira.body).toMatchObject({ kind: "jira", credentials_set: true, schedule: "6h" });
    expect(jira.body.config).not.toHaveProperty("api_token");
    expect(jira.body.config).toMatchObject({
      site_url: "https://jira.example.test",
      email: "a@example.com",
      jql: "project = X",
    });
    const renamed = await owner.call("PATCH", `/api/v1/knowledge/${jira.body.id}`, {
      body: {
        name: "Jira tickets",
        config: {
          site_url: "https://jira2.example.test",
          deployment: "cloud",
          email: "a@example.com",
          jql: "project = X",
        },
      },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.credentials_set).toBe(true);
    const list = await owner.call("GET", `/api/v1/knowledge?team_id=${teamId}`);
    const got = await owner.call("GET", `/api/v1/knowledge/${jira.body.id}`);
    for (const text of [jira.text, renamed.text, list.text, got.text]) expect(text).not.toContain(secret);
    const stored = await t.server.database.db.select().from(knowledgeSources);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const recorded = await t.server.database.db.select({ p: events.payload }).from(events);
    expect(JSON.stringify(recorded)).not.toContain(secret);
    const dup = await owner.call("POST", "/api/v1/knowledge", {
      body: { name: "jira TICKETS", kind: "api", team_id: teamId },
    });
    expect(dup.status).toBe(409);
  });

  it("indexes pushed documents, replaces a changed one's chunks instead of doubling them, and removes them", async () => {
    const src = await apiSource("Runbooks");
    expect(src.state).toBe("ready");
    const text = "# Deploy\n\nRun the wombat deploy script.\n\n## Rollback\n\nUse the pangolin switch to roll back.";
    const first = await put(owner.call, src.id, "runbooks/deploy.md", {
      title: "Deploy runbook",
      url: "https://wiki.example.test/deploy",
      text,
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ external_id: "runbooks/deploy.md", state: "ready", chunk_count: 2 });
    const again = await put(owner.call, src.id, "runbooks/deploy.md", {
      title: "Deploy runbook",
      url: "https://wiki.example.test/deploy",
      text,
    });
    expect(again.body.updated_at).toBe(first.body.updated_at);
    expect(await chunkCount(src.id)).toBe(2);

    const hit = await search(owner.call, { q: "pangolin", scope: "knowledge" });
    expect(hit.status, hit.text).toBe(200);
    expect(hit.body.results).toHaveLength(1);
    expect(hit.body.results[0]).toMatchObject({
      type: "knowledge",
      source_id: src.id,
      source_name: "Runbooks",
      source_kind: "api",
      external_id: "runbooks/deploy.md",
      document_title: "Deploy runbook",
      location: "Deploy › Rollback",
      url: "https://wiki.example.test/deploy",
      chunk_seq: 1,
      team_id: teamId,
    });
    const h = hit.body.results[0];
    expect(h.highlights.map((x: { start: number; end: number }) => h.snippet.slice(x.start, x.end))).toContain(
      "pangolin",
    );
    // The default scope is history: old clients see no knowledge results.
    const history = await search(owner.call, { q: "pangolin" });
    expect(history.body.results).toEqual([]);

    const changed = await put(owner.call, src.id, "runbooks/deploy.md", {
      title: "Deploy runbook",
      text: "# Deploy\n\nThe capybara pipeline deploys now.",
    });
    expect(changed.body.chunk_count).toBe(1);
    expect(await chunkCount(src.id)).toBe(1);
    expect((await search(owner.call, { q: "pangolin", scope: "knowledge" })).body.results).toEqual([]);
    expect((await search(owner.call, { q: "capybara", scope: "all" })).body.results.map((r: any) => r.type)).toEqual([
      "knowledge",
    ]);
    const doc = await owner.call(
      "GET",
      `/api/v1/knowledge/${src.id}/documents/${encodeURIComponent("runbooks/deploy.md")}`,
    );
    expect(doc.status, doc.text).toBe(200);
    expect(doc.body.chunks).toHaveLength(1);
    expect(doc.body.chunks[0].text).toContain("capybara");

    const empty = await put(owner.call, src.id, "empty", { title: "Nothing", text: "   " });
    expect(empty.body).toMatchObject({ state: "error", error: expect.stringMatching(/no text/) });
    const source = await owner.call("GET", `/api/v1/knowledge/${src.id}`);
    expect(source.body).toMatchObject({ state: "ready", document_errors: 1 });
    expect(source.body.progress).toMatchObject({ documents_total: 2, chunks_total: 1 });
    const errors = await owner.call("GET", `/api/v1/knowledge/${src.id}/documents?state=error`);
    expect(errors.body.documents.map((d: any) => d.external_id)).toEqual(["empty"]);

    const gone = await owner.call(
      "DELETE",
      `/api/v1/knowledge/${src.id}/documents/${encodeURIComponent("runbooks/deploy.md")}`,
    );
    expect(gone.status, gone.text).toBe(200);
    expect(await chunkCount(src.id)).toBe(0);
    expect((await search(owner.call, { q: "capybara", scope: "knowledge" })).body.results).toEqual([]);
  });

  it("takes pushed documents only for kind api", async () => {
    const files = await owner.call("POST", "/api/v1/knowledge", {
      body: { name: "Manuals", kind: "files", team_id: teamId },
    });
    expect(files.status, files.text).toBe(201);
    const res = await put(owner.call, files.body.id, "a", { title: "A", text: "text" });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/kind api/);
  });

  it("scopes sources: a stranger sees nothing, a viewer searches but does not change", async () => {
    const src = await apiSource("Secret plans");
    await put(owner.call, src.id, "plan", { title: "Plan", text: "The axolotl launch is on Friday." });
    // A viewer finds it: this is the marker the stranger's empty answer is compared against.
    const seen = await search(viewer.call, { q: "axolotl", scope: "knowledge" });
    expect(seen.body.results.map((r: any) => r.source_id)).toEqual([src.id]);
    expect((await viewer.call("GET", `/api/v1/knowledge/${src.id}`)).status).toBe(200);
    const viewerPut = await put(viewer.call, src.id, "plan2", { title: "Plan 2", text: "mine" });
    expect(viewerPut.status).toBe(403);
    expect((await viewer.call("POST", `/api/v1/knowledge/${src.id}/sync`)).status).toBe(403);
    expect(
      (await viewer.call("POST", "/api/v1/knowledge", { body: { name: "v", kind: "api", team_id: teamId } })).status,
    ).toBe(403);

    expect((await search(stranger.call, { q: "axolotl", scope: "knowledge" })).body.results).toEqual([]);
    expect((await stranger.call("GET", "/api/v1/knowledge")).body.sources).toEqual([]);
    for (const [method, path] of [
      ["GET", `/api/v1/knowledge/${src.id}`],
      ["DELETE", `/api/v1/knowledge/${src.id}`],
      ["GET", `/api/v1/knowledge/${src.id}/documents`],
      ["GET", `/api/v1/knowledge/${src.id}/documents/plan`],
    ] as const) {
      const res = await stranger.call(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await put(stranger.call, src.id, "x", { title: "x", text: "x" })).status).toBe(404);
  });

  it("gives a session's agent search_knowledge and read_document over its team's and project's sources only", async () => {
    const project = await owner.call("POST", "/api/v1/projects", {
      body: { name: "Knowledge project", team_id: teamId },
    });
    expect(project.status, project.text).toBe(201);
    const other = await owner.call("POST", "/api/v1/projects", { body: { name: "Other project", team_id: teamId } });
    const mine = await apiSource("Project manual", { project_id: project.body.id });
    const theirs = await apiSource("Other manual", { project_id: other.body.id });
    const long = Array.from(
      { length: 6 },
      (_, i) => `## Part ${i}\n\n${i === 3 ? "The narwhal flag is NW-77." : `filler ${i}`}`,
    ).join("\n\n");
    await put(owner.call, mine.id, "manual", { title: "Manual", text: `# Manual\n\n${long}` });
    await put(owner.call, theirs.id, "manual", { title: "Other", text: "The narwhal flag elsewhere." });

    const session = await owner.call("POST", "/api/v1/sessions", {
      body: { name: "kn", team_id: teamId },
    });
    expect(session.status, session.text).toBe(201);
    // Sessions on a project need a repo to work on; the scope reads only the session's project_id.
    await t.server.database.db
      .update(sessions)
      .set({ projectId: project.body.id })
      .where(eq(sessions.id, session.body.id));
    const token = await sessionToken(t.server.database.db, owner.id, session.body.id);
    const client = new Client({ name: "kn-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    clients.push(client);
    const found = await client.callTool({ name: "search_knowledge", arguments: { query: "narwhal flag" } });
    const results = (found.structuredContent as { results: any[] }).results;
    expect(results.map((r) => r.source_id)).toEqual([mine.id]);
    expect(results[0].location).toBe("Manual › Part 3");
    const text = (found.content as { text: string }[])[0]?.text ?? "";
    expect(text).toContain("Project manual");

    const read = await client.callTool({
      name: "read_document",
      arguments: { chunk_id: results[0].chunk_id, before: 1, after: 1 },
    });
    const chunks = (read.structuredContent as { chunks: { seq: number; text: string }[] }).chunks;
    expect(chunks.map((c) => c.seq)).toEqual([
      results[0].chunk_seq - 1,
      results[0].chunk_seq,
      results[0].chunk_seq + 1,
    ]);
    expect(chunks[1]?.text).toContain("NW-77");

    const foreign = await client.callTool({
      name: "search_knowledge",
      arguments: { query: "narwhal", source: "Other manual" },
    });
    expect(foreign.isError).toBe(true);
    const [otherChunk] = await t.server.database.db
      .select({ id: knowledgeChunks.id })
      .from(knowledgeChunks)
      .where(eq(knowledgeChunks.sourceId, theirs.id));
    const readForeign = await client.callTool({ name: "read_document", arguments: { chunk_id: otherChunk?.id } });
    expect(readForeign.isError).toBe(true);
  });
});
