// Drizzle schema: the one source of the database shape for both PGlite and PostgreSQL.
// Migrations in ../../drizzle are generated from this file with `npm run db:generate -w @strand/server`.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** PostgreSQL's full-text document type; written as `to_tsvector(...)` in SQL, never read back as a value. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    isAdmin: boolean("is_admin").notNull().default(false),
    /** Money is whole micro-dollars (lib/money.ts), so sums and limit checks are exact. */
    spendLimitMicros: bigint("spend_limit_micros", { mode: "number" }),
    /** Running LLM spend of `spend_month` (YYYY-MM, UTC); a new month starts from 0. */
    spendMonthMicros: bigint("spend_month_micros", { mode: "number" }).notNull().default(0),
    spendMonth: text("spend_month"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Set for a session token: it acts only for that session's agent, never on the user API. */
    sessionId: text("session_id"),
  },
  (t) => [
    uniqueIndex("api_tokens_hash_key").on(t.tokenHash),
    index("api_tokens_user_idx").on(t.userId),
    index("api_tokens_session_idx").on(t.sessionId),
  ],
);

/** Browser logins: the cookie holds a random secret whose hash is stored here. */
export const loginSessions = pgTable(
  "login_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    userAgent: text("user_agent"),
  },
  (t) => [uniqueIndex("login_sessions_hash_key").on(t.secretHash)],
);

export const nodes = pgTable(
  "nodes",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    status: text("status").notNull().default("offline"),
    maxSessions: integer("max_sessions").notNull().default(0),
    version: text("version"),
    labels: jsonb("labels").$type<Record<string, string>>().notNull().default({}),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }),
    /** Free space where the node keeps session disks and Docker's data, the smaller of the two. */
    diskFreeMb: integer("disk_free_mb"),
    /** How the node bounds a session's disk (`loop-ext4`), or `none` with the reason in `diskNote`. */
    diskLimits: text("disk_limits"),
    diskNote: text("disk_note"),
    createdAt: createdAt(),
  },
  (t) => [
    // The id is the node's identity; names are for people and may repeat (two hosts both called "dev").
    index("nodes_name_idx").on(t.name),
    check("nodes_status_check", sql`${t.status} in ('online', 'offline', 'draining')`),
  ],
);

export const teams = pgTable(
  "teams",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** URL-safe and unique, from the name at creation; kept when the team is renamed. */
    slug: text("slug").notNull(),
    /**
     * `provider/model` the team's conversations are embedded with for semantic search (docs/search.md);
     * null: the server-wide STRAND_SEARCH_EMBEDDING_MODEL, if any.
     */
    embeddingModel: text("embedding_model"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("teams_slug_key").on(t.slug), uniqueIndex("teams_name_key").on(sql`lower(${t.name})`)],
);

export const teamMembers = pgTable(
  "team_members",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId] }),
    index("team_members_user_idx").on(t.userId),
    check("team_members_role_check", sql`${t.role} in ('owner', 'admin', 'member', 'viewer')`),
  ],
);

export const projects = pgTable(
  "projects",
  {
    id: text("id").primaryKey(),
    /** URL-safe and unique: git URLs are /git/<slug>/<repo>.git. Kept when the project is renamed. */
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    teamId: text("team_id").references(() => teams.id, { onDelete: "restrict" }),
    /** Defaults for its sessions; null = the server's own default. */
    desktop: text("desktop"),
    runtime: text("runtime"),
    model: text("model"),
    cpus: integer("cpus"),
    memoryMb: integer("memory_mb"),
    branchPrefix: text("branch_prefix").notNull().default("strand/"),
    /** Branch names (or `*` patterns) sessions may never push to; null = just each repo's default branch. */
    protectedBranches: jsonb("protected_branches").$type<string[] | null>(),
    mergeStrategy: text("merge_strategy").notNull().default("merge"),
    checkpoints: boolean("checkpoints").notNull().default(true),
    /** Board WIP limits by column (`planning`, `spec_review`, `in_progress`); a missing key = the default. */
    wipLimits: jsonb("wip_limits").$type<Record<string, number>>().notNull().default({}),
    /** The number the next task gets (tasks are #1, #2, … per project). */
    nextTaskNumber: integer("next_task_number").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("projects_slug_key").on(t.slug),
    index("projects_owner_idx").on(t.ownerId),
    index("projects_team_idx").on(t.teamId),
    check("projects_merge_strategy_check", sql`${t.mergeStrategy} in ('fast-forward', 'merge', 'squash')`),
  ],
);

