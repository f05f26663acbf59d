/** TanStack Query keys, in one place so live events patch exactly what pages read. */
export const queryKeys = {
  me: ["me"] as const,
  sessions: ["sessions"] as const,
  session: (id: string) => ["session", id] as const,
  thread: (id: string) => ["thread", id] as const,
  /** A session's changes and review threads (the Changes tab); review events invalidate both. */
  changes: (id: string) => ["changes", id] as const,
  reviewThreads: (id: string) => ["review-threads", id] as const,
  tokens: ["tokens"] as const,
  providers: ["providers"] as const,
  providerModels: (id: string) => ["provider-models", id] as const,
};
