import { join } from "node:path";
import type { SandboxDriver } from "@strand/protocol";
import { eq } from "drizzle-orm";
import pino, { type Logger } from "pino";
import type { RegisteredRoute } from "./api/route-registry.js";
import { buildApp } from "./app.js";
import { type BootstrapResult, bootstrapAdmin } from "./auth/bootstrap.js";
import { publicUrlOf, type ServerConfig } from "./config.js";
import type { AppContext } from "./context.js";
import { ConversationHub } from "./conversations/hub.js";
import { ConversationService } from "./conversations/service.js";
import { SecretBox } from "./crypto/secret-box.js";
import { loadServerSecret } from "./crypto/server-secret.js";
import { type Database, openDatabase } from "./db/database.js";
import { nodes } from "./db/schema.js";
import { EventBus } from "./events/bus.js";
import { EventRetention } from "./events/retention.js";
import { KnowledgeService } from "./knowledge/service.js";
import { KnowledgeSyncRunner } from "./knowledge/sync-runner.js";
import { DisposableStore } from "./lib/disposables.js";
import { NodeRegistry, nodeIdFor } from "./nodes/registry.js";
import { NotificationService } from "./notifications/service.js";
import { WebhookWorker } from "./notifications/webhook-worker.js";
import { createMetrics } from "./observability/metrics.js";
import { ReviewService } from "./projects/review.js";
import { ProjectService } from "./projects/service.js";
import { NetworkGuard } from "./providers/network-guard.js";
import { parseNetworkPolicy } from "./providers/network-policy.js";
import { ProviderStore } from "./providers/store.js";
import { CallerCache } from "./proxy/caller-cache.js";
import { createUpstreamAgent } from "./proxy/upstream.js";
import { PullRequestPoller } from "./pull-requests/poller.js";
import { PullRequestService } from "./pull-requests/service.js";
import { ReviewThreadService } from "./review/service.js";
import { backfillProgress, SearchBackfill } from "./search/backfill.js";
import { Embedder } from "./search/embedder.js";
import { SearchService } from "./search/service.js";
import { AgentPresence } from "./sessions/agents.js";
import { SessionService } from "./sessions/service.js";
import { Thumbnails } from "./sessions/thumbnails.js";
import { bindOpenSpecComments } from "./specs/open-comments.js";
import { SpecService } from "./specs/service.js";
import { StreamHubs } from "./stream/hubs.js";
import { TaskOrchestrator } from "./tasks/orchestrator.js";
import { TaskService } from "./tasks/service.js";
import { TeamService } from "./teams/service.js";

export interface RunningServer {
  url: string;
  port: number;
  database: Database;
  /** Non-null on the very first start: how the operator logs in. */
  bootstrap: BootstrapResult | null;
  /** The embedded sandbox node, when one runs. */
  node: { id: string; name: string } | undefined;
  log: Logger;
  /** Every route and the access it gets (api/require-auth.ts). */
  routes: readonly RegisteredRoute[];
  /** The inbox and project webhooks (tests drive `notify` through it). */
  notifications: NotificationService;
  /** Graceful: stops accepting, closes sockets, finishes in-flight requests, closes the database. */
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "strand-server" },
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]', "*.password", "*.token"],
      censor: "[redacted]",
    },
  });
}

/** What the embedded node's factory may ask of the server. */
export interface EmbeddedNodeEnv {
  /**
   * True when this database knows a node whose id was `name` itself: the embedded node of this
   * data dir before node ids were generated, whose desktops carry that name as their label.
   */
  legacyNodeInUse(name: string): Promise<boolean>;
}

export interface StartOptions {
  /**
   * Builds the embedded sandbox node once the port is known (containers dial back to it).
   * Without one, sessions wait for a node.
   */
  driverFactory?: (port: number, env: EmbeddedNodeEnv) => Promise<SandboxDriver | undefined>;
}