export const repos = pgTable(
  "repos",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    defaultBranch: text("default_branch").notNull(),
    /** Where it was imported from (no credentials in it); null for a repo born on Strand. */
    upstreamUrl: text("upstream_url"),
    upstreamUsername: text("upstream_username"),
    /** The upstream password or token, sealed like provider keys; never leaves the server. */
    upstreamSecretEnc: text("upstream_secret_enc"),
    /**
     * Which software hosts the upstream (github, gitlab, gitea), for pull requests; null = guessed
     * from the upstream URL (github.com, gitlab.com, gitea.com, codeberg.org) or no PRs.
     */
    hostKind: text("host_kind"),
    /** The host's REST API base when not at the kind's usual place. */
    hostApiBase: text("host_api_base"),
    /** The token for the host's REST API (opening PRs, reading their state), sealed; never leaves the server. */
    hostTokenEnc: text("host_token_enc"),
    /** The secret the host signs webhooks with, sealed; the webhook URL is keyed by the repo id. */
    webhookSecretEnc: text("webhook_secret_enc"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("repos_project_name_key").on(t.projectId, t.name),
    check("repos_host_kind_check", sql`${t.hostKind} is null or ${t.hostKind} in ('github', 'gitlab', 'gitea')`),
  ],
);

/** A session branch's pull request on the repo's upstream host; its state follows webhooks and polls. */
export const pullRequests = pgTable(
  "pull_requests",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    repoId: text("repo_id")
      .notNull()
      .references(() => repos.id, { onDelete: "cascade" }),
    hostKind: text("host_kind").notNull(),
    /** The number people see: GitHub's and Gitea's `number`, GitLab's `iid`. */
    number: integer("number").notNull(),
    url: text("url").notNull(),
    state: text("state").notNull(),
    head: text("head").notNull(),
    base: text("base").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the fallback poll last asked the host; webhooks make polls rare, not unnecessary. */
    polledAt: timestamp("polled_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("pull_requests_session_key").on(t.sessionId),
    uniqueIndex("pull_requests_repo_number_key").on(t.repoId, t.number),
    index("pull_requests_state_idx").on(t.state),
    check("pull_requests_state_check", sql`${t.state} in ('open', 'merged', 'closed')`),
  ],
);

/**
 * A review thread on a session's changes: anchored to a line range of one side of a file's diff at
 * the head it was written against. `anchor` keeps the text of those lines so a later push that
 * changes them marks the thread outdated instead of moving it to unrelated lines.
 */
export const reviewThreads = pgTable(
  "review_threads",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    /** `new` = lines of the head's file, `old` = lines of the base's (a removed line). */
    side: text("side").notNull().default("new"),
    startLine: integer("start_line").notNull(),
    endLine: integer("end_line").notNull(),
    /** The head commit the thread was written against. */
    commit: text("commit").notNull(),
    /** The anchored lines' text at `commit`. */
    anchor: text("anchor").notNull(),
    resolved: boolean("resolved").notNull().default(false),
    resolvedBy: text("resolved_by").references(() => users.id, { onDelete: "set null" }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /** When its comments were last sent to the agent as a prompt. */
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("review_threads_session_idx").on(t.sessionId, t.createdAt),
    check("review_threads_side_check", sql`${t.side} in ('old', 'new')`),
    check("review_threads_lines_check", sql`${t.startLine} >= 1 and ${t.endLine} >= ${t.startLine}`),
  ],
);

