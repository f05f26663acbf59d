import { agentRoutes } from "./agent.js";
import { authRoutes } from "./auth.js";
import { conversationRoutes } from "./conversation.js";
import { eventRoutes } from "./events.js";
import { knowledgeRoutes } from "./knowledge.js";
import { mcpServerRoutes } from "./mcp-servers.js";
import { nodeRoutes } from "./nodes.js";
import { notificationRoutes } from "./notifications.js";
import { projectRoutes } from "./projects.js";
import { providerRoutes } from "./providers.js";
import { pullRequestRoutes } from "./pull-requests.js";
import { reviewRoutes } from "./review.js";
import { searchRoutes } from "./search.js";
import { sessionRoutes } from "./sessions.js";
import { specRoutes } from "./specs.js";
import { taskRoutes } from "./tasks.js";
import { teamRoutes } from "./teams.js";
import { tokenRoutes } from "./tokens.js";
import { userRoutes } from "./users.js";

export * from "./common.js";
export { type CancelTurnResponse, CancelTurnResponseSchema, PermissionParamsSchema } from "./conversation.js";
export * from "./define.js";
export { EventsQuerySchema } from "./events.js";
export { type NodeList, NodeListSchema } from "./nodes.js";
export { WebhookParamsSchema } from "./notifications.js";
export * from "./path-for.js";
export { ReviewThreadParamsSchema } from "./review.js";
export { type StreamQuery, StreamQuerySchema, ThumbnailQuerySchema } from "./sessions.js";
export { SpecThreadParamsSchema } from "./specs.js";
export { TaskAttachmentParamsSchema } from "./tasks.js";
export { type TokenList, TokenListSchema } from "./tokens.js";
export { type UserList, UserListSchema } from "./users.js";

/**
 * Every route under `/api/v1`, by a stable name. The server registers from these entries, and the
 * web client and the SDK call through them, so a path or schema is written in one place.
 * packages/server/test/route-table.test.ts fails when the server and this table disagree.
 */
export const ROUTES = {
  ...authRoutes,
  ...userRoutes,
  ...tokenRoutes,
  ...sessionRoutes,
  ...conversationRoutes,
  ...providerRoutes,
  ...nodeRoutes,
  ...eventRoutes,
  ...agentRoutes,
  ...teamRoutes,
  ...projectRoutes,
  ...pullRequestRoutes,
  ...reviewRoutes,
  ...taskRoutes,
  ...specRoutes,
  ...notificationRoutes,
  ...searchRoutes,
  ...knowledgeRoutes,
  ...mcpServerRoutes,
} as const;

export type RouteName = keyof typeof ROUTES;
