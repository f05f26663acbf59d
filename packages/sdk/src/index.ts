export * from "@strand/protocol";
export {
  type ListSessionsOptions,
  type PromptEntry,
  type SearchOptions,
  StrandClient,
  type StrandClientOptions,
} from "./client.js";
export { StrandApiError, StrandConnectionError } from "./errors.js";
export type { EventWatch, WatchEventsOptions } from "./watch-events.js";