export const reviewComments = pgTable(
  "review_comments",
  {
    id: text("id").primaryKey(),
    threadId: text("thread_id")
      .notNull()
      .references(() => reviewThreads.id, { onDelete: "cascade" }),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("review_comments_thread_idx").on(t.threadId, t.createdAt)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Set when the session belongs to a team: its members see it, members and up control it. */
    teamId: text("team_id").references(() => teams.id, { onDelete: "restrict" }),
    /** A session on a project works on one of its repos, on its own branch cut from `base`. */
    projectId: text("project_id").references(() => projects.id, { onDelete: "restrict" }),
    /** The repo's name in the project (repos are named per project; a deleted one is reported by name). */
    repo: text("repo"),
    branch: text("branch"),
    base: text("base"),
    name: text("name").notNull(),
    desktop: text("desktop").notNull(),
    resolution: text("resolution").notNull().default("720p"),
    runtime: text("runtime").notNull(),
    model: text("model"),
    egress: text("egress").notNull().default("allow"),
    trusted: boolean("trusted").notNull().default(false),
    /** `autonomous` or `ask` (conversations: who answers the runtime's permission requests). */
    permissionMode: text("permission_mode").notNull().default("autonomous"),
    cpus: doublePrecision("cpus").notNull(),
    memoryMb: integer("memory_mb").notNull(),
    pids: integer("pids").notNull(),
    /** What the desktop may write (workspace, Docker data, home), in MiB; enforced by the node. */
    diskMb: integer("disk_mb").notNull().default(20480),
    desiredState: text("desired_state").notNull(),
    state: text("state").notNull(),
    stateReason: text("state_reason"),
    nodeId: text("node_id").references(() => nodes.id, { onDelete: "set null" }),
    spendLimitMicros: bigint("spend_limit_micros", { mode: "number" }),
    /** Running total of this session's llm_calls costs, so the proxy checks limits without a SUM. */
    spendMicros: bigint("spend_micros", { mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
  },
  (t) => [
    index("sessions_owner_created_idx").on(t.ownerId, t.createdAt.desc(), t.id.desc()),
    index("sessions_team_created_idx").on(t.teamId, t.createdAt.desc(), t.id.desc()),
    index("sessions_node_idx").on(t.nodeId),
    index("sessions_state_idx").on(t.state),
    check("sessions_desktop_check", sql`${t.desktop} in ('xfce', 'sway', 'gnome')`),
    check("sessions_resolution_check", sql`${t.resolution} in ('720p', '1080p')`),
    check("sessions_state_check", sql`${t.state} in ('pending', 'starting', 'ready', 'stopping', 'stopped', 'failed')`),
    check("sessions_desired_state_check", sql`${t.desiredState} in ('running', 'stopped', 'deleted')`),
    check("sessions_egress_check", sql`${t.egress} in ('allow', 'deny')`),
    check("sessions_permission_mode_check", sql`${t.permissionMode} in ('autonomous', 'ask')`),
  ],
);

/**
 * Append-only log of what happened (sessions, conversations, and later projects, tasks, teams);
 * `/api/v1/events` replays from it. Rows older than STRAND_EVENT_RETENTION_DAYS are pruned.
 */
export const events = pgTable(
  "events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** What it is about (protocol EVENT_SCOPE_TYPES); its audience is `owner_id` and the members of `team_id`. */
    scopeType: text("scope_type").notNull(),
    scopeId: text("scope_id").notNull(),
    /** Set for session and conversation events (the scope's session), for the thread's own queries. */
    sessionId: text("session_id"),
    /** The person who may see it (the owner of what it is about); null for team-only events. */
    ownerId: text("owner_id"),
    /** The team whose members may see it too. */
    teamId: text("team_id"),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("events_owner_idx").on(t.ownerId, t.id),
    index("events_team_idx").on(t.teamId, t.id),
    index("events_session_idx").on(t.sessionId, t.id),
    index("events_created_idx").on(t.createdAt),
    check("events_scope_type_check", sql`${t.scopeType} in ('session', 'project', 'team', 'user')`),
    check("events_audience_check", sql`${t.ownerId} is not null or ${t.teamId} is not null`),
  ],
);

/**
 * How far retention has pruned `events` (one row): a client resuming from before this id has
 * missed events it can no longer replay, and is told to reload instead.
 */
export const eventRetention = pgTable("event_retention", {
  id: integer("id").primaryKey().default(1),
  prunedThrough: bigint("pruned_through", { mode: "number" }).notNull().default(0),
  prunedAt: timestamp("pruned_at", { withTimezone: true }),
});

// ---- Conversations (docs/conversations.md) ----

/**
 * A session's conversation, one row per entry in `seq` order: user prompts (with their delivery
 * state), and what the agent produced (text, thoughts, tool calls, plans, notices, permission
 * requests). Agent entries are upserted by id, so agentd may resend them after a reconnect.
 */
export const conversationEntries = pgTable(
  "conversation_entries",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    /** Per-session order, given when the entry is first stored and never changed. */
    seq: integer("seq").notNull(),
    turnId: text("turn_id"),
    kind: text("kind").notNull(),
    role: text("role").notNull(),
    status: text("status").notNull(),
    content: jsonb("content").notNull(),
    /** The client's idempotency key, user prompts only. */
    requestId: text("request_id"),
    /** The agentd process (its `instance`) a prompt was last delivered to. */
    agentInstance: text("agent_instance"),
    /** How many times a prompt was handed to an agentd. */
    deliveries: integer("deliveries").notNull().default(0),
    /** Agent entries: the highest revision stored; older or repeated upserts are ignored. */
    rev: integer("rev").notNull().default(0),
    /**
     * What search finds of the entry (search/entry-text.ts), written with every insert and update of
     * the entry; null: not indexed yet (entries stored before search existed, until the backfill).
     */
    searchText: text("search_text"),
    /**
     * `to_tsvector('english', search_text)`, written by the same statements. Not a generated column:
     * adding one would rewrite the whole table inside the migration.
     */
    searchTsv: tsvector("search_tsv"),
    /**
     * How the search columns were made (`SEARCH_VERSION` in search/index-entry.ts); null: before
     * search existed, or by an older version (identifiers as lexemes came with 2). The backfill
     * redoes the rows behind.
     */
    searchVersion: smallint("search_version"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("conversation_entries_seq_key").on(t.sessionId, t.seq),
    index("conversation_entries_search_tsv_idx").using("gin", t.searchTsv),
    // Identifiers, paths, error codes: ILIKE '%…%' and similarity() go through trigrams.
    index("conversation_entries_search_trgm_idx").using("gin", t.searchText.op("gin_trgm_ops")),
    // Search ranks the newest matches when a query's words match very many entries (search/keyword.ts).
    index("conversation_entries_created_idx").on(t.createdAt),
    // The backfill's work list, and its progress count: stays small once it is done.
    index("conversation_entries_unindexed_idx").on(t.id).where(sql`${t.searchVersion} is null`),
    uniqueIndex("conversation_entries_request_key").on(t.sessionId, t.requestId),
    index("conversation_entries_turn_idx").on(t.sessionId, t.turnId),
    index("conversation_entries_status_idx").on(t.sessionId, t.kind, t.status),
    check(
      "conversation_entries_kind_check",
      sql`${t.kind} in ('user', 'text', 'thinking', 'tool_call', 'plan', 'notice', 'permission')`,
    ),
  ],
);

/** LLM providers; `api_key_enc` is AES-256-GCM under the server secret (crypto/secret-box.ts). */
export const providers = pgTable(
  "providers",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Set for a team's provider: the team's sessions use it, and its key is visible to nobody. */
    teamId: text("team_id").references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind").notNull(),
    baseUrl: text("base_url").notNull(),
    apiKeyEnc: text("api_key_enc"),
    apiKeyLast4: text("api_key_last4"),
    shared: boolean("shared").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("providers_owner_name_key").on(t.ownerId, t.name).where(sql`${t.teamId} is null`),
    uniqueIndex("providers_team_name_key").on(t.teamId, t.name).where(sql`${t.teamId} is not null`),
    // A shared name must resolve to one provider for everybody.
    uniqueIndex("providers_shared_name_key").on(t.name).where(sql`${t.shared}`),
    check(
      "providers_kind_check",
      sql`${t.kind} in ('anthropic', 'openai', 'together', 'openai-compatible', 'ollama', 'vllm')`,
    ),
  ],
);

