import { DESKTOPS, EGRESS_POLICIES, RUNTIMES, SESSION_STATES, type Session } from "@strand/protocol";
import { type Command, InvalidArgumentError, Option } from "commander";
import { clientFor } from "../context.js";
import { ago, table } from "../output.js";
import { registerConversation } from "./conversation.js";

const number = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

function describe(s: Session): string {
  const rows = [
    ["id", s.id],
    ["name", s.name],
    ["state", s.state + (s.state_reason ? ` (${s.state_reason})` : "")],
    ["desired", s.desired_state],
    ["desktop", s.desktop],
    ["runtime", s.runtime],
    ["model", s.model ?? "-"],
    ["egress", s.egress],
    [
      "resources",
      `${s.resources.cpus} CPUs, ${s.resources.memory_mb} MiB memory, ${s.resources.disk_mb} MiB disk, ${s.resources.pids} pids`,
    ],
    ["node", s.node_id ?? "-"],
    ...(s.branch ? [["branch", `${s.branch} → ${s.base}`]] : []),
    ...(s.pull_request
      ? [["pull req", `#${s.pull_request.number} ${s.pull_request.state} ${s.pull_request.url}`]]
      : []),
    ["created", s.created_at],
  ];
  return rows.map(([k, v]) => `${(k ?? "").padEnd(10)} ${v}`).join("\n");
}

