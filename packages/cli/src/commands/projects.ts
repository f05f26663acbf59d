import { MERGE_STRATEGIES } from "@strand/protocol";
import { type Command, Option } from "commander";
import { clientFor } from "../context.js";
import { ago, table } from "../output.js";

export function registerProjects(program: Command): void {
  const projects = program.command("projects").description("Projects: repos hosted by Strand and their sessions");

  projects
    .command("create <name>")
    .description("Create a project")
    .option("--team <team-id>", "make it a team's project")
    .addOption(new Option("--merge-strategy <strategy>").choices(MERGE_STRATEGIES))
    .option("--branch-prefix <prefix>", "sessions' branches start with it (default strand/)")
    .option("--no-checkpoints", "do not commit and push at the end of each agent turn")
    .action(
      async (
        name: string,
        o: {
          team?: string;
          mergeStrategy?: (typeof MERGE_STRATEGIES)[number];
          branchPrefix?: string;
          checkpoints: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = clientFor(cmd);
        const p = await client.projects.create({
          name,
          ...(o.team ? { team_id: o.team } : {}),
          ...(o.mergeStrategy ? { merge_strategy: o.mergeStrategy } : {}),
          ...(o.branchPrefix !== undefined ? { branch_prefix: o.branchPrefix } : {}),
          ...(o.checkpoints === false ? { checkpoints: false } : {}),
        });
        out.result(p, () => `Created project ${p.name} (${p.id}, slug ${p.slug})`);
      },
    );

  projects
    .command("list")
    .alias("ls")
    .description("Your projects and your teams'")
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const items = await client.projects.list();
      out.result(items, () =>
        table(
          ["ID", "SLUG", "NAME", "TEAM", "MERGE", "CREATED"],
          items.map((p) => [p.id, p.slug, p.name, p.team_id ?? "-", p.merge_strategy, ago(p.created_at)]),
        ),
      );
    });

  projects
    .command("get <project>")
    .description("Show a project (id or slug)")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const p = await client.projects.get(id);
      out.result(p, () => JSON.stringify(p, null, 2));
    });

  const repos = program.command("repos").description("Git repositories hosted by Strand");

  repos
    .command("create <project> <name>")
    .description("Create an empty repo in a project")
    .option("--default-branch <branch>", "default main")
    .action(async (project: string, name: string, o: { defaultBranch?: string }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const r = await client.repos.create(project, {
        name,
        ...(o.defaultBranch ? { default_branch: o.defaultBranch } : {}),
      });
      out.result(
        r,
        () => `Created ${r.name}\nClone: git clone ${r.clone_url}  (any user name, an API token as password)`,
      );
    });

  repos
    .command("import <project> <name> <url>")
    .description("Import a repo from an http(s), ssh or git URL; credentials stay on the server")
    .option("--username <user>", "upstream user name")
    .option("--password-env <VAR>", "read the upstream password or token from this environment variable")
    .action(
      async (
        project: string,
        name: string,
        url: string,
        o: { username?: string; passwordEnv?: string },
        cmd: Command,
      ) => {
        const { client, out } = clientFor(cmd);
        const password = o.passwordEnv ? process.env[o.passwordEnv] : undefined;
        if (o.passwordEnv && !password) throw new Error(`environment variable ${o.passwordEnv} is not set`);
        const r = await client.repos.create(project, {
          name,
          import_url: url,
          ...(o.username ? { import_username: o.username } : {}),
          ...(password ? { import_password: password } : {}),
        });
        out.result(r, () => `Imported ${r.name} (default branch ${r.default_branch})\nClone: git clone ${r.clone_url}`);
      },
    );

  repos
    .command("list <project>")
    .alias("ls")
    .description("A project's repos")
    .action(async (project: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const items = await client.repos.list(project);
      out.result(items, () =>
        table(
          ["NAME", "DEFAULT", "CLONE URL", "UPSTREAM"],
          items.map((r) => [r.name, r.default_branch, r.clone_url, r.upstream_url ?? "-"]),
        ),
      );
    });
}
