import { afterEach, describe, expect, it } from "vitest";
import { type FakeJira, startFakeJira } from "../../../../../test/fixtures/jira/server.js";
import { ConnectorError, type SourceDocument, type SyncSink } from "../types.js";
import { createConnector, splitSecrets } from "./index.js";

/** A sink that keeps what a sync delivered, as the indexer would. */
function recordingSink(onCheckpoint?: (n: number) => void) {
  const docs = new Map<string, SourceDocument>();
  const upserts: string[] = [];
  const checkpoints: Record<string, unknown>[] = [];
  let present: string[] | null = null;
  const sink: SyncSink = {
    async upsert(doc) {
      docs.set(doc.externalId, doc);
      upserts.push(doc.externalId);
    },
    async remove(ids) {
      for (const id of ids) docs.delete(id);
    },
    async present(ids) {
      present = ids;
      for (const id of [...docs.keys()]) if (!ids.includes(id)) docs.delete(id);
    },
    async checkpoint(c) {
      checkpoints.push(c);
      onCheckpoint?.(checkpoints.length);
    },
    async progress() {},
  };
  return { sink, docs, upserts, checkpoints, present: () => present };
}

const T0 = new Date("2026-03-01T10:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const deployments = ["cloud", "datacenter"] as const;

describe.each(deployments)("Jira connector (%s)", (deployment) => {
  let jira: FakeJira;
  afterEach(() => jira?.close());

  async function setup(extra: Partial<Parameters<typeof startFakeJira>[0]> = {}) {
    jira = await startFakeJira({
      deployment,
      email: "bot@example.com",
      apiToken: "tok-cloud",
      personalAccessToken: "pat-dc",
      ...extra,
    });
    const input =
      deployment === "cloud"
        ? { site_url: jira.url, deployment, email: "bot@example.com", api_token: "tok-cloud", jql: "project = PROJ" }
        : { site_url: jira.url, deployment, personal_access_token: "pat-dc", jql: "project = PROJ" };
    const { config, secrets } = splitSecrets("jira", input);
    return {
      config,
      secrets,
      connector: createConnector("jira", config, secrets, { pageSize: 3, maxRetryWaitMs: 5_000 }),
    };
  }

  function seed(n: number) {
    for (let i = 1; i <= n; i++) {
      jira.put({
        key: `PROJ-${i}`,
        summary: `Summary ${i}`,
        description: `# Steps\nDo thing ${i}.\n\n## Expected\nIt works ${i}.`,
        status: "In Progress",
        type: "Bug",
        priority: "High",
        created: at(0),
        // Ten minutes apart, wider than the overlap window, so a re-seen issue means a real re-read.
        updated: at(i * 10),
        comments: [{ id: `c${i}`, author: "Ann", body: `Looked at ${i}`, created: at(i) }],
      });
    }
    jira.put({ key: "OTHER-1", summary: "not in the filter", updated: at(1) });
  }

  it("splits the secrets from the stored config", async () => {
    const { config, secrets } = await setup();
    expect(JSON.stringify(config)).not.toMatch(/tok-cloud|pat-dc/);
    expect(Object.values(secrets)).toEqual([deployment === "cloud" ? "tok-cloud" : "pat-dc"]);
  });

  it("a full sync delivers every issue with its fields, description sections and comments", async () => {
    const { connector } = await setup();
    seed(7);
    jira.issues
      .get("PROJ-2")
      ?.comments.push(
        ...Array.from({ length: 25 }, (_, k) => ({ id: `x${k}`, author: "Bob", body: `extra ${k}`, created: at(2) })),
      );
    const s = recordingSink();
    const cursor = await connector.sync(null, s.sink);
    expect([...s.docs.keys()].sort()).toEqual(["PROJ-1", "PROJ-2", "PROJ-3", "PROJ-4", "PROJ-5", "PROJ-6", "PROJ-7"]);
    const doc = s.docs.get("PROJ-3");
    expect(doc?.title).toBe("PROJ-3: Summary 3");
    expect(doc?.url).toBe(`${jira.url}/browse/PROJ-3`);
    expect(doc?.format).toBe("jira_issue");
    expect(doc?.sections[0]?.text).toContain("Status: In Progress · Type: Bug · Priority: High");
    expect(doc?.sections).toContainEqual({ headings: ["Steps"], label: "description", text: "Do thing 3." });
    expect(doc?.sections).toContainEqual({
      headings: ["Steps", "Expected"],
      label: "description",
      text: "It works 3.",
    });
    expect(doc?.sections).toContainEqual({ headings: [], label: "comment 1 by Ann", text: "Looked at 3" });
    expect(doc?.updatedAt?.toISOString()).toBe(at(30).toISOString());
    // More comments than a search hit embeds: the rest were paged for.
    expect(s.docs.get("PROJ-2")?.metadata.comments).toBe(26);
    expect(s.docs.get("PROJ-2")?.sections.some((x) => x.label === "comment 26 by Bob" && x.text === "extra 24")).toBe(
      true,
    );
    expect(cursor).toEqual({ since: at(70).toISOString() });
    expect(s.checkpoints.length).toBeGreaterThanOrEqual(3);
  });

  it("an incremental sync picks up the change and not the unchanged, and detects a deletion", async () => {
    const { connector } = await setup();
    seed(6);
    const first = recordingSink();
    const cursor = await connector.sync(null, first.sink);
    jira.update("PROJ-2", { summary: "Changed two" }, at(100));
    jira.remove("PROJ-4");
    const second = recordingSink();
    for (const [k, d] of first.docs) second.docs.set(k, d);
    const next = await connector.sync(cursor, second.sink);
    // PROJ-6 (the last change seen) is inside the overlap window and comes again; the indexer's hash skips it.
    expect(second.upserts).toEqual(["PROJ-6", "PROJ-2"]);
    expect(second.docs.get("PROJ-2")?.title).toBe("PROJ-2: Changed two");
    expect(second.present()?.sort()).toEqual(["PROJ-1", "PROJ-2", "PROJ-3", "PROJ-5", "PROJ-6"]);
    expect(second.docs.has("PROJ-4")).toBe(false);
    expect(next).toEqual({ since: at(100).toISOString() });
    // The query asked from the last change minus the overlap window, to the minute.
    const search = jira.requests.filter((r) => r.path.includes("/search")).map((r) => r.query.get("jql") ?? "");
    expect(search).toContain(`(project = PROJ) AND updated >= "2026/03/01 10:55" ORDER BY updated ASC, key ASC`);
  });

  it("writes the incremental bound in the account's time zone, so a zone west of UTC misses nothing", async () => {
    const { connector } = await setup({ timeZone: "America/New_York" });
    seed(6);
    const cursor = await connector.sync(null, recordingSink().sink);
    jira.update("PROJ-2", { summary: "Changed two" }, at(100));
    const second = recordingSink();
    await connector.sync(cursor, second.sink);
    expect(second.upserts).toContain("PROJ-2");
    // 10:55 UTC on 1 March is 05:55 in New York (EST).
    const jql = jira.requests.filter((r) => r.path.includes("/search")).map((r) => r.query.get("jql") ?? "");
    expect(jql).toContain(`(project = PROJ) AND updated >= "2026/03/01 05:55" ORDER BY updated ASC, key ASC`);
  });

  it("resumes from the checkpointed cursor after an interrupted sync, missing nothing", async () => {
    const { connector } = await setup();
    seed(10);
    const abort = new AbortController();
    const first = recordingSink((n) => {
      if (n === 2) abort.abort(new Error("server restart"));
    });
    await expect(connector.sync(null, first.sink, abort.signal)).rejects.toThrow("server restart");
    expect(first.docs.size).toBeLessThan(10);
    const saved = first.checkpoints.at(-1) ?? null;
    expect(saved).toMatchObject({ in_progress: true });
    const resumed = recordingSink();
    await connector.sync(saved, resumed.sink);
    const all = new Set([...first.upserts, ...resumed.upserts]);
    expect([...all].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `PROJ-${i + 1}`).sort());
    // It did not start over: the first issues delivered before the interruption were not asked again.
    expect(resumed.upserts).not.toContain("PROJ-1");
  });

  it("honours 429 Retry-After before trying again", async () => {
    const { connector } = await setup();
    seed(2);
    jira.fault({ status: 429, retryAfter: "1", pathIncludes: "/search" });
    const s = recordingSink();
    await connector.sync(null, s.sink);
    expect(s.docs.size).toBe(2);
    const searches = jira.requests.filter((r) => r.path.includes("/search"));
    expect(searches[0]?.status).toBe(429);
    expect(searches[1]?.status).toBe(200);
    expect((searches[1]?.at ?? 0) - (searches[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("gives up with rate_limited when Retry-After asks for more than it will wait", async () => {
    const { connector } = await setup();
    jira.fault({ status: 429, retryAfter: "3600" });
    const err = await connector.sync(null, recordingSink().sink).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.reason).toBe("rate_limited");
    expect(err.message).toMatch(/rate limiting.*3600 s/);
  });

  it("wrong credentials fail Test connection with a message naming the credential", async () => {
    const { config } = await setup();
    const bad = createConnector(
      "jira",
      config,
      deployment === "cloud" ? { api_token: "wrong" } : { personal_access_token: "wrong" },
    );
    const err = await bad.test().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.reason).toBe("auth");
    expect(err.message).toContain(deployment === "cloud" ? "the email and API token" : "the personal access token");
    expect(err.message).toContain("You are not authenticated");
    expect(err.message).not.toContain("wrong");
  });

  it("Test connection with good credentials names the account", async () => {
    const { connector } = await setup();
    seed(2);
    const { message } = await connector.test();
    expect(message).toContain("as Test Bot");
  });

  it("a JQL mistake shows at Test connection with Jira's own message", async () => {
    const { config, secrets } = await setup();
    const bad = createConnector("jira", { ...config, jql: "projcet = PROJ" }, secrets);
    const err = await bad.test().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.reason).toBe("bad_response");
    expect(err.message).toMatch(/answered 400 .*Error in the JQL Query.*projcet = PROJ/);
  });

  it("a site that hangs is unreachable after the timeout, not a sync that never ends", async () => {
    const { config, secrets } = await setup();
    jira.fault({ status: 200, delayMs: 3_000, pathIncludes: "/myself" });
    const slow = createConnector("jira", config, secrets, { timeoutMs: 300 });
    const err = await slow.test().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.reason).toBe("unreachable");
    expect(err.message).toMatch(/did not answer GET \/rest\/api\/\d\/myself within 0.3 s/);
  });

  it("a garbage answer is a clear bad_response", async () => {
    const { connector } = await setup();
    jira.fault({ status: 200, body: "<html><body>Login to the corporate proxy</body></html>" });
    const err = await connector.test().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.reason).toBe("bad_response");
    expect(err.message).toMatch(/not JSON/);
  });

  it("getIssue answers the live issue and commentOnIssue posts a comment the site records", async () => {
    const { connector } = await setup();
    seed(1);
    const issue = await connector.getIssue("PROJ-1");
    expect(issue).toMatchObject({
      key: "PROJ-1",
      summary: "Summary 1",
      status: "In Progress",
      priority: "High",
      url: `${jira.url}/browse/PROJ-1`,
    });
    expect(issue.description).toContain("Do thing 1.");
    expect(issue.comments).toEqual([expect.objectContaining({ author: "Ann", body: "Looked at 1" })]);

    const posted = await connector.commentOnIssue("PROJ-1", "Fixed in abc123.\n\nSee the PR.");
    expect(posted.url).toBe(`${jira.url}/browse/PROJ-1?focusedCommentId=${posted.id}`);
    expect(jira.posted).toHaveLength(1);
    if (deployment === "cloud")
      expect(jira.posted[0]?.body).toMatchObject({
        type: "doc",
        content: [{ type: "paragraph" }, { type: "paragraph" }],
      });
    else expect(jira.posted[0]?.body).toBe("Fixed in abc123.\n\nSee the PR.");
    expect((await connector.getIssue("PROJ-1")).comments.at(-1)?.body).toContain("Fixed in abc123.");

    const missing = await connector.getIssue("PROJ-99").catch((e) => e);
    expect(missing.reason).toBe("not_found");
  });
});
