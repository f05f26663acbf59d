import { randomUUID } from "node:crypto";
import {
  API_PREFIX,
  type ApiError,
  type ApiToken,
  type ConversationEntry,
  type CreatedToken,
  type CreateProviderBody,
  type CreateSessionBody,
  type CreateTokenBody,
  type CreateUserBody,
  type EventsServerMessage,
  type LoginResponse,
  type MessageList,
  type Provider,
  type ProviderModel,
  type ProviderTestResult,
  type SandboxNode,
  type Session,
  type SessionList,
  type SessionState,
  type TestProviderBody,
  type UpdateProviderBody,
  type UpdateSessionBody,
  type User,
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
    const res = await this.raw("POST", "/auth/login", { email, password });
    const setCookie = res.headers.getSetCookie?.() ?? [];
    const login = setCookie.map((c) => c.split(";")[0]).find((c) => c?.startsWith("strand_login="));
    if (login) this.cookie = login;
    return (await res.json()) as LoginResponse;
  }
  logout = () => this.request<null>("POST", "/auth/logout");
  me = () => this.request<User>("GET", "/me");

  // --- tokens ---
  createToken = (body: CreateTokenBody) => this.request<CreatedToken>("POST", "/tokens", body);
  listTokens = async () => (await this.request<{ items: ApiToken[] }>("GET", "/tokens")).items;
  revokeToken = (id: string) => this.request<ApiToken>("DELETE", `/tokens/${enc(id)}`);

  // --- users (admin) ---
  createUser = (body: CreateUserBody) => this.request<User>("POST", "/users", body);
  listUsers = async () => (await this.request<{ items: User[] }>("GET", "/users")).items;

  // --- sessions ---
  createSession = (body: CreateSessionBody) => this.request<Session>("POST", "/sessions", body);
  listSessions = (opts: ListSessionsOptions = {}) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return this.request<SessionList>("GET", `/sessions${qs ? `?${qs}` : ""}`);
  };
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
  getSession = (id: string) => this.request<Session>("GET", `/sessions/${enc(id)}`);
  updateSession = (id: string, body: UpdateSessionBody) => this.request<Session>("PATCH", `/sessions/${enc(id)}`, body);
  deleteSession = (id: string) => this.request<Session>("DELETE", `/sessions/${enc(id)}`);
  stopSession = (id: string) => this.request<Session>("POST", `/sessions/${enc(id)}/stop`);
  startSession = (id: string) => this.request<Session>("POST", `/sessions/${enc(id)}/start`);

  // --- conversations (docs/conversations.md) ---
  /** Posts a prompt. `requestId` makes retries safe; keep it when you resend the same message. */
  sendMessage = (sessionId: string, content: string, requestId: string = randomUUID()) =>
    this.request<PromptEntry>("POST", `/sessions/${enc(sessionId)}/messages`, {
      request_id: requestId,
      content,
    });
  listMessages = (sessionId: string, opts: { after?: number; limit?: number } = {}) => {
    const q = new URLSearchParams();
    if (opts.after !== undefined) q.set("after", String(opts.after));
    if (opts.limit !== undefined) q.set("limit", String(opts.limit));
    const qs = q.toString();
    return this.request<MessageList>("GET", `/sessions/${enc(sessionId)}/messages${qs ? `?${qs}` : ""}`);
  };
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
  cancel = (sessionId: string) =>
    this.request<{ entry: PromptEntry | null }>("POST", `/sessions/${enc(sessionId)}/cancel`);

  // --- providers (docs/providers.md) ---
  readonly providers = {
    create: (body: CreateProviderBody) => this.request<Provider>("POST", "/providers", body),
    list: async () => (await this.request<{ items: Provider[] }>("GET", "/providers")).items,
    get: (id: string) => this.request<Provider>("GET", `/providers/${enc(id)}`),
    update: (id: string, body: UpdateProviderBody) => this.request<Provider>("PATCH", `/providers/${enc(id)}`, body),
    delete: (id: string) => this.request<Provider>("DELETE", `/providers/${enc(id)}`),
    models: async (id: string) =>
      (await this.request<{ items: ProviderModel[] }>("GET", `/providers/${enc(id)}/models`)).items,
    test: (id: string, body: TestProviderBody = {}) =>
      this.request<ProviderTestResult>("POST", `/providers/${enc(id)}/test`, body),
  };

  // --- nodes ---
  listNodes = async () => (await this.request<{ items: SandboxNode[] }>("GET", "/nodes")).items;

  /** Opens `/api/v1/events`; `since` replays missed events. The caller owns the socket. */
  events(onMessage: (m: EventsServerMessage) => void, since?: number): WebSocket {
    const url = new URL(`${API_PREFIX}/events`, this.baseUrl.replace(/^http/, "ws"));
    if (since !== undefined) url.searchParams.set("since", String(since));
    const ws = new WebSocket(url, { headers: this.authHeaders() });
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
    const url = new URL(`${API_PREFIX}/events`, this.baseUrl.replace(/^http/, "ws"));
    return watchEvents({ ...opts, url: url.toString(), headers: this.authHeaders() });
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    if (res.status === 204) return null as T;
    return (await res.json()) as T;
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
      res = await this.fetchImpl(`${this.baseUrl}${API_PREFIX}${path}`, {
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

const enc = encodeURIComponent;
