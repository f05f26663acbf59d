import type { AuthContext } from "../auth/authenticate.js";

/** A person's role in a team, strongest first. */
export const TEAM_ROLES = ["owner", "admin", "member", "viewer"] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** A person, by API token or login cookie. */
export interface UserActor {
  kind: "user";
  userId: string;
  /** A server admin: manages users, shared providers and the server, and may run trusted sessions. */
  isAdmin: boolean;
  /** The teams they belong to, with their role in each. */
  teams: ReadonlyMap<string, TeamRole>;
}

/** A session's agent, by its session token: it acts for that one session and nothing else. */
export interface SessionActor {
  kind: "session";
  sessionId: string;
  /** The person the session belongs to (whose providers and spend limit apply). */
  ownerId: string;
  teamId: string | null;
}

/**
 * Who is asking, as the policy sees it. Services take an Actor rather than a bare user id, so
 * what a caller may do is decided in policy.ts and nowhere else.
 */
export type Actor = UserActor | SessionActor;

const NO_TEAMS: ReadonlyMap<string, TeamRole> = new Map();

export function actorOf(auth: AuthContext): Actor {
  if (auth.sessionId) {
    return { kind: "session", sessionId: auth.sessionId, ownerId: auth.user.id, teamId: auth.teamId };
  }
  return { kind: "user", userId: auth.user.id, isAdmin: auth.user.isAdmin, teams: auth.teams };
}

/** For code that acts for a user outside a request (the scheduler, tests): no team roles. */
export function userActor(userId: string, isAdmin = false, teams: ReadonlyMap<string, TeamRole> = NO_TEAMS): UserActor {
  return { kind: "user", userId, isAdmin, teams };
}

/**
 * The search embedder calling an embeddings provider for a team's conversations (or, with no team,
 * for everyone's): it may route to the team's providers and to shared ones, and to nobody's
 * personal provider. It is never given to anything that reads or changes user data.
 */
export function embedderActor(teamId: string | null): UserActor {
  return {
    kind: "user",
    userId: "system:search-embedder",
    isAdmin: false,
    teams: teamId ? new Map<string, TeamRole>([[teamId, "viewer"]]) : NO_TEAMS,
  };
}
