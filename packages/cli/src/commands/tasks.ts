import {
  TASK_MODES,
  TASK_PRIORITIES,
  TASK_STATES,
  type Task,
  type TaskDetail,
  type TaskMode,
  type TaskPriority,
  type TaskState,
  type TaskTransition,
} from "@strand/protocol";
import type { StrandClient } from "@strand/sdk";
import { type Command, Option } from "commander";
import { clientFor } from "../context.js";
import { ago, table } from "../output.js";

/** `tsk_…` as the server gives it, or `<project>#<number>` as the board shows it (`app#3`). */
const REF_HELP = "a task id, or <project>#<number> (project id or slug), e.g. app#3";

/** Finds a task by its id, or by `<project>#<number>` through the project's board. */
export async function resolveTask(client: StrandClient, ref: string): Promise<string> {
  const m = /^(.+)#(\d+)$/.exec(ref);
  if (!m) return ref;
  const [, project, n] = m as unknown as [string, string, string];
  const { items } = await client.tasks.list(project);
  const task = items.find((t) => t.number === Number(n));
  if (!task) throw new Error(`project ${project} has no task #${n}: \`strand tasks list --project ${project}\``);
  return task.id;
}

function progress(t: Task): string {
  return t.progress.total > 0 ? `${t.progress.done}/${t.progress.total}` : "-";
}

/** What holds the task or why it is where it is: the board card's second line. */
function note(t: Task): string {
  return t.waiting ?? t.state_reason ?? "";
}

function by(t: TaskTransition): string {
  if (t.by.kind === "user") return t.by.email ?? t.by.id ?? "a person";
  if (t.by.kind === "agent") return `agent (${t.by.id ?? "session"})`;
  return "strand";
}

function describe(t: TaskDetail): string {
  const rows: [string, string][] = [
    ["task", `#${t.number} ${t.title}`],
    ["id", t.id],
    ["state", t.state + (t.state_reason ? ` (${t.state_reason})` : "")],
    ...(t.waiting ? ([["waiting", t.waiting]] as [string, string][]) : []),
    ["mode", t.mode],
    ["priority", t.priority],
    ["labels", t.labels.join(", ") || "-"],
    ["assignee", t.assignee_email ?? "-"],
    ["depends", t.depends_on.join(", ") || "-"],
    ["progress", progress(t)],
    ["repo", t.repo ?? "-"],
    ["branch", t.branch ?? "-"],
    ["spec", t.spec_path],
    ["session", t.session_id ?? "-"],
    ...(t.pull_request ? ([["pull req", `${t.pull_request.state} ${t.pull_request.url}`]] as [string, string][]) : []),
    ["created", t.created_at],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(10)} ${v}`);
  if (t.description) lines.push("", t.description);
  if (t.transitions.length > 0) {
    lines.push(
      "",
      table(
        ["AT", "FROM", "TO", "BY", "REASON"],
        t.transitions.map((x) => [x.at, x.from ?? "-", x.to, by(x), x.reason ?? ""]),
      ),
    );
  }
  return lines.join("\n");
}

function oneLine(t: TaskDetail): string {
  const extra = t.waiting ?? t.state_reason;
  return `#${t.number} ${t.title}: ${t.state}${extra ? ` (${extra})` : ""}`;
}

