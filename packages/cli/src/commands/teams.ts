import { TEAM_ROLE_VALUES, type TeamRoleName } from "@strand/protocol";
import { type Command, Option } from "commander";
import { clientFor } from "../context.js";
import { ago, table } from "../output.js";

const roleOption = () => new Option("--role <role>", "owner, admin, member or viewer").choices(TEAM_ROLE_VALUES);

export function registerTeams(program: Command): void {
  const teams = program.command("teams").description("Teams: shared sessions, providers and projects, with roles");

  teams
    .command("create <name>")
    .description("Create a team; you become its owner")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const t = await client.teams.create({ name });
      out.result(t, () => `Created team ${t.name} (${t.id}, slug ${t.slug})`);
    });

  teams
    .command("list")
    .alias("ls")
    .description("The teams you belong to")
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const items = await client.teams.list();
      out.result(items, () =>
        table(
          ["ID", "NAME", "SLUG", "ROLE", "MEMBERS", "CREATED"],
          items.map((t) => [t.id, t.name, t.slug, t.role, String(t.member_count), ago(t.created_at)]),
        ),
      );
    });

  teams
    .command("members <team-id>")
    .description("List a team's members")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const items = await client.teams.members(id);
      out.result(items, () =>
        table(
          ["USER", "EMAIL", "NAME", "ROLE"],
          items.map((m) => [m.user_id, m.email, m.name, m.role]),
        ),
      );
    });

  teams
    .command("add <team-id> <email>")
    .description("Add an existing user to a team")
    .addOption(roleOption().default("member"))
    .action(async (id: string, email: string, o: { role: TeamRoleName }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const m = await client.teams.addMember(id, { email, role: o.role });
      out.result(m, () => `Added ${m.email} as ${m.role}`);
    });

  teams
    .command("role <team-id> <user-id>")
    .description("Change a member's role")
    .addOption(roleOption().makeOptionMandatory())
    .action(async (id: string, userId: string, o: { role: TeamRoleName }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const m = await client.teams.setRole(id, userId, o.role);
      out.result(m, () => `${m.email} is now ${m.role}`);
    });

  teams
    .command("remove <team-id> <user-id>")
    .description("Remove a member (your own id: leave the team)")
    .action(async (id: string, userId: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      await client.teams.removeMember(id, userId);
      out.result({ removed: userId }, () => `Removed ${userId}`);
    });
}
