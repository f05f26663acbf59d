export { type AgentdConfig, readConfig } from "./config.js";
export { AGENTD_VERSION, ServerConnection } from "./connection.js";
