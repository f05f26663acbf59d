import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AdminSeed } from "./auth/bootstrap.js";
import { NetworkPolicyError, parseNetworkPolicy } from "./providers/network-policy.js";

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: string;
  /** Mark the login cookie `Secure`; turn on when Strand is served over HTTPS. */
  secureCookies: boolean;
  loginTtlMs: number;
  bodyLimitBytes: number;
  trustProxy: boolean;
  /** The built web UI (packages/web/dist unless STRAND_WEB_DIR says otherwise). */
  webDir: string;
  admin: AdminSeed;
  /** Encrypts provider keys at rest. Unset: generated once into `<dataDir>/secret`. */
  secret: string | undefined;
  /** Largest request body the LLM proxy accepts (long contexts and images are big). */
  llmBodyLimitBytes: number;
  /** Origins besides the server's own whose pages may use the login cookie for writes and WebSockets. */
  allowedOrigins: string[];
  /** Bearer token that may read /metrics besides admins' API tokens. */
  metricsToken: string | undefined;
  /** Address ranges a provider's base URL may resolve to besides public ones (`loopback`, `private`, CIDRs). */
  providerPrivateNetworks: string[];
  /** Free disk (MiB) kept on the data dir and on Docker's disk; below it new sessions wait. */
  minFreeDiskMb: number;
  /** Events older than this are pruned; a client resuming from before then is told to reload. */
  eventRetentionDays: number;
  /** How often open pull requests' states are read from their hosts when no webhook said; 0 = never. */
  prPollSeconds: number;
  /** How often the task orchestrator looks for tasks to move on, besides right after events (ms). */
  taskTickMs: number;
  /** The origin people reach Strand at, for absolute links (webhook payloads); unset: see publicUrlOf. */
  publicUrl: string | undefined;
  /** First retry delay of a failed webhook delivery; later ones grow from it. */
  webhookRetryBaseMs: number;
  /** Search (docs/search.md): entries per transaction of the backfill of older entries. */
  searchBackfillBatch: number;
  /** Pause between backfill batches (ms). */
  searchBackfillPauseMs: number;
  /** Knowledge sync runner (docs/knowledge.md): how often it looks for due sources (ms). */
  knowledgeSyncPollMs: number;
  /** A sync lease not renewed for this long (ms) is taken over by another replica. */
  knowledgeSyncLeaseMs: number;
  /** `provider/model` conversations are embedded with for semantic search; unset: keyword search only. */
  searchEmbeddingModel: string | undefined;
  /** How long the embedder waits after its provider failed before it tries again (ms). */
  searchEmbeddingRetryMs: number;
}

export interface ServerFlags {
  port?: number | string | undefined;
  host?: string | undefined;
  dataDir?: string | undefined;
}

