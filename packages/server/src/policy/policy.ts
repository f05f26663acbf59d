import { forbidden, notFound } from "../lib/http-error.js";
import type { Actor, TeamRole, UserActor } from "./actor.js";

export type { Actor, SessionActor, TeamRole, UserActor } from "./actor.js";
export { actorOf, TEAM_ROLES, userActor } from "./actor.js";

/**
 * What a caller may do with a thing:
 * - `control`: change it, and for a session chat, answer, take over the desktop, stop, start, delete;
 * - `view`: see it, watch its desktop and read its conversation;
 * - `none`: it does not exist for them (routes answer 404, so existence does not leak).
 */
export type Access = "none" | "view" | "control";

/** Anything owned by a person and optionally shared with a team: sessions, providers, projects. */
export interface Owned {
  /** Null only for team-wide things (a team's own events). */
  ownerId: string | null;
  teamId?: string | null;
  /** Set for sessions, so a session token reaches its own session. */
  sessionId?: string;
}

/** A role that may change a team's things (chat, take over, stop); viewers only watch. */
const CONTROLLING_ROLES: ReadonlySet<TeamRole> = new Set(["owner", "admin", "member"]);

export function accessTo(actor: Actor, thing: Owned): Access {
  if (actor.kind === "session") return thing.sessionId === actor.sessionId ? "control" : "none";
  if (thing.ownerId === actor.userId) return "control";
  const role = thing.teamId ? actor.teams.get(thing.teamId) : undefined;
  if (role) return CONTROLLING_ROLES.has(role) ? "control" : "view";
  return "none";
}

export const canView = (actor: Actor, thing: Owned): boolean => accessTo(actor, thing) !== "none";
export const canControl = (actor: Actor, thing: Owned): boolean => accessTo(actor, thing) === "control";

/**
 * Throws unless the actor has `need` on the thing: 404 when they cannot see it at all (the same
 * answer as a missing one, so existence does not leak), 403 when they may only watch.
 */
export function assertAccess(
  actor: Actor,
  thing: Owned,
  need: Exclude<Access, "none">,
  what: { kind: string; id: string },
  access: Access = accessTo(actor, thing),
): void {
  if (access === "none") throw notFound(what.kind, what.id);
  if (need === "control" && access !== "control") {
    throw forbidden(
      `you can watch ${what.kind} ${what.id} but not change it: your role in its team is viewer. ` +
        "Ask a team owner or admin to make you a member.",
    );
  }
}

/**
 * A session's desktop (stream and stills). Admins may watch and take over any desktop, which is
 * how an operator helps a stuck user; everything else about a session follows `accessTo`.
 */
export function desktopAccess(actor: Actor, session: Owned): Access {
  if (actor.kind === "user" && actor.isAdmin) return "control";
  return accessTo(actor, session);
}

/** The teams whose things the actor sees (all of their teams; a role only limits what they may change). */
export function visibleTeams(actor: Actor): string[] {
  if (actor.kind === "session") return actor.teamId ? [actor.teamId] : [];
  return [...actor.teams.keys()];
}

/**
 * A trusted session runs its own Docker daemon with emulated privileges: root-equivalent on the
 * host. So it is an admin's decision (a team-level permission once teams may hold hosts).
 */
export function canRunTrusted(actor: Actor): boolean {
  return actor.kind === "user" && actor.isAdmin;
}

export function assertCanRunTrusted(actor: Actor): void {
  if (!canRunTrusted(actor)) {
    throw forbidden(
      "Only an admin can create a trusted session or turn trusted mode on: it runs its own Docker daemon " +
        "with emulated privileges, which is root on the host. Ask an admin to create it for you, or leave trusted off.",
    );
  }
}

/** Shared providers serve every user; only admins may share one. */
export function canShareProvider(actor: Actor): boolean {
  return actor.kind === "user" && actor.isAdmin;
}

export function assertCanShareProvider(actor: Actor): void {
  if (!canShareProvider(actor)) throw forbidden("only an admin can share a provider with every user; leave out shared");
}

/** Roles that manage a team: its members, providers and settings. */
const MANAGING_ROLES: ReadonlySet<TeamRole> = new Set(["owner", "admin"]);

