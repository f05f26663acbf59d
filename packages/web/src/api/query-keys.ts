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
  // Under "teams": a team event refreshes the list and every members list at once.
  teams: ["teams"] as const,
  members: (teamId: string) => ["teams", teamId, "members"] as const,
  // Under "projects": one invalidation refreshes lists, a project and its repos.
  projects: ["projects"] as const,
  project: (slug: string) => ["projects", slug] as const,
  repos: (slug: string) => ["projects", slug, "repos"] as const,
  repo: (slug: string, name: string) => ["projects", slug, "repos", name] as const,
  // Under "tasks": a task event refreshes its board (by project id) and its page at once.
  tasks: ["tasks"] as const,
  board: (projectId: string) => ["tasks", "board", projectId] as const,
  task: (id: string) => ["tasks", "task", id] as const,
  /** A task's spec, revisions and threads; spec events invalidate all three. */
  spec: (taskId: string) => ["spec", taskId] as const,
  /** One search (its query, without the cursor); pages are held by the infinite query under it. */
  search: (query: object) => ["search", query] as const,
  searchStatus: ["search-status"] as const,
  notifications: ["notifications"] as const,
  // Under "knowledge": Sync now or an upload refreshes lists, a source and its documents at once.
  knowledge: (owner: object) => ["knowledge", "list", owner] as const,
  knowledgeSource: (id: string) => ["knowledge", "source", id] as const,
  knowledgeDocuments: (id: string) => ["knowledge", "documents", id] as const,
  knowledgeDocument: (id: string, docId: string) => ["knowledge", "document", id, docId] as const,
  // Not under "notifications": the inbox's events refresh the list, and a refetch of the preferences
  // landing while a change is saved would put the box back as it was.
  notificationPreferences: ["notification-preferences"] as const,
};