/** One place that reads the environment, so `--help`, docs and behaviour cannot drift apart. */
export const ENV_VARS = {
  PORT: "Port to listen on (default 8080; --port wins).",
  HOST: "Address to bind (default 0.0.0.0; --host wins).",
  STRAND_DATA_DIR: "Directory for the embedded database and other state (default ./data; --data-dir wins).",
  DATABASE_URL: "PostgreSQL URL. Unset: the embedded PGlite database in the data directory.",
  LOG_LEVEL: "pino level: fatal, error, warn, info (default), debug, trace.",
  STRAND_SECURE_COOKIES: "true when served over HTTPS: marks the login cookie Secure (default false).",
  STRAND_LOGIN_TTL_HOURS: "How long a browser login lasts (default 336 = 14 days).",
  STRAND_BODY_LIMIT: "Largest accepted request body in bytes (default 1048576).",
  STRAND_TRUST_PROXY: "true behind a reverse proxy, to honour X-Forwarded-* (default false).",
  STRAND_WEB_DIR: "Directory of the built web UI to serve at / (default: packages/web/dist of this install).",
  STRAND_ADMIN_EMAIL: "First start only: the admin's email (default admin@localhost).",
  STRAND_ADMIN_PASSWORD: "First start only: the admin's password (default: generated and printed once).",
  STRAND_ADMIN_TOKEN: "First start only: also create an API token with exactly this value.",
  STRAND_SECRET:
    "Encrypts provider API keys at rest (16+ characters). Unset: generated once into <data dir>/secret. " +
    "Set the same value on every replica.",
  STRAND_LLM_BODY_LIMIT: "Largest LLM proxy request body in bytes (default 33554432).",
  STRAND_ALLOWED_ORIGINS:
    "Comma-separated origins (e.g. https://strand.example.com) whose pages may use the login cookie for " +
    "writes and WebSockets, besides the server's own.",
  STRAND_METRICS_TOKEN: "Bearer token (20+ characters) that may read /metrics, besides admins' API tokens.",
  STRAND_PROVIDER_PRIVATE_NETWORKS:
    "Non-public ranges provider base URLs may resolve to: loopback (default), private, none, or CIDRs, " +
    "comma-separated. Link-local and metadata addresses are always refused.",
  STRAND_MIN_FREE_DISK_MB:
    "Free disk in MiB kept on the data dir and on Docker's disk; below it new sessions wait (default 2048).",
  STRAND_EVENT_RETENTION_DAYS:
    "Days of live-update events kept for clients to catch up on after reconnecting (default 14); older ones are pruned.",
  STRAND_PR_POLL_SECONDS:
    "Seconds between polls of open pull requests' states on their hosts, the fallback for missed webhooks " +
    "(default 300; 0 turns polling off).",
  STRAND_TASK_TICK_MS:
    "Milliseconds between the task orchestrator's passes over the boards (default 2000); it also runs right after " +
    "the events that move tasks, so this bounds only how late a missed one is noticed.",
  STRAND_PUBLIC_URL:
    "The address people reach Strand at (e.g. https://strand.example.com), for links in webhook deliveries. " +
    "Unset: the first of STRAND_ALLOWED_ORIGINS, else http://localhost:<port>.",
  STRAND_WEBHOOK_RETRY_BASE_MS:
    "First retry delay in ms of a failed project webhook delivery (default 5000); later retries wait 6, 24, 120 " +
    "and 720 times as long, and the 6th failed attempt gives up.",
  STRAND_SEARCH_BACKFILL_BATCH:
    "Entries indexed per transaction when older entries are added to the search index (default 500).",
  STRAND_SEARCH_BACKFILL_PAUSE_MS: "Pause in ms between batches of that backfill (default 50).",
  STRAND_KNOWLEDGE_SYNC_POLL_MS: "How often in ms the knowledge sync runner looks for due sources (default 30000).",
  STRAND_KNOWLEDGE_SYNC_LEASE_MS:
    "A knowledge sync whose replica has not renewed its lease for this many ms is taken over, resuming from its cursor (default 120000).",
  STRAND_SEARCH_EMBEDDING_MODEL:
    "provider/model of an OpenAI-style embeddings model (e.g. work-openai/text-embedding-3-small) to add " +
    "semantic matches to search; the provider must be shared by an admin. Teams may set their own. Unset: " +
    "keyword search only.",
  STRAND_SEARCH_EMBEDDING_RETRY_MS:
    "How long in ms the embedder waits after its provider failed before it tries again (default 30000).",
} as const;