export function canManageTeam(actor: Actor, teamId: string): boolean {
  if (actor.kind !== "user") return false;
  const role = actor.teams.get(teamId);
  return role !== undefined && MANAGING_ROLES.has(role);
}

/** Throws unless the actor may start work in the team (members and up; viewers only watch). */
export function assertCanWorkIn(actor: Actor, teamId: string): void {
  const role = actor.kind === "user" ? actor.teams.get(teamId) : undefined;
  if (!role) throw notFound("team", teamId);
  if (!CONTROLLING_ROLES.has(role)) {
    throw forbidden(
      "viewers can watch a team's sessions but not create them; ask a team owner or admin for the member role",
    );
  }
}

/** Throws unless the person may add a provider to the team (its owners and admins). */
export function teamProviderOwner(actor: UserActor, teamId: string): void {
  if (canManageTeam(actor, teamId)) return;
  if (!actor.teams.has(teamId)) throw notFound("team", teamId);
  throw forbidden(`only the team's owners and admins can add its providers; your role is ${actor.teams.get(teamId)}`);
}

/**
 * A personal provider is changed by its owner alone (a shared one too: sharing does not give it
 * away); a team's by the team's owners and admins.
 */
export function assertCanManageProvider(
  actor: Actor,
  provider: { name: string; ownerId: string; teamId: string | null },
): void {
  if (provider.teamId) {
    if (canManageTeam(actor, provider.teamId)) return;
    throw forbidden(`provider ${provider.name} belongs to a team; only its owners and admins can change it`);
  }
  if (actor.kind === "user" && actor.userId === provider.ownerId) return;
  throw forbidden(`provider ${provider.name} is shared by an admin; only its owner can change it`);
}

/** The person a caller stands for: themselves, or a session's owner. */
export const personIdOf = (actor: Actor): string => (actor.kind === "session" ? actor.ownerId : actor.userId);

/** A person acting for themselves; session tokens never reach user routes (api/require-auth.ts). */
export function personOf(actor: Actor): UserActor {
  if (actor.kind !== "user") throw forbidden("a session token cannot do this; use your own API token");
  return actor;
}

/**
 * Who manages a project's settings that reach outside it (its outgoing webhooks): its owner, or
 * for a team's project the team's owners and admins. Members work in it; they do not redirect it.
 */
export function canManageProject(actor: Actor, project: { ownerId: string; teamId: string | null }): boolean {
  if (actor.kind !== "user") return false;
  if (project.teamId) return canManageTeam(actor, project.teamId);
  return actor.userId === project.ownerId;
}

/**
 * A knowledge source (docs/knowledge.md) is seen by whoever sees its team or its project, and
 * changed (settings, uploads, Sync now) by those who may work there: a team's owners, admins and
 * members, a project's controllers. Viewers search it but do not change it. A session's agent sees
 * the sources of its session's project and team through `knowledgeScope` only (the MCP tools).
 */
export function knowledgeAccess(
  actor: Actor,
  source: { teamId: string | null },
  project: { ownerId: string; teamId: string | null } | null,
): Access {
  if (actor.kind === "session") return "none";
  if (source.teamId) {
    const role = actor.teams.get(source.teamId);
    if (!role) return "none";
    return CONTROLLING_ROLES.has(role) ? "control" : "view";
  }
  return project ? accessTo(actor, { ownerId: project.ownerId, teamId: project.teamId }) : "none";
}

/**
 * Who may add or change a team's or project's MCP servers: the team's members and up (viewers see
 * them), or for a project whoever controls the project (its owner, its team's members and up).
 * `access` is the caller's access to the owning team or project, from `accessTo`.
 */
export function assertCanManageMcpServers(actor: Actor, owner: Owned, what: { kind: string; id: string }): void {
  if (actor.kind !== "user") throw forbidden("a session token cannot change MCP servers; use your own API token");
  const access = accessTo(actor, owner);
  if (access === "none") throw notFound(what.kind, what.id);
  if (access !== "control") {
    throw forbidden(
      `you can see the MCP servers of ${what.kind} ${what.id} but not change them: your role in its team is viewer`,
    );
  }
}
