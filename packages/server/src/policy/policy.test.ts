import { describe, expect, it } from "vitest";
import type { Actor, TeamRole } from "./policy.js";
import { accessTo, assertAccess, assertCanManageProvider, canManageTeam, desktopAccess, userActor } from "./policy.js";

const TEAM = "team_a";
const member = (role: TeamRole): Actor => userActor("usr_member", false, new Map([[TEAM, role]]));
const stranger = userActor("usr_stranger");
const admin = userActor("usr_admin", true);
const owner = userActor("usr_owner");

const personal = { ownerId: "usr_owner", teamId: null, sessionId: "ses_personal" };
const teamSession = { ownerId: "usr_owner", teamId: TEAM, sessionId: "ses_team" };

describe("policy: who may see and control what", () => {
  it.each([
    ["owner", "control"],
    ["admin", "control"],
    ["member", "control"],
    ["viewer", "view"],
  ] as const)("a team %s has %s on the team's sessions and nothing on a member's personal ones", (role, access) => {
    expect(accessTo(member(role), teamSession)).toBe(access);
    expect(accessTo(member(role), personal)).toBe("none");
  });

  it("owners control their own things; strangers see nothing, even a team's", () => {
    expect(accessTo(owner, personal)).toBe("control");
    expect(accessTo(stranger, personal)).toBe("none");
    expect(accessTo(stranger, teamSession)).toBe("none");
  });

  it("a session token reaches its own session only, whatever its owner may do", () => {
    const token: Actor = { kind: "session", sessionId: "ses_team", ownerId: "usr_owner", teamId: TEAM };
    expect(accessTo(token, teamSession)).toBe("control");
    expect(accessTo(token, personal)).toBe("none");
  });

  it("admins take over any desktop, but have no say in others' conversations by being admin", () => {
    expect(desktopAccess(admin, personal)).toBe("control");
    expect(accessTo(admin, personal)).toBe("none");
    expect(desktopAccess(member("viewer"), teamSession)).toBe("view");
  });

  it("answers 404 to those who cannot see and 403 to those who may only watch", () => {
    const what = { kind: "session", id: "ses_team" };
    expect(() => assertAccess(stranger, teamSession, "view", what)).toThrow(
      expect.objectContaining({ statusCode: 404 }),
    );
    expect(() => assertAccess(member("viewer"), teamSession, "control", what)).toThrow(
      expect.objectContaining({ statusCode: 403, message: expect.stringMatching(/viewer/) }),
    );
    expect(() => assertAccess(member("viewer"), teamSession, "view", what)).not.toThrow();
  });

  it("only a team's owners and admins manage it and its providers", () => {
    const provider = { name: "team-anthropic", ownerId: "usr_owner", teamId: TEAM };
    for (const role of ["owner", "admin"] as const) {
      expect(canManageTeam(member(role), TEAM)).toBe(true);
      expect(() => assertCanManageProvider(member(role), provider)).not.toThrow();
    }
    for (const role of ["member", "viewer"] as const) {
      expect(canManageTeam(member(role), TEAM)).toBe(false);
      expect(() => assertCanManageProvider(member(role), provider)).toThrow(/owners and admins/);
    }
    // Creating a team provider does not keep it personal: its creator left the team's managers.
    expect(() => assertCanManageProvider(owner, provider)).toThrow(/owners and admins/);
  });
});