/** packages/web/dist beside this package (dist/config.js → ../../web/dist). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function resolveConfig(env: NodeJS.ProcessEnv = process.env, flags: ServerFlags = {}): ServerConfig {
  return {
    port: parsePort(flags.port ?? env.PORT ?? 8080),
    host: flags.host ?? env.HOST ?? "0.0.0.0",
    dataDir: resolve(flags.dataDir ?? env.STRAND_DATA_DIR ?? "./data"),
    databaseUrl: nonEmpty(env.DATABASE_URL),
    logLevel: env.LOG_LEVEL ?? "info",
    secureCookies: parseBool("STRAND_SECURE_COOKIES", env.STRAND_SECURE_COOKIES, false),
    loginTtlMs: parsePositive("STRAND_LOGIN_TTL_HOURS", env.STRAND_LOGIN_TTL_HOURS, 336) * 3_600_000,
    bodyLimitBytes: parsePositive("STRAND_BODY_LIMIT", env.STRAND_BODY_LIMIT, 1_048_576),
    trustProxy: parseBool("STRAND_TRUST_PROXY", env.STRAND_TRUST_PROXY, false),
    webDir: resolve(nonEmpty(env.STRAND_WEB_DIR) ?? DEFAULT_WEB_DIR),
    admin: {
      email: nonEmpty(env.STRAND_ADMIN_EMAIL),
      password: nonEmpty(env.STRAND_ADMIN_PASSWORD),
      token: nonEmpty(env.STRAND_ADMIN_TOKEN),
    },
    secret: parseSecret(env.STRAND_SECRET),
    llmBodyLimitBytes: parsePositive("STRAND_LLM_BODY_LIMIT", env.STRAND_LLM_BODY_LIMIT, 33_554_432),
    allowedOrigins: parseList(env.STRAND_ALLOWED_ORIGINS),
    metricsToken: nonEmpty(env.STRAND_METRICS_TOKEN),
    providerPrivateNetworks: parsePrivateNetworks(env.STRAND_PROVIDER_PRIVATE_NETWORKS),
    minFreeDiskMb: parseNonNegative("STRAND_MIN_FREE_DISK_MB", env.STRAND_MIN_FREE_DISK_MB, 2048),
    eventRetentionDays: parsePositive("STRAND_EVENT_RETENTION_DAYS", env.STRAND_EVENT_RETENTION_DAYS, 14),
    prPollSeconds: parseNonNegative("STRAND_PR_POLL_SECONDS", env.STRAND_PR_POLL_SECONDS, 300),
    taskTickMs: parsePositive("STRAND_TASK_TICK_MS", env.STRAND_TASK_TICK_MS, 2000),
    publicUrl: parseOrigin("STRAND_PUBLIC_URL", env.STRAND_PUBLIC_URL),
    webhookRetryBaseMs: parsePositive("STRAND_WEBHOOK_RETRY_BASE_MS", env.STRAND_WEBHOOK_RETRY_BASE_MS, 5000),
    searchBackfillBatch: Math.floor(
      parsePositive("STRAND_SEARCH_BACKFILL_BATCH", env.STRAND_SEARCH_BACKFILL_BATCH, 500),
    ),
    searchBackfillPauseMs: parseNonNegative("STRAND_SEARCH_BACKFILL_PAUSE_MS", env.STRAND_SEARCH_BACKFILL_PAUSE_MS, 50),
    knowledgeSyncPollMs: parseNonNegative("STRAND_KNOWLEDGE_SYNC_POLL_MS", env.STRAND_KNOWLEDGE_SYNC_POLL_MS, 30_000),
    knowledgeSyncLeaseMs: parseNonNegative(
      "STRAND_KNOWLEDGE_SYNC_LEASE_MS",
      env.STRAND_KNOWLEDGE_SYNC_LEASE_MS,
      120_000,
    ),
    searchEmbeddingModel: parseModelName("STRAND_SEARCH_EMBEDDING_MODEL", env.STRAND_SEARCH_EMBEDDING_MODEL),
    searchEmbeddingRetryMs: parsePositive(
      "STRAND_SEARCH_EMBEDDING_RETRY_MS",
      env.STRAND_SEARCH_EMBEDDING_RETRY_MS,
      30_000,
    ),
  };
}

/** `provider/model`: a provider name, a slash, a model id (which may hold slashes itself). */
function parseModelName(name: string, v: string | undefined): string | undefined {
  const s = nonEmpty(v)?.trim();
  if (s === undefined) return undefined;
  const slash = s.indexOf("/");
  if (slash <= 0 || slash === s.length - 1) {
    throw new ConfigError(
      `${name} must be provider/model, e.g. work-openai/text-embedding-3-small, got ${JSON.stringify(v)}`,
    );
  }
  return s;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v;
}

export const MIN_SECRET_LENGTH = 16;

function parseSecret(v: string | undefined): string | undefined {
  const s = nonEmpty(v);
  if (s !== undefined && s.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `STRAND_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return s;
}

function parsePort(v: number | string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new ConfigError(`port must be a whole number from 0 to 65535, got ${JSON.stringify(v)}`);
  }
  return n;
}

function parsePositive(name: string, v: string | undefined, fallback: number): number {
  if (nonEmpty(v) === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

function parseNonNegative(name: string, v: string | undefined, fallback: number): number {
  if (nonEmpty(v) === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be 0 or more, got ${JSON.stringify(v)}`);
  return n;
}

function parseOrigin(name: string, v: string | undefined): string | undefined {
  const s = nonEmpty(v)?.trim();
  if (s === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ConfigError(
      `${name} must be an absolute http(s) URL such as https://strand.example.com, got ${JSON.stringify(v)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${name} must start with http:// or https://, got ${JSON.stringify(v)}`);
  }
  return s.replace(/\/+$/, "");
}

/** Where links sent out of Strand point: STRAND_PUBLIC_URL, the first allowed origin, or the local address. */
export function publicUrlOf(config: ServerConfig, listeningUrl: string): string {
  return config.publicUrl ?? config.allowedOrigins[0]?.replace(/\/+$/, "") ?? listeningUrl;
}

function parseList(v: string | undefined): string[] {
  return (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Checked here so a typo stops the start-up instead of refusing every provider later. */
function parsePrivateNetworks(v: string | undefined): string[] {
  const entries = nonEmpty(v) ? parseList(v) : ["loopback"];
  try {
    parseNetworkPolicy(entries);
  } catch (err) {
    if (err instanceof NetworkPolicyError) throw new ConfigError(`STRAND_PROVIDER_PRIVATE_NETWORKS: ${err.message}`);
    throw err;
  }
  return entries;
}

function parseBool(name: string, v: string | undefined, fallback: boolean): boolean {
  if (nonEmpty(v) === undefined) return fallback;
  const s = (v as string).trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off"].includes(s)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(v)}`);
}
