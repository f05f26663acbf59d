/**
 * bench/search load: manual pages turned into conversations as a deployment would have them.
 *
 * Each page becomes a turn of some session: the user asks about the command (a `user` entry naming
 * it), the agent runs `man` (a `tool_call` of kind execute whose terminal output is a chunk of the
 * page), reads the page file (a `tool_call` of kind read), thinks (`thinking`) and explains
 * (`text`); the page's text is spread over those entries in chunks of 300-1,600 characters, so a
 * page spans several entries and the known answer to its description is "any entry of that turn".
 * Sessions hold 20-400 entries of a few turns, belong to one of three teams or to a person, and
 * start with a `plan` entry. A size larger than the corpus repeats it: every round shuffles the
 * pages, cuts them into different chunks, and puts them into new sessions of other people.
 *
 * Rows are written straight into the tables through the server's own Drizzle schema, in batches,
 * with the search columns null (not indexed: indexing them is the server's backfill job, which the
 * bench times), or, with `indexed`, with the columns the store path writes (search/index-entry.ts).
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../../packages/server/src/db/database.js";
import { conversationEntries, sessions } from "../../packages/server/src/db/schema.js";
import { searchColumns } from "../../packages/server/src/search/index-entry.js";
import type { ManPage } from "./corpus.js";

/** Deterministic, so two runs load the same rows. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** Ids shaped like the server's own (lib/ids.ts). */
function id(prefix: string): string {
  let out = "";
  for (const b of randomBytes(16)) out += ALPHABET[b & 31];
  return `${prefix}_${out}`;
}

export interface Audience {
  /** Team ids; the bench user is a member of the first two. */
  teams: string[];
  /** User ids; the first is the bench user. */
  users: string[];
}

/** Who may see what, and which page each entry carries, for judging results without asking the server. */
export interface Truth {
  /** session id → the page index of each entry, by seq (-1: no page, e.g. the plan). */
  pageBySeq: Map<string, Int32Array>;
  /** Sessions the bench user sees (its teams' and its own). */
  visible: Set<string>;
  /** page index → how many of its turns the bench user sees. */
  visibleTurns: Int32Array;
  /** Sessions the bench user sees, for queries filtered by session. */
  visibleSessions: string[];
  /** The bench user's own sessions. */
  ownSessions: Set<string>;
  entries: number;
  sessions: number;
  chars: number;
}

const PROMPTS = [
  "What does {name} do? Check its manual before you use it.",
  "Look up `{name}` in the man pages and tell me which options we need here.",
  "Can we use {name} for this? Read section {section} of the manual first.",
  "The build script calls {name}; find out what it is for.",
  "Explain {name}({section}) to me, the parts that matter for this repo.",
  "Why does the deploy step use {name}? Read its man page.",
];
const SUMMARIES = ["Here is what the manual says:", "From the page:", "The relevant part:", "In short:", ""];
const RUNTIMES = ["claude-code", "codex", "strand-agent", "gemini", "qwen-code"] as const;

/** Cuts text into chunks of 300-1,600 characters at line breaks, differently for each round. */
function chunks(text: string, rand: () => number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const want = 300 + Math.floor(rand() * 1300);
    let end = Math.min(text.length, at + want);
    if (end < text.length) {
      const nl = text.lastIndexOf("\n", end);
      if (nl > at + 200) end = nl;
    }
    const piece = text.slice(at, end).trim();
    if (piece) out.push(piece);
    at = end;
  }
  return out;
}

type Row = typeof conversationEntries.$inferInsert;

