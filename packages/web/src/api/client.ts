import {
  type AnswerPermissionBody,
  API_PREFIX,
  type ApiError,
  type ApiToken,
  type ConversationEntry,
  type CreatedToken,
  type CreateProviderBody,
  type CreateSessionBody,
  type CreateTokenBody,
  type FieldIssue,
  type LoginResponse,
  type MessageList,
  type Provider,
  type ProviderList,
  type ProviderModelList,
  type ProviderTestResult,
  type Session,
  type SessionList,
  type User,
} from "@strand/protocol";

/** An API error response, with the server's stable code, its human message and the invalid fields. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
    this.name = "ApiRequestError";
  }

  /** True when the request may never have reached the server, so sending it again is the fix. */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${API_PREFIX}${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiRequestError(0, "network", "The Strand server cannot be reached. Check your connection.");
  }
  const text = await res.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const err = parsed as Partial<ApiError> | undefined;
    throw new ApiRequestError(
      res.status,
      err?.error ?? "http_error",
      err?.message ?? `HTTP ${res.status}`,
      fieldIssues(err?.details),
    );
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fieldIssues(details: unknown): FieldIssue[] {
  if (!Array.isArray(details)) return [];
  return details.filter((d): d is FieldIssue => typeof d?.path === "string" && typeof d?.message === "string");
}

const enc = encodeURIComponent;

/** The REST API as the UI uses it; types come from @strand/protocol. */
export const api = {
  login: (email: string, password: string) => request<LoginResponse>("POST", "/auth/login", { email, password }),
  logout: () => request<unknown>("POST", "/auth/logout"),
  me: () => request<User>("GET", "/me"),

  listSessions: async (): Promise<Session[]> => {
    const all: Session[] = [];
    let cursor: string | null = null;
    // The fleet shows every session; pages of 200 keep each answer small.
    for (let page = 0; page < 50; page++) {
      const q: string = cursor ? `&cursor=${enc(cursor)}` : "";
      const res: SessionList = await request<SessionList>("GET", `/sessions?limit=200${q}`);
      all.push(...res.items);
      cursor = res.next_cursor;
      if (!cursor) break;
    }
    return all;
  },
  getSession: (id: string) => request<Session>("GET", `/sessions/${enc(id)}`),
  createSession: (body: CreateSessionBody) => request<Session>("POST", "/sessions", body),
  startSession: (id: string) => request<Session>("POST", `/sessions/${enc(id)}/start`),
  stopSession: (id: string) => request<Session>("POST", `/sessions/${enc(id)}/stop`),
  deleteSession: (id: string) => request<Session>("DELETE", `/sessions/${enc(id)}`),

  listMessages: (id: string, after: number, limit = 200) =>
    request<MessageList>("GET", `/sessions/${enc(id)}/messages?after=${after}&limit=${limit}`),
  postMessage: (id: string, requestId: string, content: string) =>
    request<ConversationEntry>("POST", `/sessions/${enc(id)}/messages`, { request_id: requestId, content }),
  cancelTurn: (id: string) => request<{ entry: ConversationEntry | null }>("POST", `/sessions/${enc(id)}/cancel`),
  answerPermission: (id: string, entryId: string, body: AnswerPermissionBody) =>
    request<ConversationEntry>("POST", `/sessions/${enc(id)}/permissions/${enc(entryId)}`, body),

  listTokens: () => request<{ items: ApiToken[] }>("GET", "/tokens"),
  createToken: (body: CreateTokenBody) => request<CreatedToken>("POST", "/tokens", body),
  revokeToken: (id: string) => request<ApiToken>("DELETE", `/tokens/${enc(id)}`),

  listProviders: () => request<ProviderList>("GET", "/providers"),
  createProvider: (body: CreateProviderBody) => request<Provider>("POST", "/providers", body),
  deleteProvider: (id: string) => request<Provider>("DELETE", `/providers/${enc(id)}`),
  providerModels: (id: string) => request<ProviderModelList>("GET", `/providers/${enc(id)}/models`),
  testProvider: (id: string) => request<ProviderTestResult>("POST", `/providers/${enc(id)}/test`, {}),
};

function wsBase(): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}${API_PREFIX}`;
}

/** WebSocket URL of a session's stream, on the page's own origin (the login cookie goes along). */
export function streamUrl(sessionId: string, viewOnly: boolean): string {
  const query = viewOnly ? "?view_only=1" : "";
  return `${wsBase()}/sessions/${enc(sessionId)}/stream${query}`;
}

/** WebSocket URL of the live events feed; `since` replays what a reconnecting page missed. */
export function eventsUrl(since: number | undefined): string {
  return `${wsBase()}/events${since === undefined ? "" : `?since=${since}`}`;
}

/** URL of a session's desktop thumbnail; `bust` defeats the browser cache between refreshes. */
export function thumbnailUrl(sessionId: string, bust: number): string {
  return `${API_PREFIX}/sessions/${enc(sessionId)}/thumbnail?t=${bust}`;
}
