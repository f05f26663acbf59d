/** In-process use of the agent (tests, embedding); the CLI entry is main.ts. */
export { AGENT_VERSION, type AgentAppOptions, createAgentApp, type StrandAgentApp } from "./acp/agent-app.js";
export { type AgentConfig, ENV_VARS, readConfig } from "./config.js";
export type { Provider } from "./providers/types.js";
