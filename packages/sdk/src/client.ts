import { randomUUID } from "node:crypto";
import {
  type AddTeamMemberBody,
  API_PREFIX,
  type ApiError,
  type ApiRoute,
  type ConversationEntry,
  type CreateProjectBody,
  type CreateProjectWebhookBody,
  type CreateProviderBody,
  type CreateRepoBody,
  type CreateSessionBody,
  type CreateSpecThreadBody,
  type CreateTaskBody,
  type CreateTeamBody,
  type CreateTokenBody,
  type CreateUserBody,
  type EventsServerMessage,
  fillPath,
  type ListTasksQuery,
  type LoginResponse,
  type MergeStrategyName,
  type MessageList,
  type MoveTaskBody,
  type NotificationPreference,
  type OpenPullRequestBody,
  pathFor,
  ROUTES,
  type RouteInput,
  type RouteInputArgs,
  type RouteQuery,
  type RouteResponse,
  type SearchKind,
  type Session,
  type SessionState,
  type TeamRoleName,
  type TestProviderBody,
  type UpdateProjectBody,
  type UpdateProjectWebhookBody,
  type UpdateProviderBody,
  type UpdateRepoBody,
  type UpdateSessionBody,
  type UpdateTaskBody,
} from "@strand/protocol";
import WebSocket from "ws";
import { StrandApiError, StrandConnectionError } from "./errors.js";
import { type EventWatch, type WatchEventsOptions, watchEvents } from "./watch-events.js";

export interface StrandClientOptions {
  /** Base URL of the server, e.g. http://localhost:8080 */
  baseUrl: string;
  /** API token; sent as `Authorization: Bearer`. */
  token?: string | undefined;
  /** Cookie header to send instead of a token (after `login`). */
  cookie?: string | undefined;
  fetch?: typeof fetch;
}

export interface ListSessionsOptions {
  limit?: number;
  cursor?: string;
  state?: SessionState;
}

/** What `search.query` takes: the route's query (docs/search.md), with `kind` as a list. */
export type SearchOptions = Omit<RouteQuery<(typeof ROUTES)["search.query"]>, "kind"> & {
  kind?: SearchKind | readonly SearchKind[] | undefined;
};

/** A user prompt as stored: what `sendMessage` and `cancel` answer. */
export type PromptEntry = Extract<ConversationEntry, { kind: "user" }>;

/** Typed client for the Strand REST API and event stream. The CLI is built on it. */
export class StrandClient {
  readonly baseUrl: string;
  private token: string | undefined;
  private cookie: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: StrandClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.token = opts.token;
    this.cookie = opts.cookie;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  // --- auth ---
  async login(email: string, password: string): Promise<LoginResponse> {
    const res = await this.send(ROUTES["auth.login"], { body: { email, password } });
    const setCookie = res.headers.getSetCookie?.() ?? [];
    const login = setCookie.map((c) => c.split(";")[0]).find((c) => c?.startsWith("strand_login="));
    if (login) this.cookie = login;
    return (await res.json()) as LoginResponse;
  }
  logout = () => this.call(ROUTES["auth.logout"]);
  me = () => this.call(ROUTES["auth.me"]);

  // --- tokens ---
  createToken = (body: CreateTokenBody) => this.call(ROUTES["tokens.create"], { body });
  listTokens = async () => (await this.call(ROUTES["tokens.list"])).items;
  revokeToken = (id: string) => this.call(ROUTES["tokens.revoke"], { params: { id } });

  // --- users (admin) ---
  createUser = (body: CreateUserBody) => this.call(ROUTES["users.create"], { body });
  listUsers = async () => (await this.call(ROUTES["users.list"])).items;

