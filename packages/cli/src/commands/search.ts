import {
  ENTRY_KINDS,
  isKnowledgeResult,
  RUNTIMES,
  type Runtime,
  type SearchKind,
  type SearchResult,
} from "@strand/protocol";
import type { StrandClient } from "@strand/sdk";
import { type Command, Option } from "commander";
import { clientFor } from "../context.js";
import { ago } from "../output.js";
import { formatResults, parseTime } from "../search-format.js";

interface SearchFlags {
  session?: string;
  project?: string;
  team?: string;
  runtime?: Runtime;
  kind?: SearchKind[];
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

/** A project by id or slug → its id (the search filters take ids). */
async function projectId(client: StrandClient, ref: string): Promise<string> {
  return (await client.projects.get(ref)).id;
}

/** A team by id or slug → its id, among the teams you are in. */
async function teamId(client: StrandClient, ref: string): Promise<string> {
  const team = (await client.teams.list()).find((t) => t.id === ref || t.slug === ref);
  if (!team) throw new Error(`you are in no team ${ref}: \`strand teams list\` shows yours`);
  return team.id;
}

/** Emphasis only for a terminal that wants it (https://no-color.org). */
function useColor(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return Boolean(process.stdout.isTTY);
}

export function registerSearch(program: Command): void {
  program
    .command("search")
    .argument("<query...>", 'words, "quoted phrases" (exact) or identifiers such as ERR_CONN_4417 or src/auth.ts')
    .description("Search every conversation you may see; results grouped by session, matches emphasised")
    .option("--session <id>", "only this session's conversation")
    .option("--project <project>", "only sessions on this project (id or slug)")
    .option("--team <team>", "only sessions of this team (id or slug)")
    .addOption(new Option("--runtime <runtime>", "only sessions of this agent runtime").choices(RUNTIMES))
    .addOption(
      new Option("--kind <kind...>", "only these kinds of entries (one or more: --kind text tool_call)").choices(
        ENTRY_KINDS,
      ),
    )
    .option("--since <time>", "entries stored at or after: ISO time, a day (2026-11-30) or an age (30m, 12h, 7d, 2w)")
    .option("--until <time>", "entries stored before: same forms as --since")
    .option("--limit <n>", "results per page (1-100, default 20)")
    .option("--cursor <cursor>", "the next page: the cursor the previous page printed")
    .addHelpText(
      "after",
      "\nKinds: prompt = user, answer = text, thinking, tool_call, plan, notice, permission.\n" +
        "The words after `search` are joined with spaces; quote a phrase for the shell and for Strand:\n" +
        `  strand search '"token expired"' --kind text tool_call --since 7d\n` +
        "With --json, prints the API's answer ({results, next_cursor, mode}). See docs/search.md.",
    )
    .action(async (words: string[], o: SearchFlags, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const [project, team] = await Promise.all([
        o.project ? projectId(client, o.project) : undefined,
        o.team ? teamId(client, o.team) : undefined,
      ]);
      const res = await client.search.query({
        // Sent as typed, even empty: the server's refusal says what a query needs.
        q: words.join(" "),
        session_id: o.session,
        project_id: project,
        team_id: team,
        runtime: o.runtime,
        kind: o.kind,
        since: o.since === undefined ? undefined : parseTime(o.since),
        until: o.until === undefined ? undefined : parseTime(o.until),
        limit: o.limit,
        cursor: o.cursor,
      });
      if (out.json) {
        out.result(res, () => "");
        return;
      }
      if (res.results.length === 0) {
        out.result(res, () => (o.cursor ? "No more results." : "No results."));
        return;
      }
      const projects = new Map<string, string>();
      const teams = new Map<string, string>();
      // Names read better than ids; when the lists cannot be read, ids it is.
      if (res.results.some((r) => r.project_id))
        for (const p of await client.projects.list().catch(() => [])) projects.set(p.id, p.slug);
      if (res.results.some((r) => r.team_id))
        for (const t of await client.teams.list().catch(() => [])) teams.set(t.id, t.slug);
      // `strand search` asks for conversations (the API's default scope), so every result is one.
      const history = res.results.filter((r) => !isKnowledgeResult(r)) as SearchResult[];
      out.result(res, () =>
        formatResults(history, {
          color: useColor(),
          projectName: (id) => projects.get(id),
          teamName: (id) => teams.get(id),
          ago,
        }),
      );
      if (res.next_cursor) out.info(`more results: run the same command with --cursor ${res.next_cursor}`);
    });
}
