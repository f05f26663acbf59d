import {
  API_PREFIX,
  type ApiError,
  type ApiToken,
  type CreatedToken,
  type CreateSessionBody,
  type CreateTokenBody,
  type CreateUserBody,
  type EventsServerMessage,
  type LoginResponse,
  type SandboxNode,
  type Session,
  type SessionList,
  type SessionState,
  type UpdateSessionBody,
  type User,
} from "@strand/protocol";
import WebSocket from "ws";
import { StrandApiError, StrandConnectionError } from "./errors.js";

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
