import {
  type AddTeamMemberBody,
  type CreateTeamBody,
  ErrorCodes,
  type Team,
  type TeamMember,
  type TeamRoleName,
  type UpdateTeamBody,
} from "@strand/protocol";
import { and, asc, count, eq, like, or, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { uniqueViolation } from "../db/errors.js";
import { providers, sessions, teamMembers, teams, users } from "../db/schema.js";
import { recordTeamEvent } from "../events/record.js";
import { conflict, forbidden, HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import { iso } from "../lib/time.js";
import { type Actor, canManageTeam, personOf } from "../policy/policy.js";
import { firstFreeSlug, slugify } from "./slug.js";

type TeamRow = typeof teams.$inferSelect;

/**
 * Teams and their members. Every write is one transaction that locks the team row, so two
 * owners demoting each other at once cannot leave a team without one.
 */
export class TeamService {
  constructor(private readonly db: Db) {}

  async create(actor: Actor, body: CreateTeamBody): Promise<Team> {
    const person = personOf(actor);
    const name = body.name.trim();
    const base = slugify(name);
    try {
      return await this.db.transaction(async (tx) => {
        const taken = await tx
          .select({ slug: teams.slug })
          .from(teams)
          .where(or(eq(teams.slug, base), like(teams.slug, `${base}-%`)));
        const now = new Date();
        const [row] = await tx
          .insert(teams)
          .values({
            id: newId("team"),
            name,
            slug: firstFreeSlug(base, new Set(taken.map((t) => t.slug))),
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        if (!row) throw new Error("insert into teams returned no row");
        await tx.insert(teamMembers).values({ teamId: row.id, userId: person.userId, role: "owner" });
        await recordTeamEvent(tx, "team.updated", brief(row), person.userId);
        return toTeam(row, "owner", 1);
      });
    } catch (err) {
      throw duplicateName(err, name) ?? err;
    }
  }

  /** The actor's teams, by name. */
  async list(actor: Actor): Promise<Team[]> {
    const person = personOf(actor);
    const rows = await this.db
      .select({
        team: teams,
        role: teamMembers.role,
        members: sql<number>`(select count(*) from team_members m where m.team_id = ${teams.id})`,
      })
      .from(teamMembers)
      .innerJoin(teams, eq(teams.id, teamMembers.teamId))
      .where(eq(teamMembers.userId, person.userId))
      .orderBy(asc(sql`lower(${teams.name})`));
    return rows.map((r) => toTeam(r.team, r.role as TeamRoleName, Number(r.members)));
  }

  async get(actor: Actor, id: string): Promise<Team> {
    const role = roleIn(actor, id);
    const [row] = await this.db.select().from(teams).where(eq(teams.id, id));
    if (!row) throw notFound("team", id);
    return toTeam(row, role, await this.memberCount(this.db, id));
  }

  async update(actor: Actor, id: string, body: UpdateTeamBody): Promise<Team> {
    const role = requireManager(actor, id);
    const name = body.name?.trim();
    try {
      return await this.db.transaction(async (tx) => {
        await lockTeam(tx, id);
        const [row] = await tx
          .update(teams)
          .set({
            ...(name !== undefined ? { name } : {}),
            // The embedder notices the change on its next pass and re-embeds the team's entries.
            ...(body.embedding_model !== undefined ? { embeddingModel: body.embedding_model } : {}),
            updatedAt: new Date(),
          })
          .where(eq(teams.id, id))
          .returning();
        if (!row) throw notFound("team", id);
        await recordTeamEvent(tx, "team.updated", brief(row));
        return toTeam(row, role, await this.memberCount(tx, id));
      });
    } catch (err) {
      throw (name !== undefined && duplicateName(err, name)) || err;
    }
  }

  /** Owners only; a team that still has sessions keeps them from vanishing with it. */
  async remove(actor: Actor, id: string): Promise<void> {
    if (roleIn(actor, id) !== "owner") throw forbidden("only the team's owners can delete it");
    await this.db.transaction(async (tx) => {
      const row = await lockTeam(tx, id);
      const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(sessions).where(eq(sessions.teamId, id));
      if (n > 0) {
        throw conflict(
          `team ${row.name} still has ${n} session${n === 1 ? "" : "s"}; delete them first (strand sessions rm <id>)`,
        );
      }
      await tx.delete(providers).where(eq(providers.teamId, id));
      await tx.delete(teams).where(eq(teams.id, id));
      await recordTeamEvent(tx, "team.deleted", brief(row));
    });
  }

  async members(actor: Actor, id: string): Promise<TeamMember[]> {
    roleIn(actor, id);
    const rows = await this.db
      .select({ member: teamMembers, user: users })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(eq(teamMembers.teamId, id))
      .orderBy(asc(users.email));
    return rows.map((r) => toMember(r.member, r.user));
  }

  async addMember(actor: Actor, id: string, body: AddTeamMemberBody): Promise<TeamMember> {
    const role = (body.role ?? "member") as TeamRoleName;
    const mine = requireManager(actor, id);
    if (role === "owner" && mine !== "owner") throw forbidden("only an owner can make someone an owner");
    const email = body.email.trim().toLowerCase();
    return this.db.transaction(async (tx) => {
      const team = await lockTeam(tx, id);
      const [user] = await tx
        .select()
        .from(users)
        .where(eq(sql`lower(${users.email})`, email));
      if (!user) {
        throw new HttpError(
          404,
          ErrorCodes.notFound,
          `no Strand user has the email ${email}; an admin creates their account first (strand users create)`,
        );
      }
      const [existing] = await tx
        .select()
        .from(teamMembers)
        .where(and(eq(teamMembers.teamId, id), eq(teamMembers.userId, user.id)));
      if (existing) {
        throw conflict(
          `${email} is already a ${existing.role} of ${team.name}; change their role with PATCH /api/v1/teams/${id}/members/${user.id}`,
        );
      }
      const [member] = await tx.insert(teamMembers).values({ teamId: id, userId: user.id, role }).returning();
      await recordTeamEvent(tx, "team.updated", brief(team), user.id);
      return toMember(member as typeof teamMembers.$inferSelect, user);
    });
  }

  async updateMember(actor: Actor, id: string, userId: string, role: TeamRoleName): Promise<TeamMember> {
    const mine = requireManager(actor, id);
    return this.db.transaction(async (tx) => {
      const team = await lockTeam(tx, id);
      const { member, user } = await memberOf(tx, id, userId);
      if ((member.role === "owner" || role === "owner") && mine !== "owner") {
        throw forbidden("only an owner can make someone an owner or change an owner's role");
      }
      if (member.role === "owner" && role !== "owner") await keepAnOwner(tx, team, userId);
      const [updated] = await tx
        .update(teamMembers)
        .set({ role })
        .where(and(eq(teamMembers.teamId, id), eq(teamMembers.userId, userId)))
        .returning();
      await recordTeamEvent(tx, "team.updated", brief(team), userId);
      return toMember(updated as typeof teamMembers.$inferSelect, user);
    });
  }

  /** Managers remove others; anyone may leave. The last owner may do neither to themselves. */
  async removeMember(actor: Actor, id: string, userId: string): Promise<void> {
    const person = personOf(actor);
    const mine = roleIn(actor, id);
    const leaving = person.userId === userId;
    if (!leaving && !canManageTeam(actor, id)) {
      throw forbidden(`only the team's owners and admins can remove members; your role is ${mine}`);
    }
    await this.db.transaction(async (tx) => {
      const team = await lockTeam(tx, id);
      const { member } = await memberOf(tx, id, userId);
      if (member.role === "owner" && !leaving && mine !== "owner") throw forbidden("only an owner can remove an owner");
      if (member.role === "owner") await keepAnOwner(tx, team, userId);
      await tx.delete(teamMembers).where(and(eq(teamMembers.teamId, id), eq(teamMembers.userId, userId)));
      await recordTeamEvent(tx, "team.updated", brief(team), userId);
    });
  }

  private async memberCount(db: Db, id: string): Promise<number> {
    const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(teamMembers).where(eq(teamMembers.teamId, id));
    return n;
  }
}

/** The actor's role; a team they are not in answers 404, like a missing one. */
function roleIn(actor: Actor, id: string): TeamRoleName {
  const role = personOf(actor).teams.get(id);
  if (!role) throw notFound("team", id);
  return role;
}

function requireManager(actor: Actor, id: string): TeamRoleName {
  const role = roleIn(actor, id);
  if (!canManageTeam(actor, id)) throw forbidden(`only the team's owners and admins can do this; your role is ${role}`);
  return role;
}

async function lockTeam(tx: Db, id: string): Promise<TeamRow> {
  const [row] = await tx.select().from(teams).where(eq(teams.id, id)).for("update");
  if (!row) throw notFound("team", id);
  return row;
}

async function memberOf(tx: Db, teamId: string, userId: string) {
  const [row] = await tx
    .select({ member: teamMembers, user: users })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
  if (!row) throw notFound("team member", userId);
  return row;
}

async function keepAnOwner(tx: Db, team: TeamRow, leavingUserId: string): Promise<void> {
  const owners = await tx
    .select({ userId: teamMembers.userId })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.role, "owner")));
  if (owners.every((o) => o.userId === leavingUserId)) {
    throw conflict(
      `that would leave ${team.name} without an owner; make another member an owner first, or delete the team`,
    );
  }
}

function duplicateName(err: unknown, name: string): HttpError | undefined {
  if (uniqueViolation(err) !== "teams_name_key") return undefined;
  const message = `name: a team named ${JSON.stringify(name)} already exists; choose another name`;
  return conflict(message, [{ path: "body.name", message }]);
}

const brief = (row: TeamRow) => ({ id: row.id, name: row.name, slug: row.slug });

function toTeam(row: TeamRow, role: TeamRoleName, memberCount: number): Team {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    role,
    member_count: memberCount,
    embedding_model: row.embeddingModel,
    created_at: iso(row.createdAt) as string,
    updated_at: iso(row.updatedAt) as string,
  };
}

function toMember(m: typeof teamMembers.$inferSelect, u: typeof users.$inferSelect): TeamMember {
  return {
    user_id: u.id,
    email: u.email,
    name: u.name,
    role: m.role as TeamRoleName,
    created_at: iso(m.createdAt) as string,
  };
}
