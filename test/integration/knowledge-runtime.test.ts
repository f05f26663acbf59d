import { join } from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, git, initWorkTree, makeTempDir } from "../../packages/server/src/git/test-kit.js";
import { type FakeConfluence, startFakeConfluence } from "../fixtures/confluence/server.js";
import { type FakeJira, startFakeJira } from "../fixtures/jira/server.js";
import { type ScriptedLlm, startScriptedLlm } from "../fixtures/llm/server.js";
import { addProvider } from "../support/llm.js";
import { ensureDesktopImage, startSandboxServer } from "../support/sandbox.js";
import { ADMIN_TOKEN } from "../support/server.js";
import { until } from "../support/wait.js";

/**
 * Issue 15's acceptance on real Docker: a project's knowledge (a Markdown file and a PDF uploaded,
 * a Jira source and a Confluence source on the local servers speaking their REST shapes) reaches
 * `ready`; then a real runtime in a real desktop on that project calls `search_knowledge` and
 * `get_issue` through Strand's `/mcp`, and the scripted model checks each tool's result reached it
 * before it answers with them. The Jira token stays on the server: the call is the server's.
 */

const KEY = "sk-knowledge-provider-41c9";
const DOC_MARKER = "KNOWLEDGE_RUNBOOK_5521";
const DOC_FACT = "restart the ingest worker with --drain";
const PDF_MARKER = "PDFMANUAL_8830";
const ISSUE_KEY = "OPS-7";
const ISSUE_SUMMARY = "Ingest worker stalls after failover";
const PAGE_MARKER = "CONFLUENCE_PAGE_3141";
const JIRA_PAT = "jira-pat-never-in-a-sandbox-77";
const PROMPT = `The ingest worker stalls again (${DOC_MARKER}). What does our runbook say, and what is ${ISSUE_KEY}?`;
const ANSWER = `The runbook says to ${DOC_FACT}; ${ISSUE_KEY} is "${ISSUE_SUMMARY}".`;
const MODEL = "claude-knowledge-1";

const CELLS = [
  { runtime: "strand-agent", search: "mcp__strand__search_knowledge", issue: "mcp__strand__get_issue" },
  { runtime: "claude-code", search: "mcp__strand__search_knowledge", issue: "mcp__strand__get_issue" },
];

interface Entry {
  id: string;
  kind: string;
  status: string;
  turn_id: string;
  content: { text?: string; title?: string };
}

const lastMessage = (body: any) => JSON.stringify((body.messages ?? []).at(-1) ?? "");
const isMainLoop = (body: any) =>
  Array.isArray(body.tools) &&
  body.tools.length > 0 &&
  (lastMessage(body).includes("tool_result") || lastMessage(body).includes(DOC_MARKER));

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let llm: ScriptedLlm;
let jira: FakeJira;
let confluence: FakeConfluence;
let projectId: string;
let cell: (typeof CELLS)[number];
let tmp: Awaited<ReturnType<typeof makeTempDir>> | undefined;
/** What the model saw after each tool call, for the assertions. */
const seen: { search?: string; issue?: string } = {};
let step = 0;

function scriptOn(body: any) {
  const last = lastMessage(body);
  if (step === 0) {
    step = 1;
    llm.push({ tool_calls: [{ name: cell.search, arguments: { query: DOC_MARKER } }] });
  } else if (step === 1) {
    seen.search = last;
    step = 2;
    llm.push({ tool_calls: [{ name: cell.issue, arguments: { key: ISSUE_KEY } }] });
  } else if (step === 2) {
    seen.issue = last;
    step = 3;
    llm.push({ text: ANSWER });
  }
}

async function pdfWith(text: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage([612, 792]).drawText(`Operations manual. ${text}`, { x: 40, y: 740, size: 12, font });
  pdf.addPage([612, 792]).drawText("Appendix: nothing else here.", { x: 40, y: 740, size: 12, font });
  return pdf.save();
}

async function ready(id: string) {
  return until(
    async () => (await s.admin("GET", `/api/v1/knowledge/${id}`)).body,
    (src) => src.state === "ready" || src.state === "error",
    `knowledge source ${id} to be ready`,
    60_000,
  );
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  llm = await startScriptedLlm([], [MODEL], {
    apiKey: KEY,
    onScript: (body) => {
      if (!isMainLoop(body)) return false;
      scriptOn(body);
      return true;
    },
  });
  await addProvider(s.admin, { name: "know", kind: "anthropic", base_url: llm.url, api_key: KEY });

  jira = await startFakeJira({ deployment: "datacenter", personalAccessToken: JIRA_PAT });
  jira.put({
    key: ISSUE_KEY,
    summary: ISSUE_SUMMARY,
    description: "After a database failover the ingest worker keeps its old connection.",
  });
  confluence = await startFakeConfluence({ deployment: "datacenter", personalAccessToken: JIRA_PAT, spaces: ["OPS"] });
  confluence.put({
    id: "9001",
    title: "Failover drill",
    space: "OPS",
    body: `<p>${PAGE_MARKER}: run the drill monthly.</p>`,
  });

  const project = await s.admin("POST", "/api/v1/projects", { body: { name: "ingest" } });
  expect(project.status, project.text).toBe(201);
  projectId = project.body.id;
  const repo = await s.admin("POST", `/api/v1/projects/${projectId}/repos`, { body: { name: "ingest" } });
  expect(repo.status, repo.text).toBe(201);
  // Sessions start from a commit: a first one pushed over Strand's git smart HTTP.
  tmp = await makeTempDir();
  const seed = join(tmp.path, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# ingest\n" }, "first commit");
  const push = new URL(repo.body.clone_url);
  push.username = "bench";
  push.password = ADMIN_TOKEN;
  await git(seed, "push", push.toString(), "HEAD:main");
}, 600_000);