/** One row per proxied LLM call, failures included; sessions and providers may outlive it or not. */
export const llmCalls = pgTable(
  "llm_calls",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    providerId: text("provider_id"),
    providerName: text("provider_name"),
    /** The model as the provider knows it (without the `provider/` prefix). */
    model: text("model"),
    /** Which proxy endpoint the agent called: messages, chat, responses, embeddings. */
    api: text("api").notNull(),
    stream: boolean("stream").notNull().default(false),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    /** Micro-dollars, rounded once per call (proxy/prices.ts). */
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    latencyMs: integer("latency_ms").notNull(),
    /** Streams only: from the request reaching the proxy to the first content event sent on. */
    ttftMs: integer("ttft_ms"),
    /** `ok`, or an error code such as `http_429`, `unreachable`, `spend_limit`, `client_closed`. */
    status: text("status").notNull(),
    httpStatus: integer("http_status"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index("llm_calls_session_idx").on(t.sessionId, t.createdAt),
    index("llm_calls_user_idx").on(t.userId, t.createdAt),
  ],
);

// ---- Tasks, specs and the board (docs/tasks.md) ----

/**
 * A unit of planned work on a project: planned as a spec, reviewed, implemented by a session on
 * its own branch, reviewed again and merged. `state` follows TASK_TRANSITIONS (protocol tasks.ts);
 * every change of it is one transaction that also records a task_transitions row and an event.
 */
