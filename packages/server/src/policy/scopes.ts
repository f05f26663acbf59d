import { and, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import {
  events,
  knowledgeSources,
  mcpServers,
  projects,
  providers,
  sessions,
  teamMembers,
  teams,
} from "../db/schema.js";
import type { Actor } from "./actor.js";
import { personIdOf, visibleTeams } from "./policy.js";

/*
 * The same rules as policy.ts, as SQL, for lists and fan-out that cannot load every row to ask
 * `accessTo`. Every scope is total: there is no "no filter" case to fall into by accident.
 */

/** Sessions the actor sees: their own and their teams'; a session token sees only its session. */
export function sessionScope(actor: Actor): SQL {
  if (actor.kind === "session") return eq(sessions.id, actor.sessionId);
  return ownedOrTeam(eq(sessions.ownerId, actor.userId), actor, (teams) => inArray(sessions.teamId, teams));
}

/**
 * Sessions whose conversations the actor may search (docs/search.md). A person: exactly the fleet's
 * `sessionScope` (admins too: being an admin shows no one else's conversations). A session's agent
 * (the MCP `search_history` tool, by session token) searches for its owner: every session the
 * owner sees, read from the owner's memberships now, so a removed member's agents lose the team
 * at once like the member does.
 */
export function historyScope(actor: Actor): SQL {
  if (actor.kind === "user") return sessionScope(actor);
  const ownerTeams = sql`(select ${teamMembers.teamId} from ${teamMembers} where ${teamMembers.userId} = ${actor.ownerId})`;
  return or(eq(sessions.ownerId, actor.ownerId), sql`${sessions.teamId} in ${ownerTeams}`) as SQL;
}

/** Teams whose sessions `historyScope` includes (for the team settings search reads, such as embedding models). */
export function historyTeamScope(actor: Actor): SQL {
  if (actor.kind === "session") {
    return sql`${teams.id} in (select ${teamMembers.teamId} from ${teamMembers} where ${teamMembers.userId} = ${actor.ownerId})`;
  }
  const visible = visibleTeams(actor);
  return visible.length ? inArray(teams.id, visible) : sql`false`;
}

/**
 * Providers the actor sees and routes to: their personal ones, shared ones, and their teams'
 * (a session: only its own team's, so a personal session never spends a team's key).
 */
export function providerScope(actor: Actor): SQL {
  return or(
    and(eq(providers.ownerId, personIdOf(actor)), isNull(providers.teamId)),
    eq(providers.shared, true),
    ...teamCondition(actor, (teams) => inArray(providers.teamId, teams)),
  ) as SQL;
}

/** Events the actor receives live and on replay: about things they can see. */
export function eventScope(actor: Actor): SQL {
  if (actor.kind === "session") return eq(events.sessionId, actor.sessionId);
  return ownedOrTeam(eq(events.ownerId, actor.userId), actor, (teams) => inArray(events.teamId, teams));
}

function ownedOrTeam(own: SQL, actor: Actor, team: (teams: string[]) => SQL): SQL {
  const teamPart = teamCondition(actor, team);
  return teamPart.length ? (or(own, ...teamPart) as SQL) : own;
}

function teamCondition(actor: Actor, team: (teams: string[]) => SQL): SQL[] {
  const teams = visibleTeams(actor);
  return teams.length ? [team(teams)] : [];
}

/** Projects the actor sees: their own and their teams'; a session token sees none by listing. */
export function projectScope(actor: Actor): SQL {
  if (actor.kind === "session") return sql`false`;
  return ownedOrTeam(eq(projects.ownerId, actor.userId), actor, (teams) => inArray(projects.teamId, teams));
}

/**
 * Knowledge sources the actor may search and read (policy.ts `knowledgeAccess` as SQL): a person's
 * are those of the teams they belong to and of the projects they see; a session's agent gets those
 * attached to its session's project and to its session's team, read from the session row now.
 */
export function knowledgeScope(actor: Actor): SQL {
  const k = knowledgeSources;
  if (actor.kind === "session") {
    const ofSession = (col: typeof sessions.projectId | typeof sessions.teamId) =>
      sql`(select ${col} from ${sessions} where ${sessions.id} = ${actor.sessionId})`;
    return or(
      sql`${k.projectId} = ${ofSession(sessions.projectId)}`,
      sql`${k.teamId} = ${ofSession(sessions.teamId)}`,
    ) as SQL;
  }
  const teamIds = visibleTeams(actor);
  const visibleProjects = sql`(select ${projects.id} from ${projects} where ${projectScope(actor)})`;
  return or(teamIds.length ? inArray(k.teamId, teamIds) : sql`false`, sql`${k.projectId} in ${visibleProjects}`) as SQL;
}

/**
 * Team and project MCP servers the actor sees: those of the teams they belong to (viewers too) and
 * of the projects they see. A session token sees none by listing; the proxy resolves its servers
 * by the session's own project and team (mcpServersOfSession).
 */
export function mcpServerScope(actor: Actor): SQL {
  if (actor.kind === "session") return sql`false`;
  const visibleProjects = sql`(select ${projects.id} from ${projects} where ${projectScope(actor)})`;
  const teamIds = visibleTeams(actor);
  const byProject = sql`${mcpServers.projectId} in ${visibleProjects}`;
  return teamIds.length ? (or(inArray(mcpServers.teamId, teamIds), byProject) as SQL) : byProject;
}

/** The servers a session's runtime gets: its project's and its team's (a project's shadow its team's by name). */
export function mcpServersOfSession(session: { projectId: string | null; teamId: string | null }): SQL {
  const parts: SQL[] = [];
  if (session.projectId) parts.push(eq(mcpServers.projectId, session.projectId));
  if (session.teamId) parts.push(eq(mcpServers.teamId, session.teamId));
  return parts.length ? (or(...parts) as SQL) : sql`false`;
}
