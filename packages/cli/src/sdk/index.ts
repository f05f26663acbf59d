export * from "@strand/protocol";
export { type ListSessionsOptions, StrandClient, type StrandClientOptions } from "./client.js";
export { StrandApiError, StrandConnectionError } from "./errors.js";
