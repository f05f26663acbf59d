import type { Team } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import {
  ALL,
  accessTo,
  defaultTeamId,
  inChoice,
  PERSONAL,
  parseTeamParam,
  resolveChoice,
  storedValue,
  teamParam,
  workableTeams,
} from "./team-choice.js";

const team = (id: string, slug: string, role: Team["role"]) => ({ id, slug, name: slug, role }) as Team;
const teams = [team("team_a", "platform", "member"), team("team_b", "personal", "viewer")];
const ME = "usr_me";
const thing = (owner: string, teamId: string | null) => ({ owner_id: owner, team_id: teamId });

describe("team choice", () => {
  it("reads ?team= values: a slug, ~personal, nothing; junk is ignored", () => {
    expect(parseTeamParam("platform")).toEqual({ kind: "team", slug: "platform" });
    expect(parseTeamParam("~personal")).toEqual(PERSONAL);
    expect(parseTeamParam(null)).toBeUndefined();
    expect(parseTeamParam("<script>")).toBeUndefined();
    // A team may be called "Personal": its slug is a team, never the personal choice.
    expect(parseTeamParam("personal")).toEqual({ kind: "team", slug: "personal" });
  });

  it("round-trips choices through the URL and storage; all has no URL value", () => {
    for (const c of [ALL, PERSONAL, { kind: "team", slug: "platform" } as const]) {
      expect(resolveChoice(null, storedValue(c))).toEqual(c);
      expect(resolveChoice(teamParam(c) ?? null, null)).toEqual(c);
    }
    expect(teamParam(ALL)).toBeUndefined();
  });

  it("prefers the link's choice over the stored one, then all", () => {
    expect(resolveChoice("platform", "~personal")).toEqual({ kind: "team", slug: "platform" });
    expect(resolveChoice(null, "~personal")).toEqual(PERSONAL);
    expect(resolveChoice(null, null)).toEqual(ALL);
    expect(resolveChoice("!!", null)).toEqual(ALL);
  });

  it("filters the fleet: a team's things by team, personal ones when yours and in no team", () => {
    const sessions = [thing(ME, null), thing("usr_other", null), thing(ME, "team_a"), thing("usr_other", "team_b")];
    const shown = (c: Parameters<typeof inChoice>[1]) =>
      sessions.map((s, i) => (inChoice(s, c, teams, ME) ? i : -1)).filter((i) => i >= 0);
    expect(shown(ALL)).toEqual([0, 1, 2, 3]);
    expect(shown(PERSONAL)).toEqual([0]);
    expect(shown({ kind: "team", slug: "platform" })).toEqual([2]);
    expect(shown({ kind: "team", slug: "personal" })).toEqual([3]);
    // A team the user is not in (a shared link, or they left) shows nothing rather than everything.
    expect(shown({ kind: "team", slug: "elsewhere" })).toEqual([]);
  });

  it("derives access as the API does: owners and team members control, viewers watch", () => {
    expect(accessTo(thing(ME, "team_b"), teams, ME)).toBe("control");
    expect(accessTo(thing("usr_other", "team_a"), teams, ME)).toBe("control");
    expect(accessTo(thing("usr_other", "team_b"), teams, ME)).toBe("view");
    expect(accessTo(thing("usr_other", null), teams, ME)).toBe("none");
    expect(accessTo(thing("usr_other", "team_z"), teams, ME)).toBe("none");
  });

  it("makes new things the chosen team's only where the user may work in it", () => {
    expect(defaultTeamId({ kind: "team", slug: "platform" }, teams)).toBe("team_a");
    expect(defaultTeamId({ kind: "team", slug: "personal" }, teams)).toBeUndefined();
    expect(defaultTeamId(PERSONAL, teams)).toBeUndefined();
    expect(workableTeams(teams).map((t) => t.id)).toEqual(["team_a"]);
  });
});
