import type { Team, TeamRoleName } from "@strand/protocol";

/**
 * What the team switcher has chosen: everything you can see, your own things outside any team,
 * or one team's things. It filters the fleet and the projects list and is the default owner of
 * new sessions and projects.
 */
export type TeamChoice = { kind: "all" } | { kind: "personal" } | { kind: "team"; slug: string };

export const ALL: TeamChoice = { kind: "all" };
export const PERSONAL: TeamChoice = { kind: "personal" };

/**
 * `?team=` value for Personal. Team slugs are lower-case letters, digits and dashes only, so a
 * leading `~` can never be a team's (a team may well be called "Personal").
 */
export const PERSONAL_PARAM = "~personal";

/** Reads a `?team=` value (or the stored one); anything that is not a slug is ignored. */
export function parseTeamParam(value: string | null | undefined): TeamChoice | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === PERSONAL_PARAM) return PERSONAL;
  if (v === "~all") return ALL;
  return /^[a-z0-9][a-z0-9-]*$/.test(v) ? { kind: "team", slug: v } : undefined;
}

/** The `?team=` value for a choice; "all" has none (a link without it shows everything you may see). */
export function teamParam(choice: TeamChoice): string | undefined {
  if (choice.kind === "all") return undefined;
  return choice.kind === "personal" ? PERSONAL_PARAM : choice.slug;
}

/** What is stored between visits; "all" is stored too, so it outlasts a reload. */
export function storedValue(choice: TeamChoice): string {
  return teamParam(choice) ?? "~all";
}

/** The link's choice wins (links are shareable), then the one stored from the last visit, then all. */
export function resolveChoice(urlValue: string | null, stored: string | null): TeamChoice {
  return parseTeamParam(urlValue) ?? parseTeamParam(stored) ?? ALL;
}

export const sameChoice = (a: TeamChoice, b: TeamChoice): boolean =>
  a.kind === b.kind && (a.kind !== "team" || (b.kind === "team" && a.slug === b.slug));

/** The team a choice names, among the user's teams (undefined for all, personal, or a team they left). */
export function teamOf(choice: TeamChoice, teams: readonly Team[] | undefined): Team | undefined {
  return choice.kind === "team" ? teams?.find((t) => t.slug === choice.slug) : undefined;
}

/** Anything with an owner that may belong to a team: sessions and projects. */
export interface Owned {
  owner_id: string;
  team_id: string | null;
}

/**
 * Whether a session or project is shown under a choice: a team's things by their team, personal
 * ones when they are yours and in no team. A team the user is not (or no longer) in shows nothing.
 */
export function inChoice(
  thing: Owned,
  choice: TeamChoice,
  teams: readonly Team[] | undefined,
  meId: string | undefined,
): boolean {
  if (choice.kind === "all") return true;
  if (choice.kind === "personal") return thing.team_id === null && thing.owner_id === meId;
  const team = teamOf(choice, teams);
  return team !== undefined && thing.team_id === team.id;
}

/** The same three answers the server's policy gives (packages/server/src/policy/policy.ts). */
export type Access = "none" | "view" | "control";

/** Members and up work in a team (chat, take over, stop, create); viewers only watch. */
export const canWork = (role: TeamRoleName | undefined): boolean => role !== undefined && role !== "viewer";
/** Owners and admins manage members, providers and settings of the team. */
export const canManage = (role: TeamRoleName | undefined): boolean => role === "owner" || role === "admin";

/**
 * What the user may do with a session or project, as the API will decide it: its owner controls
 * it; in a team, members and up control and viewers watch. Used to hide buttons the API would
 * refuse; the API stays the judge.
 */
export function accessTo(thing: Owned, teams: readonly Team[] | undefined, meId: string | undefined): Access {
  if (meId !== undefined && thing.owner_id === meId) return "control";
  const role = thing.team_id ? teams?.find((t) => t.id === thing.team_id)?.role : undefined;
  if (role) return canWork(role) ? "control" : "view";
  return "none";
}

/** The teams a user may create things in (members and up), for owner pickers. */
export const workableTeams = (teams: readonly Team[] | undefined): Team[] =>
  (teams ?? []).filter((t) => canWork(t.role));

/**
 * The default owner of something new under a choice: the chosen team when the user may work in
 * it, else personal (a viewer cannot create in the team).
 */
export function defaultTeamId(choice: TeamChoice, teams: readonly Team[] | undefined): string | undefined {
  const team = teamOf(choice, teams);
  return team && canWork(team.role) ? team.id : undefined;
}
