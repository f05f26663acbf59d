export * from "./acp-meta.js";
export * from "./auth.js";
export * from "./conversation.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./nodes.js";
export * from "./providers.js";
export * from "./routes/index.js";
export * from "./session-state.js";
export * from "./sessions.js";

export const API_PREFIX = "/api/v1";
export * from "./agent.js";
export * from "./keys.js";
export * from "./node-link.js";
export type * from "./sandbox.js";
export * from "./stream.js";
export * from "./workspace.js";
