import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { ServerConfig } from "./config.js";
import type { ConversationHub } from "./conversations/hub.js";
import type { ConversationService } from "./conversations/service.js";
import type { Database } from "./db/database.js";
import type { EventBus } from "./events/bus.js";
import type { KnowledgeService } from "./knowledge/service.js";
import type { McpServerService } from "./mcp/servers/service.js";
import type { NodeRegistry } from "./nodes/registry.js";
import type { Notifier } from "./notifications/notify.js";
import type { NotificationService } from "./notifications/service.js";
import type { Metrics } from "./observability/metrics.js";
import type { ReviewService } from "./projects/review.js";
import type { ProjectService } from "./projects/service.js";
import type { ProviderStore } from "./providers/store.js";
import type { CallerCache } from "./proxy/caller-cache.js";
import type { PullRequestService } from "./pull-requests/service.js";
import type { ReviewThreadService } from "./review/service.js";
import type { SearchService } from "./search/service.js";
import type { AgentPresence } from "./sessions/agents.js";
import type { SessionService } from "./sessions/service.js";
import type { Thumbnails } from "./sessions/thumbnails.js";
import type { SpecService } from "./specs/service.js";
import type { StreamHubs } from "./stream/hubs.js";
import type { TaskOrchestrator } from "./tasks/orchestrator.js";
import type { TaskService } from "./tasks/service.js";
import type { TeamService } from "./teams/service.js";

/** What route plugins need, handed in explicitly instead of through globals. */
export interface AppContext {
  config: ServerConfig;
  database: Database;
  bus: EventBus;
  sessions: SessionService;
  agents: AgentPresence;
  conversations: ConversationService;
  /** Delivers prompts to the agentd sockets this replica holds. */
  conversationHub: ConversationHub;
  nodes: NodeRegistry;
  metrics: Metrics;
  streams: StreamHubs;
  /** Desktop stills for the fleet view, from the agentd sockets this replica holds. */
  thumbnails: Thumbnails;
  log: Logger;
  providers: ProviderStore;
  teams: TeamService;
  projects: ProjectService;
  review: ReviewService;
  /** Sessions' pull requests on their repos' upstream hosts. */
  pullRequests: PullRequestService;
  /** Threaded line comments on a session's changes, and sending them to its agent. */
  reviewThreads: ReviewThreadService;
  /** Tasks' spec documents, revisions and review threads. */
  specs: SpecService;
  /** Tasks on project boards, and the orchestrator that moves them (docs/tasks.md). */
  tasks: TaskService;
  taskOrchestrator: TaskOrchestrator;
  /** Connection pool for calls to LLM providers. */
  upstream: Dispatcher;
  /** The LLM proxy's remembered session tokens; user changes (spend limits) clear entries. */
  proxyCallers: CallerCache;
  /** How services tell people something needs them (inbox, browser, project webhooks). */
  notifier: Notifier;
  /** The inbox, preferences and project webhooks behind the notification routes. */
  notifications: NotificationService;
  /**
   * Search over conversations (docs/search.md): the search routes, and the MCP `search_history`
   * tool, which calls `search(sessionActor, …)` and gets the session owner's scope.
   */
  search: SearchService;
  /** Knowledge sources of teams and projects, their documents and index (docs/knowledge.md). */
  knowledge: KnowledgeService;
  /** The team's and project's own MCP servers, and the `/mcp/servers/<name>` proxy's lookups (docs/mcp.md). */
  mcpServers: McpServerService;
}
