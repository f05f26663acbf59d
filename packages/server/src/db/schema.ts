// Drizzle schema: the one source of the database shape for both PGlite and PostgreSQL.
// Migrations in ../../drizzle are generated from this file with `npm run db:generate -w @strand/server`.
import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    isAdmin: boolean("is_admin").notNull().default(false),
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
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("nodes_name_key").on(t.name),
    check("nodes_status_check", sql`${t.status} in ('online', 'offline', 'draining')`),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    desktop: text("desktop").notNull(),
    runtime: text("runtime").notNull(),
    model: text("model"),
    egress: text("egress").notNull().default("allow"),
    trusted: boolean("trusted").notNull().default(false),
    cpus: doublePrecision("cpus").notNull(),
    memoryMb: integer("memory_mb").notNull(),
    pids: integer("pids").notNull(),
    desiredState: text("desired_state").notNull(),
    state: text("state").notNull(),
    stateReason: text("state_reason"),
    nodeId: text("node_id").references(() => nodes.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
  },
  (t) => [
    index("sessions_owner_created_idx").on(t.ownerId, t.createdAt.desc(), t.id.desc()),
    index("sessions_node_idx").on(t.nodeId),
    index("sessions_state_idx").on(t.state),
    check("sessions_desktop_check", sql`${t.desktop} in ('xfce', 'sway', 'gnome')`),
    check("sessions_state_check", sql`${t.state} in ('pending', 'starting', 'ready', 'stopping', 'stopped', 'failed')`),
    check("sessions_desired_state_check", sql`${t.desiredState} in ('running', 'stopped', 'deleted')`),
    check("sessions_egress_check", sql`${t.egress} in ('allow', 'deny')`),
  ],
);

/** Append-only log of what happened to sessions; `/api/v1/events` replays from it. */
export const sessionEvents = pgTable(
  "session_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    sessionId: text("session_id").notNull(),
    ownerId: text("owner_id").notNull(),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("session_events_owner_idx").on(t.ownerId, t.id),
    index("session_events_session_idx").on(t.sessionId, t.id),
  ],
);