/** The entries of one turn about one page. */
function turn(
  page: ManPage,
  rand: () => number,
  author: { id: string; email: string },
): Omit<Row, "sessionId" | "seq" | "createdAt" | "updatedAt">[] {
  const turnId = id("trn");
  const pieces = chunks(page.text, rand);
  const rows: Omit<Row, "sessionId" | "seq" | "createdAt" | "updatedAt">[] = [];
  const prompt = (PROMPTS[Math.floor(rand() * PROMPTS.length)] as string)
    .replaceAll("{name}", page.name)
    .replaceAll("{section}", page.section);
  rows.push({
    id: id("ent"),
    turnId,
    kind: "user",
    role: "user",
    status: "done",
    content: { text: prompt, author, stop_reason: "end_turn" },
    requestId: id("req"),
    deliveries: 1,
  });
  const manPath = `/usr/share/man/man${page.section[0]}/${page.name}.${page.section}.gz`;
  let n = 0;
  for (const piece of pieces) {
    const r = rand();
    const callId = `call_${id("t").slice(2, 14)}`;
    if (n === 0 || r < 0.3) {
      const command =
        n === 0
          ? `man ${page.section} ${page.name} | col -b`
          : `man ${page.section} ${page.name} | col -b | sed -n '${n * 40},${n * 40 + 60}p'`;
      rows.push({
        id: id("ent"),
        turnId,
        kind: "tool_call",
        role: "agent",
        status: "completed",
        rev: 3,
        content: {
          tool_call_id: callId,
          title: command,
          kind: "execute",
          input: { command },
          content: [{ type: "terminal", terminal_id: `term_${n}`, output: piece, exit_code: 0 }],
          locations: [],
          diffs: [],
        },
      });
    } else if (r < 0.5) {
      rows.push({
        id: id("ent"),
        turnId,
        kind: "tool_call",
        role: "agent",
        status: "completed",
        rev: 3,
        content: {
          tool_call_id: callId,
          title: `Read ${manPath}`,
          kind: "read",
          input: { path: manPath },
          content: [{ type: "text", text: piece }],
          locations: [{ path: manPath, line: null }],
          diffs: [],
        },
      });
    } else if (r < 0.65) {
      rows.push({
        id: id("ent"),
        turnId,
        kind: "thinking",
        role: "agent",
        status: "completed",
        rev: 2,
        content: { text: piece },
      });
    } else {
      const lead = SUMMARIES[Math.floor(rand() * SUMMARIES.length)];
      rows.push({
        id: id("ent"),
        turnId,
        kind: "text",
        role: "agent",
        status: "completed",
        rev: 2,
        content: { text: lead ? `${lead}\n\n${piece}` : piece },
      });
    }
    n++;
  }
  return rows;
}

/**
 * Writes entries (and their sessions) for `audience`, growing one database through the sizes.
 * Round 0 has every page once; later rounds repeat the corpus with other chunks, sessions and people.
 */
export class Loader {
  readonly truth: Truth;
  private readonly rand: () => number;
  private order: number[] = [];
  private round = -1;
  private cursor = 0;

  constructor(
    private readonly pages: ManPage[],
    private readonly audience: Audience,
    private readonly emails: Map<string, string>,
    seed = 14,
  ) {
    this.rand = rng(seed);
    this.truth = {
      pageBySeq: new Map(),
      visible: new Set(),
      visibleTurns: new Int32Array(pages.length),
      visibleSessions: [],
      ownSessions: new Set(),
      entries: 0,
      sessions: 0,
      chars: 0,
    };
  }

  private nextPage(): number {
    if (this.cursor >= this.order.length) {
      this.round++;
      this.order = this.pages.map((_, i) => i);
      for (let i = this.order.length - 1; i > 0; i--) {
        const j = Math.floor(this.rand() * (i + 1));
        [this.order[i], this.order[j]] = [this.order[j] as number, this.order[i] as number];
      }
      this.cursor = 0;
    }
    return this.order[this.cursor++] as number;
  }