  // --- sessions ---
  createSession = (body: CreateSessionBody) => this.call(ROUTES["sessions.create"], { body });
  listSessions = (opts: ListSessionsOptions = {}) => this.call(ROUTES["sessions.list"], { query: opts });
  /** Every session, following `next_cursor` across pages. */
  async listAllSessions(opts: Omit<ListSessionsOptions, "cursor"> = {}): Promise<Session[]> {
    const all: Session[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listSessions({ ...opts, limit: opts.limit ?? 500, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return all;
  }
  getSession = (id: string) => this.call(ROUTES["sessions.get"], { params: { id } });
  updateSession = (id: string, body: UpdateSessionBody) =>
    this.call(ROUTES["sessions.update"], { params: { id }, body });
  deleteSession = (id: string) => this.call(ROUTES["sessions.delete"], { params: { id } });
  stopSession = (id: string) => this.call(ROUTES["sessions.stop"], { params: { id } });
  startSession = (id: string) => this.call(ROUTES["sessions.start"], { params: { id } });

  // --- conversations (docs/conversations.md) ---
  /** Posts a prompt. `requestId` makes retries safe; keep it when you resend the same message. */
  sendMessage = async (sessionId: string, content: string, requestId: string = randomUUID()) =>
    // The server stores a prompt as a user entry, which the route's schema does not narrow to.
    (await this.call(ROUTES["conversation.send"], {
      params: { id: sessionId },
      body: { request_id: requestId, content },
    })) as PromptEntry;
  listMessages = (sessionId: string, opts: { after?: number; limit?: number } = {}) =>
    this.call(ROUTES["conversation.list"], { params: { id: sessionId }, query: opts });
  /** The whole conversation, following `next_after` across pages. */
  async listAllMessages(sessionId: string, after = 0): Promise<ConversationEntry[]> {
    const all: ConversationEntry[] = [];
    let next: number | null = after;
    while (next !== null) {
      const page: MessageList = await this.listMessages(sessionId, { after: next, limit: 500 });
      all.push(...page.items);
      next = page.next_after;
    }
    return all;
  }
  /** Cancels the prompt in flight; `entry` is null when nothing was running. */
  cancel = async (sessionId: string) =>
    (await this.call(ROUTES["conversation.cancel"], { params: { id: sessionId } })) as { entry: PromptEntry | null };

  // --- providers (docs/providers.md) ---
  readonly providers = {
    create: (body: CreateProviderBody) => this.call(ROUTES["providers.create"], { body }),
    list: async () => (await this.call(ROUTES["providers.list"])).items,
    get: (id: string) => this.call(ROUTES["providers.get"], { params: { id } }),
    update: (id: string, body: UpdateProviderBody) => this.call(ROUTES["providers.update"], { params: { id }, body }),
    delete: (id: string) => this.call(ROUTES["providers.delete"], { params: { id } }),
    models: async (id: string) => (await this.call(ROUTES["providers.models"], { params: { id } })).items,
    test: (id: string, body: TestProviderBody = {}) => this.call(ROUTES["providers.test"], { params: { id }, body }),
  };

  // --- teams (docs/teams.md) ---
  readonly teams = {
    create: (body: CreateTeamBody) => this.call(ROUTES["teams.create"], { body }),
    list: async () => (await this.call(ROUTES["teams.list"])).items,
    get: (id: string) => this.call(ROUTES["teams.get"], { params: { id } }),
    rename: (id: string, name: string) => this.call(ROUTES["teams.update"], { params: { id }, body: { name } }),
    delete: (id: string) => this.call(ROUTES["teams.delete"], { params: { id } }),
    members: async (id: string) => (await this.call(ROUTES["teams.members.list"], { params: { id } })).items,
    addMember: (id: string, body: AddTeamMemberBody) =>
      this.call(ROUTES["teams.members.add"], { params: { id }, body }),
    setRole: (id: string, userId: string, role: TeamRoleName) =>
      this.call(ROUTES["teams.members.update"], { params: { id, user_id: userId }, body: { role } }),
    removeMember: (id: string, userId: string) =>
      this.call(ROUTES["teams.members.remove"], { params: { id, user_id: userId } }),
  };

  // --- projects and repos (docs/projects.md) ---
  readonly projects = {
    create: (body: CreateProjectBody) => this.call(ROUTES["projects.create"], { body }),
    list: async () => (await this.call(ROUTES["projects.list"])).items,
    get: (idOrSlug: string) => this.call(ROUTES["projects.get"], { params: { id: idOrSlug } }),
    update: (idOrSlug: string, body: UpdateProjectBody) =>
      this.call(ROUTES["projects.update"], { params: { id: idOrSlug }, body }),
  };

  readonly repos = {
    create: (project: string, body: CreateRepoBody) =>
      this.call(ROUTES["repos.create"], { params: { id: project }, body }),
    list: async (project: string) => (await this.call(ROUTES["repos.list"], { params: { id: project } })).items,
    get: (project: string, name: string) => this.call(ROUTES["repos.get"], { params: { id: project, name } }),
    /** Sets or clears (null) the upstream host, its API token and webhook secret. */
    update: (project: string, name: string, body: UpdateRepoBody) =>
      this.call(ROUTES["repos.update"], { params: { id: project, name }, body }),
    /** Fetches from the upstream, fast-forwards only. */
    fetch: (project: string, name: string) => this.call(ROUTES["repos.fetch"], { params: { id: project, name } }),
    /** Pushes branches (default: the default branch) to the upstream. */
    push: (project: string, name: string, branches?: string[]) =>
      this.call(ROUTES["repos.push"], { params: { id: project, name }, body: branches ? { branches } : {} }),
  };

  // --- tasks on a project's board (docs/tasks.md) ---
  readonly tasks = {
    create: (project: string, body: CreateTaskBody) =>
      this.call(ROUTES["tasks.create"], { params: { id: project }, body }),
    /** The project's tasks and its WIP limits (`items`, `wip_limits`). */
    list: (project: string, query: ListTasksQuery = {}) =>
      this.call(ROUTES["tasks.list"], { params: { id: project }, query }),
    get: (id: string) => this.call(ROUTES["tasks.get"], { params: { id } }),
    update: (id: string, body: UpdateTaskBody) => this.call(ROUTES["tasks.update"], { params: { id }, body }),
    delete: (id: string) => this.call(ROUTES["tasks.delete"], { params: { id } }),
    start: (id: string) => this.call(ROUTES["tasks.start"], { params: { id } }),
    /** Approves the spec (→ implementing) or the code (→ merging). */
    approve: (id: string) => this.call(ROUTES["tasks.approve"], { params: { id } }),
    /** Sends the open review comments, and `comments` if given, to the agent. */
    requestChanges: (id: string, comments?: string) =>
      this.call(ROUTES["tasks.requestChanges"], { params: { id }, body: comments !== undefined ? { comments } : {} }),
    cancel: (id: string) => this.call(ROUTES["tasks.cancel"], { params: { id } }),
    retry: (id: string) => this.call(ROUTES["tasks.retry"], { params: { id } }),
    nudge: (id: string) => this.call(ROUTES["tasks.nudge"], { params: { id } }),
    move: (id: string, column: MoveTaskBody["column"]) =>
      this.call(ROUTES["tasks.move"], { params: { id }, body: { column } }),
    addAttachment: (id: string, name: string, content: Uint8Array, contentType?: string) =>
      this.call(ROUTES["tasks.attachments.add"], {
        params: { id },
        body: {
          name,
          content_base64: Buffer.from(content).toString("base64"),
          ...(contentType ? { content_type: contentType } : {}),
        },
      }),
    deleteAttachment: (id: string, attachmentId: string) =>
      this.call(ROUTES["tasks.attachments.delete"], { params: { id, attachment_id: attachmentId } }),
  };

  // --- a task's spec and its review threads ---
  readonly specs = {
    get: (task: string, revision?: number) =>
      this.call(ROUTES["specs.get"], { params: { id: task }, query: revision !== undefined ? { revision } : {} }),
    revisions: async (task: string) => (await this.call(ROUTES["specs.revisions"], { params: { id: task } })).items,
    diff: (task: string, from: number, to?: number) =>
      this.call(ROUTES["specs.diff"], { params: { id: task }, query: { from, ...(to !== undefined ? { to } : {}) } }),
    threads: async (task: string) => (await this.call(ROUTES["specs.threads.list"], { params: { id: task } })).items,
    comment: (task: string, body: CreateSpecThreadBody) =>
      this.call(ROUTES["specs.threads.create"], { params: { id: task }, body }),
    reply: (task: string, threadId: string, body: string) =>
      this.call(ROUTES["specs.threads.reply"], { params: { id: task, thread_id: threadId }, body: { body } }),
    resolve: (task: string, threadId: string, resolved = true) =>
      this.call(ROUTES["specs.threads.update"], { params: { id: task, thread_id: threadId }, body: { resolved } }),
  };

  // --- your inbox and what reaches you (docs/notifications.md) ---
  readonly notifications = {
    list: (query: RouteQuery<(typeof ROUTES)["notifications.list"]> = {}) =>
      this.call(ROUTES["notifications.list"], { query }),
    /** Marks `ids` read, or all of yours; answers the unread count left. */
    read: (ids?: string[]) => this.call(ROUTES["notifications.read"], { body: ids ? { ids } : {} }),
    preferences: async () => (await this.call(ROUTES["notifications.preferences.get"])).items,
    setPreferences: async (items: Array<Pick<NotificationPreference, "kind"> & Partial<NotificationPreference>>) =>
      (await this.call(ROUTES["notifications.preferences.update"], { body: { items } })).items,
  };

  // --- a project's outgoing webhooks ---
  readonly webhooks = {
    list: async (project: string) => (await this.call(ROUTES["webhooks.list"], { params: { id: project } })).items,
    create: (project: string, body: CreateProjectWebhookBody) =>
      this.call(ROUTES["webhooks.create"], { params: { id: project }, body }),
    update: (project: string, webhookId: string, body: UpdateProjectWebhookBody) =>
      this.call(ROUTES["webhooks.update"], { params: { id: project, webhook_id: webhookId }, body }),
    delete: (project: string, webhookId: string) =>
      this.call(ROUTES["webhooks.delete"], { params: { id: project, webhook_id: webhookId } }),
    deliveries: async (project: string, webhookId: string) =>
      (await this.call(ROUTES["webhooks.deliveries"], { params: { id: project, webhook_id: webhookId } })).items,
  };

  // --- search over every conversation you may see (docs/search.md) ---
  readonly search = {
    /**
     * One page of results, best first; pass `next_cursor` back as `cursor` for the next. `kind`
     * takes a list. An empty or too long `q` is a 400 StrandApiError naming the limit.
     */
    query: ({ kind, ...rest }: SearchOptions) =>
      this.call(ROUTES["search.query"], {
        // The route takes a comma-separated list (or the key repeated); a list reads better in code.
        query: { ...rest, ...(kind !== undefined ? { kind: typeof kind === "string" ? kind : kind.join(",") } : {}) },
      }),
    /** Progress of the index: the backfill of older entries and the embeddings. */
    status: () => this.call(ROUTES["search.status"]),
  };

  /** The session branch's diff against its base. */
  sessionChanges = (id: string) => this.call(ROUTES["sessions.changes"], { params: { id } });
  /** Merges the session's branch into its base on the server. */
  mergeSession = (id: string, strategy?: MergeStrategyName) =>
    this.call(ROUTES["sessions.merge"], { params: { id }, body: strategy ? { strategy } : {} });
  /** Pushes the session's branch upstream and opens a pull request (or answers the one already opened). */
  openPullRequest = (id: string, body: OpenPullRequestBody = {}) =>
    this.call(ROUTES["sessions.pullRequest.open"], { params: { id }, body });
  /** The session's pull request and its state; a 404 StrandApiError when none was opened. */
  getPullRequest = (id: string) => this.call(ROUTES["sessions.pullRequest.get"], { params: { id } });

  // --- nodes ---
  listNodes = async () => (await this.call(ROUTES["nodes.list"])).items;

  /** Opens `/api/v1/events`; `since` replays missed events. The caller owns the socket. */
  events(onMessage: (m: EventsServerMessage) => void, since?: number): WebSocket {
    const ws = new WebSocket(this.wsUrl(pathFor(ROUTES["events.watch"], undefined, { since })), {
      headers: this.authHeaders(),
    });
    ws.on("message", (data) => {
      try {
        onMessage(JSON.parse(data.toString()) as EventsServerMessage);
      } catch {
        // Not ours to crash on: ignore a frame we cannot read.
      }
    });
    return ws;
  }

  /**
   * Every event from `/api/v1/events`, reconnecting after a dropped socket with `since` = the last
   * id seen, so none is missed or repeated. Ends when `signal` aborts.
   */
  watchEvents(opts: Omit<WatchEventsOptions, "url" | "headers"> = {}): EventWatch {
    const url = this.wsUrl(pathFor(ROUTES["events.watch"]));
    return watchEvents({ ...opts, url, headers: this.authHeaders() });
  }

  /**
   * Calls a route of the table (`ROUTES`): its params, query and body are typed from the route's
   * schemas, and so is the answer (the 2xx schema's type; null for 204).
   */
  async call<R extends ApiRoute>(route: R, ...[input]: RouteInputArgs<R>): Promise<RouteResponse<R>> {
    const res = await this.send(route, input);
    if (res.status === 204) return null as RouteResponse<R>;
    return (await res.json()) as RouteResponse<R>;
  }

  /**
   * A call by method and path under `/api/v1`, for routes the table does not have; the answer is
   * not checked against anything, so prefer `call`.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, `${API_PREFIX}${path}`, body);
    if (res.status === 204) return null as T;
    return (await res.json()) as T;
  }

  private send<R extends ApiRoute>(route: R, input?: RouteInput<R>): Promise<Response> {
    const { params, query, body } = (input ?? {}) as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
    };
    return this.raw(route.method, fillPath(route, params, query), body);
  }

  private wsUrl(path: string): string {
    return new URL(path, this.baseUrl.replace(/^http/, "ws")).toString();
  }

  private authHeaders(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.token) h.authorization = `Bearer ${this.token}`;
    else if (this.cookie) h.cookie = this.cookie;
    return h;
  }

  private async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers = this.authHeaders();
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new StrandConnectionError(
        `cannot reach the Strand server at ${this.baseUrl}: ${(err as Error).cause ?? (err as Error).message}`,
      );
    }
    if (!res.ok) {
      let apiError: ApiError;
      try {
        apiError = (await res.json()) as ApiError;
      } catch {
        apiError = { error: `http_${res.status}`, message: `${method} ${path} failed with HTTP ${res.status}` };
      }
      throw new StrandApiError(res.status, apiError);
    }
    return res;
  }
}
