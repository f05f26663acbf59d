export { buildApp, SERVER_VERSION } from "./app.js";
export { type AdminSeed, type BootstrapResult, DEFAULT_ADMIN_EMAIL } from "./auth/bootstrap.js";
export { ConfigError, ENV_VARS, resolveConfig, type ServerConfig, type ServerFlags } from "./config.js";
export { createLogger, type EmbeddedNodeEnv, type RunningServer, type StartOptions, startServer } from "./server.js";
