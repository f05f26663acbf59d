import {
  type AddTeamMemberBody,
  type AnswerPermissionBody,
  type ApiError,
  type ApiRoute,
  type CreateProjectBody,
  type CreateProviderBody,
  type CreateRepoBody,
  type CreateSessionBody,
  type CreateTeamBody,
  type CreateTokenBody,
  type FieldIssue,
  fillPath,
  type OpenPullRequestBody,
  pathFor,
  ROUTES,
  type RouteInputArgs,
  type RouteResponse,
  type Session,
  type SessionList,
  type TeamRoleName,
  type UpdateProjectBody,
  type UpdateRepoBody,
} from "@strand/protocol";

import { ApiRequestError } from "./errors.js";

export { ApiRequestError };

/** Calls a route of the protocol table; params, query, body and the answer are typed from its schemas. */
export async function call<R extends ApiRoute>(route: R, ...[input]: RouteInputArgs<R>): Promise<RouteResponse<R>> {
  const { params, query, body } = (input ?? {}) as {
    params?: Record<string, unknown>;
    query?: Record<string, unknown>;
    body?: unknown;
  };
  let res: Response;
  try {
    res = await fetch(fillPath(route, params, query), {
      method: route.method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiRequestError(0, "network", "The Strand server cannot be reached. Check your connection.");
  }
  const text = await res.text();
  // 204s have no body: null, as their schema says.
  const parsed: unknown = text ? safeJson(text) : null;
  if (!res.ok) {
    const err = parsed as Partial<ApiError> | undefined;
    throw new ApiRequestError(
      res.status,
      err?.error ?? "http_error",
      err?.message ?? `HTTP ${res.status}`,
      fieldIssues(err?.details),
      err?.details,
    );
  }
  return parsed as RouteResponse<R>;
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

/** The REST API as the UI uses it; paths and types come from @strand/protocol's ROUTES. */
export const api = {
  login: (email: string, password: string) => call(ROUTES["auth.login"], { body: { email, password } }),
  logout: () => call(ROUTES["auth.logout"]),
  me: () => call(ROUTES["auth.me"]),

  listSessions: async (): Promise<Session[]> => {
    const all: Session[] = [];
    let cursor: string | null = null;
    // The fleet shows every session; pages of 200 keep each answer small.
    for (let page = 0; page < 50; page++) {
      const res: SessionList = await call(ROUTES["sessions.list"], { query: { limit: 200, cursor } });
      all.push(...res.items);
      cursor = res.next_cursor;
      if (!cursor) break;
    }
    return all;
  },
  getSession: (id: string) => call(ROUTES["sessions.get"], { params: { id } }),
  createSession: (body: CreateSessionBody) => call(ROUTES["sessions.create"], { body }),
  startSession: (id: string) => call(ROUTES["sessions.start"], { params: { id } }),
  stopSession: (id: string) => call(ROUTES["sessions.stop"], { params: { id } }),
  deleteSession: (id: string) => call(ROUTES["sessions.delete"], { params: { id } }),

  listMessages: (id: string, after: number, limit = 200) =>
    call(ROUTES["conversation.list"], { params: { id }, query: { after, limit } }),
  postMessage: (id: string, requestId: string, content: string) =>
    call(ROUTES["conversation.send"], { params: { id }, body: { request_id: requestId, content } }),
  cancelTurn: (id: string) => call(ROUTES["conversation.cancel"], { params: { id } }),
  answerPermission: (id: string, entryId: string, body: AnswerPermissionBody) =>
    call(ROUTES["conversation.answerPermission"], { params: { id, entry_id: entryId }, body }),

  listTokens: () => call(ROUTES["tokens.list"]),
  createToken: (body: CreateTokenBody) => call(ROUTES["tokens.create"], { body }),
  revokeToken: (id: string) => call(ROUTES["tokens.revoke"], { params: { id } }),

  listProviders: () => call(ROUTES["providers.list"]),
  createProvider: (body: CreateProviderBody) => call(ROUTES["providers.create"], { body }),
  deleteProvider: (id: string) => call(ROUTES["providers.delete"], { params: { id } }),
  providerModels: (id: string) => call(ROUTES["providers.models"], { params: { id } }),
  testProvider: (id: string) => call(ROUTES["providers.test"], { params: { id }, body: {} }),

  listTeams: () => call(ROUTES["teams.list"]),
  createTeam: (body: CreateTeamBody) => call(ROUTES["teams.create"], { body }),
  listMembers: (teamId: string) => call(ROUTES["teams.members.list"], { params: { id: teamId } }),
  addMember: (teamId: string, body: AddTeamMemberBody) =>
    call(ROUTES["teams.members.add"], { params: { id: teamId }, body }),
  setMemberRole: (teamId: string, userId: string, role: TeamRoleName) =>
    call(ROUTES["teams.members.update"], { params: { id: teamId, user_id: userId }, body: { role } }),
  removeMember: (teamId: string, userId: string) =>
    call(ROUTES["teams.members.remove"], { params: { id: teamId, user_id: userId } }),

  listProjects: () => call(ROUTES["projects.list"]),
  getProject: (idOrSlug: string) => call(ROUTES["projects.get"], { params: { id: idOrSlug } }),
  createProject: (body: CreateProjectBody) => call(ROUTES["projects.create"], { body }),
  updateProject: (idOrSlug: string, body: UpdateProjectBody) =>
    call(ROUTES["projects.update"], { params: { id: idOrSlug }, body }),
  listRepos: (project: string) => call(ROUTES["repos.list"], { params: { id: project } }),
  getRepo: (project: string, name: string) => call(ROUTES["repos.get"], { params: { id: project, name } }),
  createRepo: (project: string, body: CreateRepoBody) =>
    call(ROUTES["repos.create"], { params: { id: project }, body }),
  deleteRepo: (project: string, name: string) => call(ROUTES["repos.delete"], { params: { id: project, name } }),
  updateRepo: (project: string, name: string, body: UpdateRepoBody) =>
    call(ROUTES["repos.update"], { params: { id: project, name }, body }),
  openPullRequest: (sessionId: string, body: OpenPullRequestBody = {}) =>
    call(ROUTES["sessions.pullRequest.open"], { params: { id: sessionId }, body }),
};

/** A repo with its branches and recent commits, as the repo page shows it. */
export type RepoDetail = RouteResponse<(typeof ROUTES)["repos.get"]>;

/** A WebSocket URL on the page's own origin (the login cookie goes along). */
function wsUrl(path: string): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}${path}`;
}

/** WebSocket URL of a session's stream, on the page's own origin (the login cookie goes along). */
export function streamUrl(sessionId: string, viewOnly: boolean): string {
  return wsUrl(pathFor(ROUTES["sessions.stream"], { id: sessionId }, viewOnly ? { view_only: "1" } : {}));
}

/** WebSocket URL of the live events feed; `since` replays what a reconnecting page missed. */
export function eventsUrl(since: number | undefined): string {
  return wsUrl(pathFor(ROUTES["events.watch"], undefined, { since }));
}

/** URL of a session's desktop thumbnail; `bust` defeats the browser cache between refreshes. */
export function thumbnailUrl(sessionId: string, bust: number): string {
  return pathFor(ROUTES["sessions.thumbnail"], { id: sessionId }, { t: String(bust) });
}