export function registerTasks(program: Command): void {
  const tasks = program
    .command("tasks")
    .description("Tasks on a project's board: plan a spec, review it, let the agent implement it (docs/tasks.md)");

  tasks
    .command("create")
    .description("Create a task in the project's backlog; `strand tasks start` sets an agent on it")
    .requiredOption("--project <project>", "the project (id or slug)")
    .requiredOption("--title <title>", "what the task is")
    .option("--description <text>", "the details the agent gets")
    .addOption(
      new Option("--mode <mode>", "spec: plan a spec to review first; direct: implement at once")
        .choices(TASK_MODES)
        .default("spec"),
    )
    .option("--label <label...>", "labels (repeat or list)")
    .addOption(new Option("--priority <priority>", "default medium").choices(TASK_PRIORITIES))
    .option("--depends-on <task...>", `tasks it waits for until they are done (${REF_HELP})`)
    .option("--repo <name>", "which of the project's repos (default: its first)")
    .action(
      async (
        o: {
          project: string;
          title: string;
          description?: string;
          mode: TaskMode;
          label?: string[];
          priority?: TaskPriority;
          dependsOn?: string[];
          repo?: string;
        },
        cmd: Command,
      ) => {
        const { client, out } = clientFor(cmd);
        // A bare number is the project's task #N: what people type after seeing the board.
        const deps = await Promise.all(
          (o.dependsOn ?? []).map((d) => resolveTask(client, /^\d+$/.test(d) ? `${o.project}#${d}` : d)),
        );
        const t = await client.tasks.create(o.project, {
          title: o.title,
          mode: o.mode,
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.label ? { labels: o.label } : {}),
          ...(o.priority ? { priority: o.priority } : {}),
          ...(deps.length > 0 ? { depends_on: deps } : {}),
          ...(o.repo ? { repo: o.repo } : {}),
        });
        out.result(t, () => `Created task #${t.number} ${t.title} (${t.id}) in the backlog`);
      },
    );

  tasks
    .command("list")
    .alias("ls")
    .description("The project's board as a table: number, state, what holds it, title, checklist progress")
    .requiredOption("--project <project>", "the project (id or slug)")
    .addOption(new Option("--state <state>", "only tasks in this state").choices(TASK_STATES))
    .action(async (o: { project: string; state?: TaskState }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const { items } = await client.tasks.list(o.project, o.state ? { state: o.state } : {});
      out.result(items, () =>
        table(
          ["#", "STATE", "WAITING / REASON", "TITLE", "PROGRESS", "CHANGED"],
          items.map((t) => [String(t.number), t.state, note(t), t.title, progress(t), ago(t.state_changed_at)]),
        ),
      );
    });

  tasks
    .command("show")
    .alias("get")
    .argument("<task>", REF_HELP)
    .description("Show a task and its state history")
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const t = await client.tasks.get(await resolveTask(client, ref));
      out.result(t, () => describe(t));
    });

  const actions: [string, string, (c: StrandClient, id: string) => Promise<TaskDetail>][] = [
    [
      "start",
      "Start a backlog task: plan its spec (spec mode) or implement it (direct mode) in a new session",
      (c, id) => c.tasks.start(id),
    ],
    [
      "approve",
      "Approve the spec under review (the agent implements it) or the code (merge, or open a pull request)",
      (c, id) => c.tasks.approve(id),
    ],
    ["cancel", "Cancel the task and stop its session", (c, id) => c.tasks.cancel(id)],
    ["retry", "Try a failed task again", (c, id) => c.tasks.retry(id)],
    ["nudge", "Remind the planning agent to push the spec files it has not written yet", (c, id) => c.tasks.nudge(id)],
  ];
  for (const [name, description, run] of actions) {
    tasks
      .command(name)
      .argument("<task>", REF_HELP)
      .description(description)
      .action(async (ref: string, _o: unknown, cmd: Command) => {
        const { client, out } = clientFor(cmd);
        const t = await run(client, await resolveTask(client, ref));
        out.result(t, () => oneLine(t));
      });
  }

  tasks
    .command("request-changes")
    .argument("<task>", REF_HELP)
    .description("Send the open review comments (and --comment) to the agent to revise the spec or code")
    .option("--comment <text>", "words for the agent beside the open review comments")
    .action(async (ref: string, o: { comment?: string }, cmd: Command) => {
      const { client, out } = clientFor(cmd);
      const t = await client.tasks.requestChanges(await resolveTask(client, ref), o.comment);
      out.result(t, () => oneLine(t));
    });
}
