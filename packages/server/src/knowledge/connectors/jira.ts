/*
 * Jira as a knowledge source, Cloud (REST v3, ADF bodies, /search/jql with nextPageToken) and
 * Data Center (REST v2, wiki-markup bodies, /search with startAt/total), one client with a
 * `deployment` switch. Sync is incremental by `updated` (ascending, so the high-water mark only
 * rises), checkpointed after every page; deletions are found by listing the filter's keys.
 */
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { Connector, Section, SourceDocument, SyncSink } from "../types.js";
import { ConnectorError } from "../types.js";
import { type AdfNode, adfToSections, adfToText, textToAdf } from "./adf.js";
import { authFor, type JiraConfig, type JiraSecrets } from "./config.js";
import { badShape, createHttpClient } from "./http.js";
import { parseAtlassianDate, queryDate } from "./time.js";

export interface ConnectorOptions {
  dispatcher?: Dispatcher;
  log?: Logger;
  timeoutMs?: number;
  maxRetryWaitMs?: number;
  /** Issues per search page (default 50; Jira caps it at 100 with comments). */
  pageSize?: number;
}

export interface JiraComment {
  id: string;
  author: string;
  created: string | null;
  body: string;
}

/** An issue as the MCP tool `get_issue` answers it. */
export interface JiraIssue {
  key: string;
  url: string;
  summary: string;
  status: string | null;
  type: string | null;
  priority: string | null;
  assignee: string | null;
  reporter: string | null;
  labels: string[];
  created: string | null;
  updated: string | null;
  description: string;
  comments: JiraComment[];
}

export interface JiraConnector extends Connector {
  getIssue(key: string, signal?: AbortSignal): Promise<JiraIssue>;
  commentOnIssue(key: string, body: string, signal?: AbortSignal): Promise<{ id: string; url: string }>;
}

/** What a Jira sync leaves for the next one. `high_water` is set only while a sync is under way. */
interface JiraCursor {
  since: string | null;
  high_water?: string | null;
  in_progress?: boolean;
}

const FIELDS = "summary,description,comment,status,issuetype,priority,assignee,reporter,labels,updated,created";
const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]*-\d+$/;
// Re-read this many issues of the previous page when paging by offset, so an issue that moved
// to the end (updated mid-sync) does not shift one we have not seen out of reach.
const OFFSET_OVERLAP = 5;

interface RawIssue {
  id?: string;
  key?: string;
  fields?: Record<string, unknown>;
}

interface RawComment {
  id?: string;
  author?: { displayName?: string };
  body?: unknown;
  created?: string;
}

const name = (v: unknown): string | null =>
  v && typeof v === "object" && typeof (v as { name?: unknown }).name === "string"
    ? (v as { name: string }).name
    : v && typeof v === "object" && typeof (v as { displayName?: unknown }).displayName === "string"
      ? (v as { displayName: string }).displayName
      : null;

/** Jira wiki markup (Data Center bodies) → sections, `h1.`…`h6.` lines as headings. */
export function wikiToSections(wiki: string, label?: string): Section[] {
  const sections: Section[] = [];
  let path: { level: number; text: string }[] = [];
  let buf: string[] = [];
  const flush = () => {
    const text = buf
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    if (text) sections.push({ headings: path.map((h) => h.text), text, ...(label ? { label } : {}) });
    buf = [];
  };
  for (const line of wiki.replace(/\r\n?/g, "\n").split("\n")) {
    const h = /^\s*h([1-6])\.\s+(.*)$/.exec(line);
    if (h) {
      flush();
      const level = Number(h[1]);
      path = path.filter((p) => p.level < level);
      path.push({ level, text: (h[2] ?? "").trim() });
      continue;
    }
    // Macro fences carry no text of their own; what is between them is kept.
    buf.push(line.replace(/\{(code|noformat|quote|panel)(:[^}]*)?\}/g, ""));
  }
  flush();
  return sections;
}

