/*
 * Confluence as a knowledge source: pages of the chosen spaces (storage format → sections under
 * their headings, ancestors' titles leading the title so every chunk says where it lives) and
 * their comments. Cloud (`<site>/wiki/rest/api`) and Data Center (`<site>/rest/api`) share the
 * v1 content API; pages are found by CQL ordered by lastmodified and followed by `_links.next`.
 */
import type { Connector, Section, SourceDocument, SyncSink } from "../types.js";
import { ConnectorError } from "../types.js";
import { authFor, type ConfluenceConfig, type ConfluenceSecrets } from "./config.js";
import { badShape, createHttpClient } from "./http.js";
import type { ConnectorOptions } from "./jira.js";
import { storageToSections } from "./storage-format.js";
import { parseAtlassianDate, queryDate } from "./time.js";

interface RawContent {
  id?: string;
  title?: string;
  type?: string;
  space?: { key?: string; name?: string };
  ancestors?: { id?: string; title?: string }[];
  version?: { number?: number; when?: string; by?: { displayName?: string } };
  body?: { storage?: { value?: string } };
  history?: { createdBy?: { displayName?: string } };
  _links?: { webui?: string };
}

interface ContentPage {
  results?: RawContent[];
  size?: number;
  totalSize?: number;
  _links?: { next?: string; base?: string; context?: string };
}

interface ConfluenceCursor {
  since: string | null;
  high_water?: string | null;
  in_progress?: boolean;
}

/** CQL string literal. */
const cqlString = (s: string) => `"${s.replace(/["\\]/g, "\\$&")}"`;

