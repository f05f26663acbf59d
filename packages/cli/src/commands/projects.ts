import { readFileSync } from "node:fs";
import { HOST_KINDS, MERGE_STRATEGIES, type Repo, type UpdateRepoBody } from "@strand/protocol";
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

  repos
    .command("update <project> <repo>")
    .description(
      "Set where the repo's pull requests go: the upstream's host kind, its API address and token, and the " +
        "webhook secret (see docs/teams-and-projects.md#pull-requests)",
    )
    .addOption(
      new Option(
        "--host <kind>",
        "software serving the upstream (needed unless github.com, gitlab.com, gitea.com, codeberg.org)",
      ).choices(HOST_KINDS),
    )
    .option("--api-base <url>", "the host's REST API, when not at /api/v3, /api/v4 or /api/v1 on the same host")
    .option("--host-token <token>", "token for the host's API (may open pull requests); prefer --host-token-file")
    .option("--host-token-file <file>", "read the host token from this file")
    .option("--webhook-secret <secret>", "the secret the host signs webhooks with; prefer --webhook-secret-file")
    .option("--webhook-secret-file <file>", "read the webhook secret from this file")
    .option("--clear-host", "forget the host kind and API address (guess from the upstream URL again)")
    .option("--clear-host-token", "forget the host token")
    .option("--clear-webhook-secret", "forget the webhook secret")
    .action(async (project: string, name: string, o: RepoUpdateOptions, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const r = await client.repos.update(project, name, repoUpdateBody(o));
      out.result(r, () => describeRepoHost(r));
    });

  repos
    .command("fetch <project> <repo>")
    .description("Fetch from the repo's upstream; branches move only by fast-forward, diverged ones are reported")
    .action(async (project: string, name: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const f = await client.repos.fetch(project, name);
      out.result(
        f,
        () =>
          [
            ...f.updated.map(
              (u) => `updated  ${u.ref}  ${u.old ? u.old.slice(0, 12) : "(new)"} → ${u.new.slice(0, 12)}`,
            ),
            ...f.ahead.map((ref) => `ahead    ${ref}  (Strand has commits the upstream lacks: strand repos push)`),
            ...f.rejected.map((r) => `rejected ${r.ref}  ${r.reason}`),
          ].join("\n") || "Up to date with the upstream",
      );
    });

  repos
    .command("push <project> <repo>")
    .description("Push branches to the repo's upstream (default: its default branch); never forced")
    .option("--branch <name...>", "branches to push")
    .action(async (project: string, name: string, o: { branch?: string[] }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const p = await client.repos.push(project, name, o.branch);
      out.result(p, () => p.pushed.map((x) => `${x.status.padEnd(10)} ${x.ref}  ${x.summary}`).join("\n"));
    });
}

interface RepoUpdateOptions {
  host?: (typeof HOST_KINDS)[number];
  apiBase?: string;
  hostToken?: string;
  hostTokenFile?: string;
  webhookSecret?: string;
  webhookSecretFile?: string;
  clearHost?: boolean;
  clearHostToken?: boolean;
  clearWebhookSecret?: boolean;
}

/** A secret from its flag or its file (trimmed: files end in a newline). */
function secretFrom(flag: string, value: string | undefined, file: string | undefined): string | undefined {
  if (value !== undefined && file !== undefined) throw new Error(`give ${flag} or ${flag}-file, not both`);
  if (file === undefined) return value;
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new Error(`cannot read ${flag}-file ${file}: ${(err as Error).message}`);
  }
}

function repoUpdateBody(o: RepoUpdateOptions): UpdateRepoBody {
  const body: UpdateRepoBody = {};
  if (o.clearHost) Object.assign(body, { host_kind: null, host_api_base: null });
  if (o.host) body.host_kind = o.host;
  if (o.apiBase) body.host_api_base = o.apiBase;
  const token = secretFrom("--host-token", o.hostToken, o.hostTokenFile);
  if (o.clearHostToken) body.host_token = null;
  if (token !== undefined) body.host_token = token;
  const secret = secretFrom("--webhook-secret", o.webhookSecret, o.webhookSecretFile);
  if (o.clearWebhookSecret) body.webhook_secret = null;
  if (secret !== undefined) body.webhook_secret = secret;
  if (Object.keys(body).length === 0) {
    throw new Error("nothing to change: give --host, --api-base, --host-token(-file) or --webhook-secret(-file)");
  }
  return body;
}

function describeRepoHost(r: Repo): string {
  const pr = r.pull_requests;
  if (!pr) return `${r.name}: pull requests need a host kind Strand can tell (--host github|gitlab|gitea)`;
  return [
    `host         ${pr.host_kind} (${pr.api_base})`,
    `token        ${pr.token_set ? "set" : "not set (--host-token-file)"}`,
    `webhook      ${pr.webhook_url}`,
    `secret       ${pr.webhook_secret_set ? "set" : "not set (--webhook-secret-file)"}`,
  ].join("\n");
}