  /** Adds entries until there are `target`; returns how long the writing took. */
  async fill(
    db: Db,
    target: number,
    opts: { log?: (s: string) => void; batch?: number; parallel?: number; indexed?: boolean } = {},
  ): Promise<{ insertMs: number }> {
    const { truth, rand, pages } = this;
    const log = opts.log ?? (() => {});
    const batchSize = opts.batch ?? 500;
    const parallel = opts.parallel ?? 2;
    const [me, ...others] = this.audience.users as [string, ...string[]];
    const [teamA, teamB, teamC] = this.audience.teams as [string, string, string];
    // Sessions spread over the last 180 days, older first, so seq and time both grow.
    const now = Date.now();
    const span = 180 * 86_400_000;
    const started = performance.now();
    const startEntries = truth.entries;
    let pending: Row[] = [];
    const inflight = new Set<Promise<unknown>>();
    const flush = async (force = false) => {
      if (pending.length >= batchSize || (force && pending.length)) {
        const rows = pending;
        pending = [];
        const p: Promise<unknown> = db
          .insert(conversationEntries)
          .values(rows)
          .then(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= parallel) await Promise.race(inflight);
      }
      if (force) await Promise.all(inflight);
    };

    while (truth.entries < target) {
      // Who: 35% team A, 25% team B (the bench user's teams), 25% team C, 15% personal (a fifth the bench user's).
      const r = rand();
      const teamId = r < 0.35 ? teamA : r < 0.6 ? teamB : r < 0.85 ? teamC : null;
      const ownerId = teamId === null && rand() < 0.2 ? me : (others[Math.floor(rand() * others.length)] as string);
      const sessionId = id("ses");
      const size = Math.min(target - truth.entries, 20 + Math.floor(rand() * 380));
      const t0 = now - span + (span * truth.entries) / Math.max(target, 1_000_000);
      const firstPage = pages[this.order[this.cursor] ?? 0]?.name ?? "docs";
      const verb = ["Investigate", "Fix", "Document", "Port", "Review"][Math.floor(rand() * 5)];
      await db.insert(sessions).values({
        id: sessionId,
        ownerId,
        teamId,
        name: `${verb} ${firstPage} usage (${this.round + 1}.${truth.sessions})`,
        desktop: "xfce",
        runtime: RUNTIMES[Math.floor(rand() * RUNTIMES.length)] as string,
        cpus: 2,
        memoryMb: 4096,
        pids: 1024,
        desiredState: "stopped",
        state: "stopped",
        createdAt: new Date(t0),
        updatedAt: new Date(t0),
        startedAt: new Date(t0),
        stoppedAt: new Date(t0 + 3_600_000),
      });
      const visible = teamId === teamA || teamId === teamB || ownerId === me;
      const bySeq: number[] = [];
      const at = (seq: number) => new Date(t0 + seq * 4_000);
      const plan = {
        entries: [
          { content: "Read the manual pages of the tools involved", priority: "high", status: "completed" },
          { content: "Summarise the options we need", priority: "medium", status: "completed" },
        ],
      };
      pending.push({
        id: id("ent"),
        sessionId,
        seq: 1,
        turnId: null,
        kind: "plan",
        role: "agent",
        status: "completed",
        rev: 1,
        content: plan,
        ...((opts.indexed ? searchColumns("plan", plan) : {}) as Partial<Row>),
        createdAt: at(1),
        updatedAt: at(1),
      });
      bySeq[1] = -1;
      let seq = 1;
      while (seq < size) {
        const p = this.nextPage();
        const page = pages[p] as ManPage;
        const author = { id: ownerId, email: this.emails.get(ownerId) ?? "someone@example.com" };
        const rows = turn(page, rand, author).slice(0, size - seq);
        if (visible) truth.visibleTurns[p] = (truth.visibleTurns[p] ?? 0) + 1;
        for (const row of rows) {
          seq++;
          bySeq[seq] = p;
          truth.chars += JSON.stringify(row.content).length;
          // Indexed: the search columns the store path writes (search/index-entry.ts); else null, for the backfill.
          const search = opts.indexed ? searchColumns(row.kind, row.content) : {};
          pending.push({ ...row, ...search, sessionId, seq, createdAt: at(seq), updatedAt: at(seq) } as Row);
        }
        await flush();
      }
      const arr = new Int32Array(seq + 1).fill(-1);
      for (let i = 1; i <= seq; i++) arr[i] = bySeq[i] ?? -1;
      truth.pageBySeq.set(sessionId, arr);
      if (visible) {
        truth.visible.add(sessionId);
        truth.visibleSessions.push(sessionId);
      }
      if (ownerId === me) truth.ownSessions.add(sessionId);
      truth.sessions++;
      const before = truth.entries;
      truth.entries += seq;
      if (Math.floor(before / 100_000) !== Math.floor(truth.entries / 100_000)) {
        const s = (performance.now() - started) / 1000;
        log(`    ${truth.entries} entries written (${((truth.entries - startEntries) / s).toFixed(0)}/s)\n`);
      }
    }
    await flush(true);
    return { insertMs: performance.now() - started };
  }
}