export function createJiraConnector(
  config: JiraConfig,
  secrets: JiraSecrets,
  opts: ConnectorOptions = {},
): JiraConnector {
  const cloud = config.deployment === "cloud";
  const api = cloud ? "/rest/api/3" : "/rest/api/2";
  const site = config.site_url.replace(/\/+$/, "");
  const http = createHttpClient({
    baseUrl: site,
    ...authFor(config, secrets),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxRetryWaitMs ? { maxRetryWaitMs: opts.maxRetryWaitMs } : {}),
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const pageSize = opts.pageSize ?? 50;
  const overlap = config.overlap_minutes ?? 5;
  let timeZone: string | undefined;

  const bodyText = (body: unknown): string =>
    cloud ? adfToText(body as AdfNode) : typeof body === "string" ? body.trim() : "";
  const bodySections = (body: unknown, label: string): Section[] =>
    cloud ? adfToSections(body as AdfNode, label) : typeof body === "string" ? wikiToSections(body, label) : [];

  async function myself(signal?: AbortSignal) {
    const me = await http.json<{ displayName?: string; timeZone?: string; emailAddress?: string }>(
      `${api}/myself`,
      signal ? { signal } : {},
    );
    if (!me || typeof me !== "object") throw badShape(site, "myself");
    timeZone = typeof me.timeZone === "string" ? me.timeZone : "UTC";
    return me;
  }

  /** One page of a search, in either deployment's shape. */
  async function searchPage(
    jql: string,
    fields: string,
    maxResults: number,
    page: { startAt: number; token: string | null },
    signal?: AbortSignal,
  ): Promise<{ issues: RawIssue[]; total: number | null; nextToken: string | null; last: boolean }> {
    if (cloud) {
      const res = await http.json<{ issues?: RawIssue[]; nextPageToken?: string; isLast?: boolean }>(
        `${api}/search/jql`,
        {
          query: { jql, fields, maxResults, nextPageToken: page.token ?? undefined },
          ...(signal ? { signal } : {}),
        },
      );
      if (!res || !Array.isArray(res.issues)) throw badShape(site, "search without issues");
      const nextToken = typeof res.nextPageToken === "string" ? res.nextPageToken : null;
      return { issues: res.issues, total: null, nextToken, last: !nextToken || res.isLast === true };
    }
    const res = await http.json<{ issues?: RawIssue[]; total?: number; startAt?: number }>(`${api}/search`, {
      query: { jql, fields, maxResults, startAt: page.startAt },
      ...(signal ? { signal } : {}),
    });
    if (!res || !Array.isArray(res.issues)) throw badShape(site, "search without issues");
    const total = typeof res.total === "number" ? res.total : null;
    return {
      issues: res.issues,
      total,
      nextToken: null,
      last: res.issues.length === 0 || total === null || page.startAt + res.issues.length >= total,
    };
  }

  /** All comments of an issue: the search embeds the first ones, the rest are paged for. */
  async function allComments(key: string, embedded: unknown, signal?: AbortSignal): Promise<RawComment[]> {
    const c = (embedded ?? {}) as { comments?: RawComment[]; total?: number };
    const comments = Array.isArray(c.comments) ? [...c.comments] : [];
    const total = typeof c.total === "number" ? c.total : comments.length;
    if (comments.length >= total) return comments;
    const fetched: RawComment[] = [];
    for (let startAt = 0; ; ) {
      const res = await http.json<{ comments?: RawComment[]; total?: number }>(
        `${api}/issue/${encodeURIComponent(key)}/comment`,
        {
          query: { startAt, maxResults: 100 },
          ...(signal ? { signal } : {}),
        },
      );
      const page = Array.isArray(res?.comments) ? res.comments : [];
      fetched.push(...page);
      startAt += page.length;
      if (page.length === 0 || startAt >= (res?.total ?? 0)) break;
    }
    return fetched;
  }

  function fieldsLine(f: Record<string, unknown>): string {
    const parts = [
      ["Status", name(f.status)],
      ["Type", name(f.issuetype)],
      ["Priority", name(f.priority)],
    ]
      .filter(([, v]) => v)
      .map(([k, v]) => `${k}: ${v}`);
    const people = [
      ["Assignee", name(f.assignee)],
      ["Reporter", name(f.reporter)],
    ]
      .filter(([, v]) => v)
      .map(([k, v]) => `${k}: ${v}`);
    const labels = Array.isArray(f.labels) && f.labels.length ? [`Labels: ${f.labels.join(", ")}`] : [];
    return [parts.join(" · "), people.join(" · "), ...labels].filter(Boolean).join("\n");
  }

  function toDocument(issue: RawIssue, comments: RawComment[]): SourceDocument {
    const key = issue.key as string;
    const f = issue.fields ?? {};
    const summary = typeof f.summary === "string" ? f.summary : "";
    const sections: Section[] = [];
    const line = fieldsLine(f);
    sections.push({ headings: [], label: "fields", text: line ? `${summary}\n${line}` : summary });
    sections.push(...bodySections(f.description, "description"));
    comments.forEach((c, i) => {
      const author = c.author?.displayName ?? "someone";
      for (const s of bodySections(c.body, `comment ${i + 1} by ${author}`)) sections.push(s);
    });
    return {
      externalId: key,
      title: summary ? `${key}: ${summary}` : key,
      url: `${site}/browse/${key}`,
      format: "jira_issue",
      sections,
      metadata: {
        key,
        status: name(f.status),
        type: name(f.issuetype),
        priority: name(f.priority),
        assignee: name(f.assignee),
        reporter: name(f.reporter),
        labels: Array.isArray(f.labels) ? f.labels : [],
        created: typeof f.created === "string" ? f.created : null,
        comments: comments.length,
      },
      updatedAt: parseAtlassianDate(f.updated),
    };
  }

  async function listKeys(signal?: AbortSignal): Promise<string[]> {
    const keys: string[] = [];
    const jql = `(${config.jql}) ORDER BY key ASC`;
    let page = { startAt: 0, token: null as string | null };
    for (;;) {
      const res = await searchPage(jql, "id", 1000, page, signal);
      for (const i of res.issues) if (typeof i.key === "string") keys.push(i.key);
      if (res.last) break;
      page = { startAt: page.startAt + res.issues.length, token: res.nextToken };
    }
    return keys;
  }

  return {
    async test() {
      const me = await myself();
      // A JQL mistake is worth hearing at Test connection, not at the first sync.
      const res = await searchPage(`(${config.jql})`, "id", 1, { startAt: 0, token: null });
      const count =
        res.total !== null ? ` (${res.total} issues match)` : res.issues.length ? "" : " (no issues match the JQL yet)";
      return { message: `Connected to ${site} as ${me.displayName ?? me.emailAddress ?? "the account"}${count}` };
    },

    async sync(cursorIn, sink: SyncSink, signal?: AbortSignal) {
      const cursor = (cursorIn ?? { since: null }) as unknown as JiraCursor;
      if (!timeZone) await myself(signal);
      // Resuming: everything before the high-water mark was delivered in completed pages.
      const from = cursor.in_progress ? (cursor.high_water ?? cursor.since) : cursor.since;
      const fromDate = from ? new Date(from) : null;
      const bound =
        fromDate && !Number.isNaN(fromDate.getTime())
          ? ` AND updated >= "${queryDate(fromDate, overlap, timeZone)}"`
          : "";
      const jql = `(${config.jql})${bound} ORDER BY updated ASC, key ASC`;

      let highWater: Date | null = fromDate;
      const seen = new Map<string, string>();
      let done = 0;
      let page = { startAt: 0, token: null as string | null };
      for (;;) {
        signal?.throwIfAborted();
        const res = await searchPage(jql, FIELDS, pageSize, page, signal);
        for (const issue of res.issues) {
          if (typeof issue.key !== "string") throw badShape(site, "an issue without a key");
          const updated = String(issue.fields?.updated ?? "");
          if (seen.get(issue.key) === updated) continue;
          seen.set(issue.key, updated);
          const comments = await allComments(issue.key, issue.fields?.comment, signal);
          const doc = toDocument(issue, comments);
          await sink.upsert(doc);
          done++;
          if (doc.updatedAt && (!highWater || doc.updatedAt > highWater)) highWater = doc.updatedAt;
        }
        await sink.checkpoint({ since: cursor.since, high_water: highWater?.toISOString() ?? null, in_progress: true });
        await sink.progress(done, res.total);
        if (res.last) break;
        if (cloud && res.nextToken === page.token) throw badShape(site, "the same nextPageToken twice");
        const step = res.issues.length > OFFSET_OVERLAP * 2 ? res.issues.length - OFFSET_OVERLAP : res.issues.length;
        page = { startAt: page.startAt + step, token: res.nextToken };
      }
      const next: JiraCursor = { since: highWater?.toISOString() ?? cursor.since };
      await sink.checkpoint(next as unknown as Record<string, unknown>);
      if (sink.present) await sink.present(await listKeys(signal));
      return next as unknown as Record<string, unknown>;
    },

    async getIssue(key, signal) {
      if (!ISSUE_KEY.test(key)) throw new ConnectorError(`"${key}" is not an issue key like PROJ-12`, "not_found");
      const issue = await http.json<RawIssue>(`${api}/issue/${encodeURIComponent(key)}`, {
        query: { fields: FIELDS },
        ...(signal ? { signal } : {}),
      });
      if (!issue || typeof issue.key !== "string") throw badShape(site, "issue without a key");
      const f = issue.fields ?? {};
      const comments = await allComments(issue.key, f.comment, signal);
      return {
        key: issue.key,
        url: `${site}/browse/${issue.key}`,
        summary: typeof f.summary === "string" ? f.summary : "",
        status: name(f.status),
        type: name(f.issuetype),
        priority: name(f.priority),
        assignee: name(f.assignee),
        reporter: name(f.reporter),
        labels: Array.isArray(f.labels) ? f.labels.map(String) : [],
        created: typeof f.created === "string" ? f.created : null,
        updated: typeof f.updated === "string" ? f.updated : null,
        description: bodyText(f.description),
        comments: comments.map((c) => ({
          id: String(c.id ?? ""),
          author: c.author?.displayName ?? "someone",
          created: c.created ?? null,
          body: bodyText(c.body),
        })),
      };
    },

    async commentOnIssue(key, body, signal) {
      if (!ISSUE_KEY.test(key)) throw new ConnectorError(`"${key}" is not an issue key like PROJ-12`, "not_found");
      if (!body.trim()) throw new ConnectorError("a comment needs some text", "bad_response");
      const res = await http.json<{ id?: string }>(`${api}/issue/${encodeURIComponent(key)}/comment`, {
        method: "POST",
        body: { body: cloud ? textToAdf(body) : body },
        ...(signal ? { signal } : {}),
      });
      if (!res || typeof res.id !== "string") throw badShape(site, "comment without an id");
      return { id: res.id, url: `${site}/browse/${key}?focusedCommentId=${res.id}` };
    },
  };
}