export const tasks = pgTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    /** `spec`: plan, review the spec, then implement; `direct`: implement at once. */
    mode: text("mode").notNull().default("spec"),
    state: text("state").notNull().default("backlog"),
    /** Why it is in its state (a failure, the missing spec files), for people. */
    stateReason: text("state_reason"),
    /** Why it does not move on although asked to (a WIP limit, a dependency); null when nothing holds it. */
    waiting: text("waiting"),
    /**
     * Where it has been asked to go and is held back from (`planning`, `implementing`, `merging`),
     * e.g. started while the Planning column is full; the orchestrator moves it when it may.
     */
    queuedFor: text("queued_for"),
    priority: text("priority").notNull().default("medium"),
    labels: jsonb("labels").$type<string[]>().notNull().default([]),
    assigneeId: text("assignee_id").references(() => users.id, { onDelete: "set null" }),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    /** The repo it works on (default: the project's first) and the session working on it. */
    repo: text("repo"),
    sessionId: text("session_id").references(() => sessions.id, { onDelete: "set null" }),
    branch: text("branch"),
    /** The prompt entry whose turn the task waits for (planning, a revision, implementing). */
    turnEntryId: text("turn_entry_id"),
    /** The spec commit that was approved. */
    approvedSpecCommit: text("approved_spec_commit"),
    /** Checklist progress from specs/<n>-<slug>/tasks.md at the branch head (and the agent's ticks). */
    progressDone: integer("progress_done").notNull().default(0),
    progressTotal: integer("progress_total").notNull().default(0),
    /** Checklist items the agent ticked through the API, by their text. */
    checklistTicks: jsonb("checklist_ticks").$type<string[]>().notNull().default([]),
    stateChangedAt: timestamp("state_changed_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("tasks_project_number_key").on(t.projectId, t.number),
    index("tasks_project_state_idx").on(t.projectId, t.state),
    index("tasks_session_idx").on(t.sessionId),
    check("tasks_mode_check", sql`${t.mode} in ('spec', 'direct')`),
    check(
      "tasks_state_check",
      sql`${t.state} in ('backlog', 'planning', 'spec_review', 'spec_revision', 'implementing', 'code_review', 'code_revision', 'merging', 'done', 'planning_failed', 'implementation_failed', 'cancelled')`,
    ),
    check("tasks_priority_check", sql`${t.priority} in ('low', 'medium', 'high', 'urgent')`),
  ],
);