afterAll(async () => {
  await tmp?.remove();
  await llm?.close();
  await jira?.close();
  await confluence?.close();
  await s?.stop();
}, 120_000);

describe("knowledge reaches the agents of a project, in real desktops", () => {
  it("uploads a Markdown file and a PDF, syncs Jira and Confluence: each source ready and searchable", async () => {
    const files = await s.admin("POST", "/api/v1/knowledge", {
      body: { name: "runbooks", kind: "files", project_id: projectId, description: "Operations runbooks" },
    });
    expect(files.status, files.text).toBe(201);
    const form = new FormData();
    form.append(
      "file",
      new Blob([`# Ingest worker\n\n## When it stalls\n\n${DOC_MARKER}: ${DOC_FACT}.\n`]),
      "runbook.md",
    );
    form.append("file", new Blob([await pdfWith(PDF_MARKER)], { type: "application/pdf" }), "manual.pdf");
    const up = await fetch(`${s.url}/api/v1/knowledge/${files.body.id}/files`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: form,
    });
    expect(up.status, await up.clone().text()).toBeLessThan(300);
    expect((await ready(files.body.id)).state).toBe("ready");

    const jiraSrc = await s.admin("POST", "/api/v1/knowledge", {
      body: {
        name: "ops jira",
        kind: "jira",
        project_id: projectId,
        description: "The OPS project's issues",
        config: { site_url: jira.url, deployment: "datacenter", jql: "project = OPS", personal_access_token: JIRA_PAT },
      },
    });
    expect(jiraSrc.status, jiraSrc.text).toBe(201);
    expect(JSON.stringify(jiraSrc.body)).not.toContain(JIRA_PAT);
    const confSrc = await s.admin("POST", "/api/v1/knowledge", {
      body: {
        name: "ops wiki",
        kind: "confluence",
        project_id: projectId,
        config: {
          site_url: confluence.url,
          deployment: "datacenter",
          spaces: ["OPS"],
          personal_access_token: JIRA_PAT,
        },
      },
    });
    expect(confSrc.status, confSrc.text).toBe(201);
    for (const src of [jiraSrc.body, confSrc.body]) {
      const sync = await s.admin("POST", `/api/v1/knowledge/${src.id}/sync`, { body: {} });
      expect(sync.status, sync.text).toBeLessThan(300);
      const done = await ready(src.id);
      expect(done.state, done.state_reason).toBe("ready");
    }

    for (const [q, title] of [
      [DOC_MARKER, "Ingest worker"],
      [PDF_MARKER, "manual"],
      [ISSUE_KEY, ISSUE_KEY],
      [PAGE_MARKER, "Failover drill"],
    ] as const) {
      const r = await s.admin("GET", `/api/v1/search?scope=knowledge&q=${encodeURIComponent(q)}`);
      expect(r.status, r.text).toBe(200);
      expect(
        r.body.results.map((x: { document_title: string }) => x.document_title).join(" | "),
        `a search for ${q}`,
      ).toContain(title);
    }
  });

  it.each(CELLS)(
    "$runtime calls search_knowledge and get_issue through /mcp and answers with what they returned",
    async (c) => {
      cell = c;
      step = 0;
      seen.search = seen.issue = undefined;
      const created = await s.admin("POST", "/api/v1/sessions", {
        body: { name: `knowledge ${c.runtime}`, runtime: c.runtime, model: `know/${MODEL}`, project_id: projectId },
      });
      expect(created.status, created.text).toBe(201);
      const id: string = created.body.id;
      const sent = await s.admin("POST", `/api/v1/sessions/${id}/messages`, {
        body: { request_id: "ask", content: PROMPT },
      });
      expect(sent.status, sent.text).toBe(201);
      const items = await until(
        async () => (await s.admin("GET", `/api/v1/sessions/${id}/messages?limit=500`)).body.items as Entry[],
        (all) =>
          ["done", "failed", "cancelled", "interrupted"].includes(all.find((e) => e.id === sent.body.id)?.status ?? ""),
        "the turn to end",
        240_000,
      );
      const story = JSON.stringify(items.map((e) => ({ kind: e.kind, status: e.status, content: e.content })));
      // The tools' results reached the model: the runbook's words, then the issue from Jira.
      expect(seen.search ?? "", story).toContain(DOC_FACT);
      expect(seen.issue ?? "", story).toContain(ISSUE_SUMMARY);
      expect(
        items.some((e) => e.kind === "text" && e.content.text?.includes(ANSWER)),
        story,
      ).toBe(true);
      await s.admin("POST", `/api/v1/sessions/${id}/stop`, { body: {} });
    },
    300_000,
  );
});