export function registerSessions(program: Command): void {
  const sessions = program
    .command("sessions")
    .description("Create, list, stop and delete agent sessions; talk to their agents");

  sessions
    .command("list")
    .alias("ls")
    .description("List your sessions, newest first")
    .addOption(new Option("--state <state>", "only sessions in this state").choices(SESSION_STATES))
    .action(async (opts: { state?: (typeof SESSION_STATES)[number] }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const items = await client.listAllSessions(opts.state ? { state: opts.state } : {});
      out.result(items, () =>
        table(
          ["ID", "NAME", "STATE", "DESKTOP", "RUNTIME", "MODEL", "CREATED"],
          items.map((s) => [s.id, s.name, s.state, s.desktop, s.runtime, s.model ?? "-", ago(s.created_at)]),
        ),
      );
    });

  sessions
    .command("get <id>")
    .description("Show one session")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const s = await client.getSession(id);
      out.result(s, () => describe(s));
    });

  sessions
    .command("create <name>")
    .description("Create a session and start it")
    .addOption(
      new Option("--desktop <desktop>", "desktop environment (default: the project's, else xfce)").choices(DESKTOPS),
    )
    .addOption(
      new Option("--runtime <runtime>", "agent runtime (default: the project's, else strand-agent)").choices(RUNTIMES),
    )
    .option("--project <project>", "work on a project (id or slug): the workspace is a clone of its repo")
    .option("--repo <name>", "which of the project's repos (default: its first)")
    .option("--base <branch>", "branch to start from and merge into (default: the repo's default branch)")
    .option("--branch <branch>", "the session's own branch (default: the project's prefix + the session's name)")
    .option("--team <team-id>", "make it a team's session (a project's sessions belong to its team)")
    .option("--model <provider/model>", "model the agent uses, e.g. work-anthropic/claude-sonnet-4-5")
    .option("--cpus <n>", "CPU limit in cores", number("--cpus"))
    .option("--memory <MiB>", "memory limit in MiB", number("--memory"))
    .option("--pids <n>", "process limit", number("--pids"))
    .option(
      "--disk <MiB>",
      "disk limit in MiB: workspace, home, Docker data and /tmp (default 20480, 1024-1048576)",
      number("--disk"),
    )
    .addOption(new Option("--egress <policy>", "internet access").choices(EGRESS_POLICIES).default("allow"))
    .option(
      "--trusted",
      "give the session its own Docker daemon (emulated privileges, root on the host: admins only; see docs/security.md)",
    )
    .option("--no-start", "create it stopped")
    .action(async (name: string, o: CreateOptions, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const resources: Record<string, number> = {};
      if (o.cpus !== undefined) resources.cpus = o.cpus;
      if (o.memory !== undefined) resources.memory_mb = o.memory;
      if (o.pids !== undefined) resources.pids = o.pids;
      if (o.disk !== undefined) resources.disk_mb = o.disk;
      const s = await client.createSession({
        name,
        ...(o.desktop ? { desktop: o.desktop } : {}),
        ...(o.runtime ? { runtime: o.runtime } : {}),
        ...(o.project ? { project_id: o.project } : {}),
        ...(o.repo ? { repo: o.repo } : {}),
        ...(o.base ? { base: o.base } : {}),
        ...(o.branch ? { branch: o.branch } : {}),
        ...(o.team ? { team_id: o.team } : {}),
        egress: o.egress,
        start: o.start,
        ...(o.trusted ? { trusted: true } : {}),
        ...(o.model ? { model: o.model } : {}),
        ...(Object.keys(resources).length ? { resources } : {}),
      });
      out.result(
        s,
        () =>
          `Created session ${s.id} (${s.state}${s.state_reason ? `: ${s.state_reason}` : ""})` +
          (s.branch ? `\nWorks on ${s.repo} branch ${s.branch}, from ${s.base}` : ""),
      );
    });

  sessions
    .command("changes <id>")
    .description("Show what the session's branch changes against its base")
    .option("--stat", "only the files and their line counts")
    .action(async (id: string, o: { stat?: boolean }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const c = await client.sessionChanges(id);
      out.result(c, () => {
        if (c.files.length === 0) return `No changes on ${c.branch} against ${c.base_branch}`;
        const stat = table(
          ["STATUS", "FILE", "+", "-"],
          c.files.map((f) => [
            f.status,
            f.old_path ? `${f.old_path} → ${f.path}` : f.path,
            f.binary ? "bin" : String(f.additions),
            f.binary ? "" : String(f.deletions),
          ]),
        );
        if (o.stat) return stat;
        return `${stat}\n\n${c.files.map((f) => (f.binary ? `Binary file ${f.path}` : f.patch)).join("\n")}`;
      });
    });

  sessions
    .command("merge <id>")
    .description("Merge the session's branch into its base on the server")
    .addOption(
      new Option("--strategy <strategy>", "default: the project's").choices(["fast-forward", "merge", "squash"]),
    )
    .action(async (id: string, o: { strategy?: "fast-forward" | "merge" | "squash" }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const m = await client.mergeSession(id, o.strategy);
      out.result(m, () => `Merged into ${m.base_branch} (${m.strategy}): ${m.commit}`);
    });

  sessions
    .command("pull-request <id>")
    .alias("pr")
    .description(
      "Push the session's branch to the repo's upstream and open a pull request there; shows the one already " +
        "opened, with its state (open, merged, closed)",
    )
    .option("--title <title>", "default: the session's name")
    .option("--body <text>", "default: the branch's commits and a link to the session")
    .action(async (id: string, o: { title?: string; body?: string }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const pr = await client.openPullRequest(id, {
        ...(o.title !== undefined ? { title: o.title } : {}),
        ...(o.body !== undefined ? { body: o.body } : {}),
      });
      out.result(pr, () => `#${pr.number} ${pr.state}  ${pr.head} → ${pr.base}\n${pr.url}`);
    });

  for (const [verb, description] of [
    ["start", "Start a stopped or failed session"],
    ["stop", "Stop a session; its workspace is kept"],
  ] as const) {
    sessions
      .command(`${verb} <id>`)
      .description(description)
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const { client, out } = clientFor(cmd);
        const s = verb === "stop" ? await client.stopSession(id) : await client.startSession(id);
        out.result(s, () => `Session ${s.id}: ${s.state} (wants ${s.desired_state})`);
      });
  }

  sessions
    .command("delete <id>")
    .alias("rm")
    .description("Delete a session, its container and its volumes")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const s = await client.deleteSession(id);
      out.result(s, () => `Deleted session ${s.id}`);
    });

  registerConversation(sessions);
}

interface CreateOptions {
  desktop?: (typeof DESKTOPS)[number];
  runtime?: (typeof RUNTIMES)[number];
  project?: string;
  repo?: string;
  base?: string;
  branch?: string;
  team?: string;
  model?: string;
  cpus?: number;
  memory?: number;
  pids?: number;
  disk?: number;
  egress: (typeof EGRESS_POLICIES)[number];
  start: boolean;
  trusted?: boolean;
}