/** A task waits until every task it depends on is done; cycles are refused on write. */
export const taskDependencies = pgTable(
  "task_dependencies",
  {
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    dependsOnId: text("depends_on_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.dependsOnId] }), index("task_dependencies_depends_idx").on(t.dependsOnId)],
);

/** Files the agent gets in its workspace (committed under specs/<n>-<slug>/attachments/ on the task branch). */
export const taskAttachments = pgTable(
  "task_attachments",
  {
    id: text("id").primaryKey(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    contentType: text("content_type").notNull().default("application/octet-stream"),
    size: integer("size").notNull(),
    content: text("content_b64").notNull(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("task_attachments_name_key").on(t.taskId, t.name)],
);

/** Every state change of a task, with who or what caused it (events are pruned; this is the history). */
export const taskTransitions = pgTable(
  "task_transitions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    fromState: text("from_state"),
    toState: text("to_state").notNull(),
    /** `user` (actor_id = the person), `agent` (the session), or `system` (the orchestrator). */
    actorKind: text("actor_kind").notNull(),
    actorId: text("actor_id"),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [index("task_transitions_task_idx").on(t.taskId, t.id)],
);

/** Each push that changed a task's spec documents is a revision the reviewer can compare with another. */
export const specRevisions = pgTable(
  "spec_revisions",
  {
    id: text("id").primaryKey(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    commit: text("commit").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("spec_revisions_number_key").on(t.taskId, t.number),
    uniqueIndex("spec_revisions_commit_key").on(t.taskId, t.commit),
  ],
);

/**
 * A comment thread on a selection of one spec document. `quote` (with some text around it) is
 * what was selected; when a later revision no longer contains it, the thread is outdated.
 */
export const specThreads = pgTable(
  "spec_threads",
  {
    id: text("id").primaryKey(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    /** `requirements`, `design` or `tasks`. */
    document: text("document").notNull(),
    quote: text("quote").notNull(),
    prefix: text("prefix").notNull().default(""),
    suffix: text("suffix").notNull().default(""),
    /** The revision the selection was made on. */
    revision: integer("revision").notNull(),
    resolved: boolean("resolved").notNull().default(false),
    resolvedBy: text("resolved_by").references(() => users.id, { onDelete: "set null" }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("spec_threads_task_idx").on(t.taskId, t.createdAt),
    check("spec_threads_document_check", sql`${t.document} in ('requirements', 'design', 'tasks')`),
  ],
);

export const specComments = pgTable(
  "spec_comments",
  {
    id: text("id").primaryKey(),
    threadId: text("thread_id")
      .notNull()
      .references(() => specThreads.id, { onDelete: "cascade" }),
    /** A person; null for the agent's own reply or question. */
    authorId: text("author_id").references(() => users.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index("spec_comments_thread_idx").on(t.threadId, t.createdAt)],
);

// ---- Notifications (docs/notifications.md) ----

/** A person's inbox: each item says what needs them and links to where to act. */
export const notifications = pgTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull().default(""),
    /** The web UI path to act on it (`/tasks/…`, `/sessions/…`). */
    link: text("link").notNull(),
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    taskId: text("task_id").references(() => tasks.id, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => sessions.id, { onDelete: "cascade" }),
    readAt: timestamp("read_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("notifications_user_idx").on(t.userId, t.createdAt.desc()),
    index("notifications_unread_idx").on(t.userId).where(sql`${t.readAt} is null`),
  ],
);

/** Which kinds reach a person, and how; a kind without a row reaches them in the inbox and the browser. */
export const notificationPreferences = pgTable(
  "notification_preferences",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    inbox: boolean("inbox").notNull().default(true),
    browser: boolean("browser").notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

/** A project's outgoing webhook: JSON deliveries signed with its secret (sealed like provider keys). */
export const projectWebhooks = pgTable(
  "project_webhooks",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    secretEnc: text("secret_enc").notNull(),
    /** Which notification kinds it receives; empty = all. */
    kinds: jsonb("kinds").$type<string[]>().notNull().default([]),
    active: boolean("active").notNull().default(true),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("project_webhooks_project_idx").on(t.projectId)],
);

/** One delivery of one notification to one webhook, retried with backoff; the delivery log. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => projectWebhooks.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    payload: jsonb("payload").notNull(),
    /** `pending` (to be sent or retried), `delivered`, `failed` (gave up). */
    state: text("state").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt.desc()),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`),
    check("webhook_deliveries_state_check", sql`${t.state} in ('pending', 'delivered', 'failed')`),
  ],
);

/**
 * Search's background work as the replicas share it (search/backfill.ts, search/embedder.ts): the
 * last failure of each job, so `GET /api/v1/search/status` on any replica can say why it is stuck.
 * The vectors themselves are in `entry_embeddings`, created by migration 0012 as `vector` where
 * pgvector exists and as `real[]` elsewhere, so it is not described here (search/vector-store.ts).
 */
export const searchJobs = pgTable("search_jobs", {
  name: text("name").primaryKey(),
  lastError: text("last_error"),
  lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A knowledge source of a team or a project (docs/knowledge.md): uploaded files, a Jira site, a
 * Confluence site, or documents pushed through the API. Its sync follows the session's pattern: one
 * transaction per transition (row lock, `KNOWLEDGE_TRANSITIONS` in the protocol, an event).
 */
export const knowledgeSources = pgTable(
  "knowledge_sources",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** What it holds, for people and for the agents' instructions (when to search it). */
    description: text("description").notNull().default(""),
    kind: text("kind").notNull(),
    /** Exactly one of team and project: who it belongs to and whose agents get it. */
    teamId: text("team_id").references(() => teams.id, { onDelete: "cascade" }),
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The kind's settings without secrets: site URL, deployment, JQL, spaces, email. */
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    /** The kind's secrets (API token, personal access token), sealed JSON; never returned or sent to a sandbox. */
    credentialsEnc: text("credentials_enc"),
    state: text("state").notNull().default("pending"),
    stateReason: text("state_reason"),
    /** `{documents_done, documents_total, chunks_done, chunks_total}` of the running or last sync. */
    progress: jsonb("progress").$type<Record<string, number>>().notNull().default({}),
    /** Seconds between scheduled syncs (Jira, Confluence); null: only on Sync now. */
    scheduleSeconds: integer("schedule_seconds"),
    lastSyncedAt: timestamp("last_synced_at", { withTimezone: true }),
    nextSyncAt: timestamp("next_sync_at", { withTimezone: true }),
    /** Where a sync resumes after a restart (connector-specific: updated-since, page cursor). */
    syncCursor: jsonb("sync_cursor").$type<Record<string, unknown> | null>(),
    /** The replica running the sync and its last heartbeat: a stale lease is taken over. */
    syncOwner: text("sync_owner"),
    syncHeartbeatAt: timestamp("sync_heartbeat_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("knowledge_sources_team_name_key")
      .on(t.teamId, sql`lower(${t.name})`)
      .where(sql`${t.teamId} is not null`),
    uniqueIndex("knowledge_sources_project_name_key")
      .on(t.projectId, sql`lower(${t.name})`)
      .where(sql`${t.projectId} is not null`),
    index("knowledge_sources_next_sync_idx").on(t.nextSyncAt),
    check("knowledge_sources_kind_check", sql`${t.kind} in ('files', 'jira', 'confluence', 'api')`),
    check("knowledge_sources_state_check", sql`${t.state} in ('pending', 'syncing', 'ready', 'error')`),
    check("knowledge_sources_owner_check", sql`(${t.teamId} is null) <> (${t.projectId} is null)`),
  ],
);

/** One document of a source: a file (a zip's member by its path), a Jira issue, a Confluence page, a pushed document. */
export const knowledgeDocuments = pgTable(
  "knowledge_documents",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id")
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: "cascade" }),
    /** The document's identity in its source: file path, issue key, page id, the API's doc_id. */
    externalId: text("external_id").notNull(),
    title: text("title").notNull(),
    /** A link to the original (the issue, the page, the pushed URL); null for uploads. */
    url: text("url"),
    /** `pdf`, `docx`, `markdown`, `html`, `text`, `code`, `jira_issue`, `confluence_page`, `api`. */
    format: text("format").notNull(),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    /** sha256 of what was indexed: an unchanged re-upload or re-sync is skipped. */
    contentHash: text("content_hash").notNull(),
    state: text("state").notNull().default("ready"),
    /** Why it could not be indexed (encrypted PDF, no text, too large). */
    error: text("error"),
    chunkCount: integer("chunk_count").notNull().default(0),
    byteSize: integer("byte_size").notNull().default(0),
    /** When the source last changed it (Jira `updated`, Confluence last modified, upload time). */
    sourceUpdatedAt: timestamp("source_updated_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("knowledge_documents_source_external_key").on(t.sourceId, t.externalId),
    check("knowledge_documents_state_check", sql`${t.state} in ('ready', 'error')`),
  ],
);

/**
 * A searchable piece of a document (knowledge/chunk.ts): heading-aware, about 500 tokens, its text
 * prefixed with the document's title and headings. Searched by the same engine as conversations.
 */
export const knowledgeChunks = pgTable(
  "knowledge_chunks",
  {
    id: text("id").primaryKey(),
    documentId: text("document_id")
      .notNull()
      .references(() => knowledgeDocuments.id, { onDelete: "cascade" }),
    /** Denormalised from the document: search filters by source without a join. */
    sourceId: text("source_id")
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: "cascade" }),
    /** Order within the document, from 0: `read_document` reads neighbours by it. */
    seq: integer("seq").notNull(),
    /** Where in the document: `page 3`, `Install › Debian`, `PROJ-12 comment 2`. */
    location: text("location").notNull().default(""),
    /** The chunk as searched and shown: title prefix, headings, text. */
    searchText: text("search_text").notNull(),
    searchTsv: tsvector("search_tsv").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("knowledge_chunks_document_seq_key").on(t.documentId, t.seq),
    index("knowledge_chunks_source_idx").on(t.sourceId),
    index("knowledge_chunks_search_tsv_idx").using("gin", t.searchTsv),
    index("knowledge_chunks_search_trgm_idx").using("gin", t.searchText.op("gin_trgm_ops")),
  ],
);

/**
 * A team's or a project's own MCP server (docs/mcp.md): `http` ones are reached by agents through
 * `/mcp/servers/<name>`, which adds the sealed headers; `stdio` ones run inside the sandbox.
 */
export const mcpServers = pgTable(
  "mcp_servers",
  {
    id: text("id").primaryKey(),
    /** What agents and `/mcp/servers/<name>` call it: unique within its team or project. */
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    teamId: text("team_id").references(() => teams.id, { onDelete: "cascade" }),
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    transport: text("transport").notNull(),
    /** `http`: where the server is; its headers are sealed JSON, never returned or sent to a sandbox. */
    url: text("url"),
    headersEnc: text("headers_enc"),
    /** Header names only, for showing what is set. */
    headerNames: jsonb("header_names").$type<string[]>().notNull().default([]),
    /** `stdio`: what runs in the sandbox; the environment holds no secrets (it is visible there). */
    command: text("command"),
    args: jsonb("args").$type<string[]>().notNull().default([]),
    env: jsonb("env").$type<Record<string, string>>().notNull().default({}),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("mcp_servers_team_name_key").on(t.teamId, sql`lower(${t.name})`).where(sql`${t.teamId} is not null`),
    uniqueIndex("mcp_servers_project_name_key")
      .on(t.projectId, sql`lower(${t.name})`)
      .where(sql`${t.projectId} is not null`),
    check("mcp_servers_transport_check", sql`${t.transport} in ('http', 'stdio')`),
    check("mcp_servers_owner_check", sql`(${t.teamId} is null) <> (${t.projectId} is null)`),
    check(
      "mcp_servers_transport_fields_check",
      sql`(${t.transport} = 'http' and ${t.url} is not null) or (${t.transport} = 'stdio' and ${t.command} is not null)`,
    ),
  ],
);
