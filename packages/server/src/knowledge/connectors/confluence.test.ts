import { afterEach, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "../../../../../test/fixtures/confluence/server.js";
import { ConnectorError, type SourceDocument, type SyncSink } from "../types.js";
import { createConnector, splitSecrets } from "./index.js";

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

describe.each(["cloud", "datacenter"] as const)("Confluence connector (%s)", (deployment) => {
  let wiki: FakeConfluence;
  afterEach(() => wiki?.close());

  async function setup(spaces = ["ENG"]) {
    wiki = await startFakeConfluence({
      deployment,
      email: "bot@example.com",
      apiToken: "tok",
      personalAccessToken: "pat",
      spaces: ["ENG", "OPS"],
    });
    const input =
      deployment === "cloud"
        ? { site_url: wiki.url, deployment, email: "bot@example.com", api_token: "tok", spaces }
        : { site_url: wiki.url, deployment, personal_access_token: "pat", spaces };
    const { config, secrets } = splitSecrets("confluence", input);
    return {
      config,
      connector: createConnector("confluence", config, secrets, { pageSize: 2, maxRetryWaitMs: 5_000 }),
    };
  }

  function seed() {
    wiki.put({ id: "1", title: "Runbooks", body: "<p>All runbooks.</p>", when: at(10) });
    wiki.put({
      id: "2",
      title: "Database",
      parentId: "1",
      body: "<h1>Failover</h1><p>Promote the replica with <code>pg_ctl promote</code>.</p><h2>Checks</h2><ul><li>Lag &lt; 1 s</li><li>WAL shipped</li></ul>",
      when: at(20),
      comments: [
        { id: "c1", author: "Ann", body: '<p>Also see <ac:link><ri:page ri:content-title="Backups" /></ac:link>.</p>' },
      ],
    });
    wiki.put({
      id: "3",
      title: "Backups",
      parentId: "1",
      body: '<h2>Nightly</h2><ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[pg_dump -Fc app > app.dump]]></ac:plain-text-body></ac:structured-macro>',
      when: at(30),
    });
    wiki.put({ id: "4", title: "Deploys", parentId: "1", body: "<p>Ship on Tuesdays.</p>", when: at(40) });
    wiki.put({ id: "9", title: "Elsewhere", space: "OPS", body: "<p>other space</p>", when: at(5) });
  }

  it("a full sync delivers the space's pages with ancestors, headings and comments", async () => {
    const { connector } = await setup();
    seed();
    const s = recordingSink();
    const cursor = await connector.sync(null, s.sink);
    expect([...s.docs.keys()].sort()).toEqual(["1", "2", "3", "4"]);
    const db = s.docs.get("2");
    expect(db?.title).toBe("Runbooks › Database");
    expect(db?.metadata).toMatchObject({ page_title: "Database", ancestors: ["Runbooks"], space: "ENG", version: 1 });
    expect(db?.format).toBe("confluence_page");
    expect(db?.url).toBe(
      deployment === "cloud"
        ? `${wiki.url}/wiki/spaces/ENG/pages/2/Database`
        : `${wiki.url}/pages/viewpage.action?pageId=2`,
    );
    expect(db?.sections).toEqual([
      { headings: ["Failover"], text: "Promote the replica with pg_ctl promote." },
      { headings: ["Failover", "Checks"], text: "- Lag < 1 s\n- WAL shipped" },
      { headings: [], label: "comment 1 by Ann", text: "Also see Backups." },
    ]);
    expect(s.docs.get("3")?.sections).toEqual([{ headings: ["Nightly"], text: "pg_dump -Fc app > app.dump" }]);
    expect(cursor).toEqual({ since: at(40).toISOString() });
  });

  it("an incremental sync picks up the edited page and not the others, and detects a deletion", async () => {
    const { connector } = await setup();
    seed();
    const first = recordingSink();
    const cursor = await connector.sync(null, first.sink);
    wiki.update("3", { body: "<p>Hourly now.</p>" }, at(90));
    wiki.remove("1");
    const second = recordingSink();
    for (const [k, d] of first.docs) second.docs.set(k, d);
    await connector.sync(cursor, second.sink);
    // Page 4 is the last change seen, inside the overlap window; the indexer's hash skips it.
    expect(second.upserts).toEqual(["4", "3"]);
    expect(second.docs.get("3")?.sections).toEqual([{ headings: [], text: "Hourly now." }]);
    expect(second.present()?.sort()).toEqual(["2", "3", "4"]);
    expect(second.docs.has("1")).toBe(false);
    const cql = wiki.requests.filter((r) => r.path.endsWith("/content/search")).map((r) => r.query.get("cql"));
    expect(cql).toContain(
      `space in ("ENG") and type = page and lastmodified >= "2026/03/01 10:35" order by lastmodified asc`,
    );
  });

  it("resumes from the checkpointed cursor after an interrupted sync", async () => {
    const { connector } = await setup();
    for (let i = 1; i <= 7; i++)
      wiki.put({ id: String(i), title: `Page ${i}`, body: `<p>text ${i}</p>`, when: at(i * 10) });
    const abort = new AbortController();
    const first = recordingSink((n) => {
      if (n === 2) abort.abort(new Error("server restart"));
    });
    await expect(connector.sync(null, first.sink, abort.signal)).rejects.toThrow("server restart");
    const resumed = recordingSink();
    await connector.sync(first.checkpoints.at(-1) ?? null, resumed.sink);
    expect([...new Set([...first.upserts, ...resumed.upserts])].sort()).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(resumed.upserts).not.toContain("1");
  });

  it("honours 429 Retry-After given as an HTTP date", async () => {
    const { connector } = await setup();
    seed();
    wiki.fault({ status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString(), pathIncludes: "/content/search" });
    const s = recordingSink();
    await connector.sync(null, s.sink);
    expect(s.docs.size).toBe(4);
    const searches = wiki.requests.filter((r) => r.path.endsWith("/content/search"));
    expect(searches[0]?.status).toBe(429);
    // An HTTP date has whole seconds: at least one full second passed before the retry.
    expect((searches[1]?.at ?? 0) - (searches[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("wrong credentials and a missing space fail Test connection clearly", async () => {
    const { config, connector } = await setup(["ENG", "NOPE"]);
    seed();
    const wrong = createConnector(
      "confluence",
      config,
      deployment === "cloud" ? { api_token: "bad" } : { personal_access_token: "bad" },
    );
    const auth = await wrong.test().catch((e) => e);
    expect(auth).toBeInstanceOf(ConnectorError);
    expect(auth.reason).toBe("auth");
    expect(auth.message).toContain(deployment === "cloud" ? "the email and API token" : "the personal access token");
    const space = await connector.test().catch((e) => e);
    expect(space.reason).toBe("not_found");
    expect(space.message).toContain("space NOPE was not found");
  });

  it("a garbage answer mid-sync is a clear bad_response", async () => {
    const { connector } = await setup();
    seed();
    wiki.fault({ status: 200, body: "<!doctype html><title>Maintenance</title>", pathIncludes: "/child/comment" });
    const err = await connector.sync(null, recordingSink().sink).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.reason).toBe("bad_response");
    expect(err.message).toMatch(/not JSON/);
  });
});