export async function startServer(
  config: ServerConfig,
  log: Logger = createLogger(config.logLevel),
  opts: StartOptions = {},
): Promise<RunningServer> {
  // Every cleanup is registered the moment its service exists: a start that fails half-way and
  // a shutdown let go of the same things, newest first (lib/disposables.ts).
  const disposables = new DisposableStore();
  const release = async () => {
    for (const { name, err } of await disposables.dispose()) log.warn({ err, resource: name }, "cleanup failed");
  };
  try {
    const secret = loadServerSecret({ secret: config.secret, dataDir: config.dataDir, log });
    const database = disposables.add(
      "database",
      await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log }),
      (d) => d.close(),
    );
    const providerNetwork = new NetworkGuard(parseNetworkPolicy(config.providerPrivateNetworks));
    const upstream = disposables.add("provider connections", createUpstreamAgent(providerNetwork), (u) => u.destroy());
    const bootstrap = await bootstrapAdmin(database.db, config.admin);
    const bus = disposables.add("event bus", new EventBus(database, log), (b) => b.stop());
    await bus.start();
    disposables
      .add("event retention", new EventRetention(database.db, log, config.eventRetentionDays * 86_400_000), (r) =>
        r.stop(),
      )
      .start();
    const box = new SecretBox(secret);
    const projects = new ProjectService(database.db, join(config.dataDir, "git"), box);
    // Links in webhook payloads; the port is only known once listening.
    let listeningUrl = `http://localhost:${config.port}`;
    let webhooks: WebhookWorker | undefined;
    const notifications = new NotificationService(database.db, projects, box, {
      publicUrl: () => publicUrlOf(config, listeningUrl),
      onQueued: () => webhooks?.wake(),
    });
    webhooks = disposables.add(
      "webhook deliveries",
      new WebhookWorker({
        db: database.db,
        log: log.child({ component: "webhooks" }),
        secretOf: (hook) => notifications.secretOf(hook),
        retryBaseMs: config.webhookRetryBaseMs,
      }),
      (w) => w.stop(),
    );
    webhooks.start();
    const sessions = new SessionService(database.db, projects, notifications);
    const pullRequests = new PullRequestService(database.db, projects, log.child({ component: "pull-requests" }), {
      notifier: notifications,
    });
    if (config.prPollSeconds > 0) {
      disposables
        .add("pull request polling", new PullRequestPoller(pullRequests, log, config.prPollSeconds * 1000), (p) =>
          p.stop(),
        )
        .start();
    }
    const agents = new AgentPresence(sessions);
    const nodeRegistry = new NodeRegistry({
      db: database.db,
      sessions,
      bus,
      log,
      disk: { dataDir: config.dataDir, minFreeMb: config.minFreeDiskMb },
    });
    agents.onConnected = (id) => nodeRegistry.agentConnected(id);
    const metrics = createMetrics(database.db);
    const conversationHub = disposables.add(
      "conversation hub",
      new ConversationHub(database.db, bus, log, notifications),
      (h) => h.stop(),
    );
    conversationHub.start();
    const conversations = new ConversationService(database.db);
    const review = new ReviewService(database.db, projects);
    const specs = new SpecService(database.db, projects);
    bindOpenSpecComments(specs);
    const reviewThreads = new ReviewThreadService(database.db, review, conversations);
    const notifier = notifications;
    const taskOrchestrator = disposables.add(
      "task orchestrator",
      new TaskOrchestrator(
        {
          db: database.db,
          projects,
          review,
          reviewThreads,
          pullRequests,
          notifier,
          log,
          origin: () => publicUrlOf(config, listeningUrl),
        },
        { tickMs: config.taskTickMs, bus },
      ),
      (o) => o.stop(),
    );
    const tasks = new TaskService({
      db: database.db,
      projects,
      sessions,
      reviewThreads,
      orchestrator: taskOrchestrator,
      notifier,
    });
    const providerStore = new ProviderStore(database.db, box, providerNetwork);
    const embedder = disposables.add(
      "search embeddings",
      new Embedder(database.db, providerStore, upstream, log.child({ component: "search" }), {
        model: config.searchEmbeddingModel,
        retryMs: config.searchEmbeddingRetryMs,
      }),
      (e) => e.stop(),
    );
    embedder.start();
    disposables
      .add(
        "search backfill",
        new SearchBackfill(database.db, log.child({ component: "search" }), {
          batch: config.searchBackfillBatch,
          pauseMs: config.searchBackfillPauseMs,
          idleMs: 300_000,
          // Backfilled entries are old: the embedder, caught up on recent ones, must look at all again.
          onIndexed: () => embedder.rescan(),
        }),
        (b) => b.stop(),
      )
      .start();
    const knowledge = new KnowledgeService(database.db, box);
    const knowledgeSync = disposables.add(
      "knowledge sync",
      new KnowledgeSyncRunner(database.db, knowledge, log.child({ component: "knowledge" }), {
        pollMs: config.knowledgeSyncPollMs,
        leaseMs: config.knowledgeSyncLeaseMs,
      }),
      (r) => r.stop(),
    );
    knowledge.onSyncNow = () => knowledgeSync.wake();
    knowledgeSync.start();
    const ctx: AppContext = {
      config,
      database,
      bus,
      sessions,
      agents,
      conversations,
      conversationHub,
      nodes: nodeRegistry,
      metrics,
      streams: disposables.add(
        "stream hubs",
        new StreamHubs({ log: log.child({ component: "stream" }), metrics }),
        (s) => s.close(),
      ),
      thumbnails: disposables.add("thumbnails", new Thumbnails(), (t) => t.close()),
      log,
      teams: new TeamService(database.db),
      providers: providerStore,
      projects,
      review,
      reviewThreads,
      specs,
      tasks,
      taskOrchestrator,
      pullRequests,
      upstream,
      proxyCallers: new CallerCache(),
      notifier: notifications,
      notifications,
      search: new SearchService(
        database.db,
        { backfill: () => backfillProgress(database.db), embeddings: () => embedder.progress() },
        embedder,
      ),
      knowledge,
    };
    const app = disposables.add("http server", await buildApp(ctx), (a) => a.close());
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
    const url = `http://${shownHost}:${port}`;
    listeningUrl = url;
    taskOrchestrator.start();
    // Schedulers go first at shutdown, before the sockets their sessions' agents hold.
    disposables.defer("sandbox nodes", () => nodeRegistry.stopAll());
    const driver = await opts.driverFactory?.(port, {
      legacyNodeInUse: async (name) =>
        (
          await database.db
            .select({ id: nodes.id })
            .from(nodes)
            .where(eq(nodes.id, nodeIdFor(name)))
        ).length > 0,
    });
    if (driver) await nodeRegistry.attach(driver);
    log.info({ url, database: database.kind }, "strand server listening");
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      database,
      bootstrap,
      node: driver ? { id: driver.id, name: driver.name } : undefined,
      log,
      routes: app.strandRoutes,
      notifications,
      close: () => {
        closing ??= (async () => {
          log.info("shutting down");
          await release();
          log.info("shut down cleanly");
        })();
        return closing;
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}