export function createConfluenceConnector(
  config: ConfluenceConfig,
  secrets: ConfluenceSecrets,
  opts: ConnectorOptions = {},
): Connector {
  const cloud = config.deployment === "cloud";
  // Cloud serves Confluence under /wiki; people paste the site with or without it.
  const site = config.site_url.replace(/\/+$/, "").replace(/\/wiki$/, "");
  const root = cloud ? `${site}/wiki` : site;
  const api = "/rest/api";
  const http = createHttpClient({
    baseUrl: root,
    ...authFor(config, secrets),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxRetryWaitMs ? { maxRetryWaitMs: opts.maxRetryWaitMs } : {}),
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const pageSize = opts.pageSize ?? 25;
  const overlap = config.overlap_minutes ?? 5;
  const spaces = `space in (${config.spaces.map(cqlString).join(", ")})`;
  let timeZone: string | undefined;

  /** `_links.next` is relative to the context path (`/wiki` on Cloud): made a path on our base. */
  const nextPath = (page: ContentPage, current: string): string | null => {
    const path = nextOf(page);
    // A site that links a page to itself would keep a sync going forever.
    if (path !== null && path === current) throw badShape(root, "a next link back to the same page");
    return path;
  };
  const nextOf = (page: ContentPage): string | null => {
    const next = page._links?.next;
    if (typeof next !== "string" || next === "") return null;
    if (/^https?:\/\//.test(next)) return next;
    const context = page._links?.context ?? (cloud ? "/wiki" : "");
    return context && next.startsWith(`${context}/`) ? next.slice(context.length) : next;
  };

  async function currentUser(signal?: AbortSignal) {
    const me = await http.json<{ displayName?: string; timeZone?: string; type?: string }>(
      `${api}/user/current`,
      signal ? { signal } : {},
    );
    if (!me || typeof me !== "object") throw badShape(root, "user/current");
    // Confluence answers an unauthenticated caller as the anonymous user rather than 401.
    if (me.type === "anonymous")
      throw new ConnectorError(`${root} treated the request as anonymous; check the credentials`, "auth");
    timeZone = typeof me.timeZone === "string" ? me.timeZone : "UTC";
    return me;
  }

  async function comments(pageId: string, signal?: AbortSignal): Promise<RawContent[]> {
    const out: RawContent[] = [];
    let path: string | null =
      `${api}/content/${encodeURIComponent(pageId)}/child/comment?expand=body.storage,version,history&depth=all&limit=100`;
    while (path) {
      const res: ContentPage = await http.json<ContentPage>(path, signal ? { signal } : {});
      if (!res || !Array.isArray(res.results)) throw badShape(root, "comments without results");
      out.push(...res.results);
      path = nextPath(res, path);
    }
    return out;
  }

  function toDocument(page: RawContent, pageComments: RawContent[]): SourceDocument {
    const id = page.id as string;
    const pageTitle = page.title ?? id;
    const ancestors = (page.ancestors ?? []).map((a) => a.title ?? "").filter(Boolean);
    const sections: Section[] = storageToSections(page.body?.storage?.value ?? "");
    pageComments.forEach((c, i) => {
      const author = c.version?.by?.displayName ?? c.history?.createdBy?.displayName ?? "someone";
      sections.push(...storageToSections(c.body?.storage?.value ?? "", `comment ${i + 1} by ${author}`));
    });
    const webui = page._links?.webui;
    return {
      externalId: id,
      title: [...ancestors, pageTitle].join(" › "),
      url: typeof webui === "string" ? `${root}${webui}` : `${root}/pages/viewpage.action?pageId=${id}`,
      format: "confluence_page",
      sections,
      metadata: {
        page_id: id,
        page_title: pageTitle,
        space: page.space?.key ?? null,
        space_name: page.space?.name ?? null,
        ancestors,
        version: page.version?.number ?? null,
        comments: pageComments.length,
      },
      updatedAt: parseAtlassianDate(page.version?.when),
    };
  }

  async function listIds(signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let path: string | null =
      `${api}/content/search?${new URLSearchParams({ cql: `${spaces} and type = page`, limit: "200" })}`;
    while (path) {
      const res: ContentPage = await http.json<ContentPage>(path, signal ? { signal } : {});
      if (!res || !Array.isArray(res.results)) throw badShape(root, "search without results");
      for (const r of res.results) if (typeof r.id === "string") ids.push(r.id);
      path = nextPath(res, path);
    }
    return ids;
  }

  return {
    async test() {
      const me = await currentUser();
      for (const key of config.spaces) {
        try {
          await http.json(`${api}/space/${encodeURIComponent(key)}`);
        } catch (err) {
          if (err instanceof ConnectorError && err.reason === "not_found") {
            throw new ConnectorError(
              `space ${key} was not found on ${root}, or the account may not read it`,
              "not_found",
            );
          }
          throw err;
        }
      }
      return {
        message: `Connected to ${root} as ${me.displayName ?? "the account"}; spaces ${config.spaces.join(", ")} found`,
      };
    },

    async sync(cursorIn, sink: SyncSink, signal?: AbortSignal) {
      const cursor = (cursorIn ?? { since: null }) as unknown as ConfluenceCursor;
      if (!timeZone) await currentUser(signal);
      const from = cursor.in_progress ? (cursor.high_water ?? cursor.since) : cursor.since;
      const fromDate = from ? new Date(from) : null;
      const bound =
        fromDate && !Number.isNaN(fromDate.getTime())
          ? ` and lastmodified >= "${queryDate(fromDate, overlap, timeZone)}"`
          : "";
      const cql = `${spaces} and type = page${bound} order by lastmodified asc`;

      let highWater: Date | null = fromDate;
      const seen = new Map<string, number | undefined>();
      let done = 0;
      let path: string | null = `${api}/content/search?${new URLSearchParams({
        cql,
        limit: String(pageSize),
        expand: "body.storage,ancestors,version,space",
      })}`;
      while (path) {
        signal?.throwIfAborted();
        const res: ContentPage = await http.json<ContentPage>(path, signal ? { signal } : {});
        if (!res || !Array.isArray(res.results)) throw badShape(root, "search without results");
        for (const page of res.results) {
          if (typeof page.id !== "string") throw badShape(root, "a page without an id");
          if (seen.has(page.id) && seen.get(page.id) === page.version?.number) continue;
          seen.set(page.id, page.version?.number);
          const doc = toDocument(page, await comments(page.id, signal));
          await sink.upsert(doc);
          done++;
          if (doc.updatedAt && (!highWater || doc.updatedAt > highWater)) highWater = doc.updatedAt;
        }
        await sink.checkpoint({ since: cursor.since, high_water: highWater?.toISOString() ?? null, in_progress: true });
        await sink.progress(done, typeof res.totalSize === "number" ? res.totalSize : null);
        path = nextPath(res, path);
      }
      const next: ConfluenceCursor = { since: highWater?.toISOString() ?? cursor.since };
      await sink.checkpoint(next as unknown as Record<string, unknown>);
      if (sink.present) await sink.present(await listIds(signal));
      return next as unknown as Record<string, unknown>;
    },
  };
}
