import {
  CommentOnIssueInputSchema,
  GetIssueInputSchema,
  isKnowledgeResult,
  type KnowledgeSearchResult,
  ReadDocumentInputSchema,
  SearchKnowledgeInputSchema,
  SearchQuerySchema,
} from "@strand/protocol";
import { and, asc, between, eq, or, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { knowledgeChunks as c, knowledgeDocuments as d, knowledgeSources as k } from "../../db/schema.js";
import type { JiraConnector } from "../../knowledge/connectors/index.js";
import type { KnowledgeService } from "../../knowledge/service.js";
import { ConnectorError } from "../../knowledge/types.js";
import { knowledgeScope } from "../../policy/scopes.js";
import { cut } from "../render.js";
import { defineTool, type McpToolCall, McpToolError } from "../tool.js";
import type { HistorySearch } from "./search-history.js";

/**
 * `search_knowledge`: the knowledge sources attached to the session's project and team (policy
 * `knowledgeScope` for a session actor), through the same engine as `GET /api/v1/search?scope=knowledge`.
 */
export function searchKnowledgeTool(db: Db, engine: HistorySearch) {
  return defineTool({
    name: "search_knowledge",
    title: "Search knowledge sources",
    description:
      "Search the documents attached to this session's project and team: uploaded files, pushed documents, " +
      'Jira issues, Confluence pages. query: words, "quoted phrases" or identifiers. source: a source name or ' +
      "id to search only that one. Each result names its chunk_id: pass it to read_document to read the text " +
      "around it.",
    input: SearchKnowledgeInputSchema,
    async run(input, { caller }) {
      let sourceId: string | undefined;
      if (input.source) {
        const [row] = await db
          .select({ id: k.id })
          .from(k)
          .where(and(knowledgeScope(caller.actor), or(eq(k.id, input.source), eq(k.name, input.source))));
        if (!row) {
          throw new McpToolError(
            `no knowledge source named ${JSON.stringify(input.source)} is attached to this session's project or team`,
          );
        }
        sourceId = row.id;
      }
      const parsed = SearchQuerySchema.safeParse({ q: input.query, limit: input.limit, scope: "knowledge" });
      if (!parsed.success) {
        throw new McpToolError(parsed.error.issues.map((i) => i.message.replace(/^q /, "query ")).join("; "));
      }
      const res = await engine.search(caller.actor, { ...parsed.data, source_id: sourceId });
      const results = res.results.filter(isKnowledgeResult);
      return { text: render(input.query, results), structured: { results, more: res.next_cursor !== null } };
    },
  });
}

function render(query: string, results: KnowledgeSearchResult[]): string {
  if (!results.length) return `No knowledge source document matches ${JSON.stringify(query)}.`;
  const lines = [`${results.length} result${results.length === 1 ? "" : "s"} for ${JSON.stringify(query)}:`];
  results.forEach((r, i) => {
    const where = [r.location, r.url].filter(Boolean).join(" · ");
    lines.push(
      `\n${i + 1}. "${r.document_title}" in ${r.source_name} (${r.source_kind})${where ? ` · ${where}` : ""} · chunk_id ${r.chunk_id}`,
      `   ${cut(r.snippet.replace(/\s*\n\s*/g, " ⏎ "), 600)}`,
    );
  });
  return lines.join("\n");
}

/** `read_document`: a chunk and its neighbours in its document, from a source the session may read. */
export function readDocumentTool(db: Db) {
  return defineTool({
    name: "read_document",
    title: "Read a knowledge document",
    description:
      "Read a knowledge document around one chunk: pass chunk_id from search_knowledge (or document_id and " +
      "seq). before/after: how many neighbouring chunks on each side (0-20).",
    input: ReadDocumentInputSchema,
    async run(input, { caller }) {
      const scope = knowledgeScope(caller.actor);
      const anchorOf = input.chunk_id
        ? eq(c.id, input.chunk_id)
        : input.document_id !== undefined && input.seq !== undefined
          ? and(eq(c.documentId, input.document_id), eq(c.seq, input.seq))
          : null;
      if (!anchorOf) throw new McpToolError("give chunk_id (from search_knowledge), or document_id and seq");
      const [anchor] = await db
        .select({
          documentId: c.documentId,
          seq: c.seq,
          title: d.title,
          url: d.url,
          source: k.name,
          chunks: d.chunkCount,
        })
        .from(c)
        .innerJoin(d, eq(d.id, c.documentId))
        .innerJoin(k, eq(k.id, c.sourceId))
        .where(and(anchorOf, scope));
      if (!anchor) {
        throw new McpToolError(
          "that chunk does not exist or is not in a knowledge source of this session's project or team; " +
            "use a chunk_id from search_knowledge",
        );
      }
      const from = Math.max(0, anchor.seq - (input.before ?? 1));
      const to = anchor.seq + (input.after ?? 2);
      const chunks = await db
        .select({ id: c.id, seq: c.seq, location: c.location, text: c.searchText })
        .from(c)
        .where(and(eq(c.documentId, anchor.documentId), between(c.seq, from, to)))
        .orderBy(asc(c.seq));
      const head = `"${anchor.title}" in ${anchor.source}${anchor.url ? ` (${anchor.url})` : ""}: chunks ${from}-${Math.min(to, anchor.chunks - 1)} of ${anchor.chunks}`;
      const body = chunks.map(
        (ch) => `--- chunk ${ch.seq}${ch.location ? ` · ${ch.location}` : ""} (${ch.id})\n${cut(ch.text, 6000)}`,
      );
      return {
        text: [head, ...body].join("\n\n"),
        structured: { document_id: anchor.documentId, title: anchor.title, url: anchor.url, chunks },
      };
    },
  });
}

/** The Jira source a call means: by name or id, or the only one attached; a tool error otherwise. */
async function jiraSource(knowledge: KnowledgeService, actor: McpToolCall["caller"]["actor"], source?: string) {
  const [row, second] = await knowledge.rowsInScope(
    actor,
    (source ? and(eq(k.kind, "jira"), or(eq(k.id, source), eq(k.name, source))) : eq(k.kind, "jira")) as SQL,
  );
  if (!row) {
    throw new McpToolError(
      source
        ? `no Jira source named ${JSON.stringify(source)} is attached to this session's project or team`
        : "no Jira source is attached to this session's project or team",
    );
  }
  if (second) throw new McpToolError("more than one Jira source is attached: pass source (its name)");
  return knowledge.connectorOf(row) as JiraConnector;
}

const toolError = (err: unknown): never => {
  if (err instanceof ConnectorError) throw new McpToolError(err.message);
  throw err;
};

/**
 * `get_issue` and `comment_on_issue`: live calls to a Jira source's site made by the server with
 * the stored credentials; the sandbox never holds them. Connector errors come back as tool errors.
 */
export function jiraTools(knowledge: KnowledgeService) {
  return [
    defineTool({
      name: "get_issue",
      title: "Read a Jira issue",
      description:
        "Read a Jira issue live from a Jira source attached to this session's project or team: summary, " +
        "status, description and comments. key: the issue key, e.g. PROJ-12.",
      input: GetIssueInputSchema,
      async run(input, { caller }) {
        const jira = await jiraSource(knowledge, caller.actor, input.source);
        const issue = await jira.getIssue(input.key).catch(toolError);
        return { text: cut(JSON.stringify(issue, null, 2), 24_000), structured: { issue } };
      },
    }),
    defineTool({
      name: "comment_on_issue",
      title: "Comment on a Jira issue",
      description:
        "Add a comment to a Jira issue of a Jira source attached to this session's project or team, as the " +
        "source's account. key: the issue key; body: the comment's text.",
      input: CommentOnIssueInputSchema,
      async run(input, { caller }) {
        const jira = await jiraSource(knowledge, caller.actor, input.source);
        const comment = await jira.commentOnIssue(input.key, input.body).catch(toolError);
        return { text: `Commented on ${input.key}: ${comment.url}`, structured: { comment } };
      },
    }),
  ];
}
