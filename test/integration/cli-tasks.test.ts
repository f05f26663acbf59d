import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/process.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/wait.js";

// `strand tasks` against a real server without Docker: sessions the tasks start stay pending, which
// is all the board needs to move a task from the backlog into planning and hold the next one back.
let t: TestServer;
let env: Record<string, string>;

const cli = (args: string[]) => runCli(args, env);
async function json(args: string[]) {
  const r = await cli([...args, "--json"]);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  t = await startTestServer();
  env = {
    STRAND_CONFIG_DIR: mkdtempSync(join(tmpdir(), "strand-cli-tasks-config-")),
    STRAND_URL: t.url,
    STRAND_TOKEN: ADMIN_TOKEN,
  };
  await json(["projects", "create", "Board App"]);
  const repo = await json(["repos", "create", "board-app", "app"]);
  // Tasks branch off the default branch, so it needs a commit.
  const work = mkdtempSync(join(tmpdir(), "strand-cli-tasks-work-"));
  // Not execFileSync: the server runs in this process and must answer the push.
  const g = (...args: string[]) =>
    promisify(execFile)("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...args], { cwd: work });
  await g("init", "-q", "-b", "main");
  writeFileSync(join(work, "README.md"), "board\n");
  await g("add", ".");
  await g("commit", "-qm", "first");
  await g("push", "-q", repo.clone_url.replace("http://", `http://cli:${ADMIN_TOKEN}@`), "main");
  await json(["projects", "create", "Empty"]);
});
afterAll(async () => {
  await t?.stop();
});

describe("strand tasks", () => {
  it("has --help on every tasks command", async () => {
    for (const c of ["create", "list", "show", "start", "approve", "request-changes", "cancel", "retry", "nudge"]) {
      const r = await cli(["tasks", c, "--help"]);
      expect(r.code, c).toBe(0);
      expect(r.stdout).toMatch(/^Usage: strand tasks/);
    }
    expect((await cli(["tasks", "show", "--help"])).stdout).toContain("<project>#<number>");
  });

  it("creates tasks, lists them as the board, shows one by <project>#<number>", async () => {
    const first = await json([
      "tasks",
      "create",
      "--project",
      "board-app",
      "--title",
      "Add a login page",
      "--description",
      "Email and password.",
      "--label",
      "ui",
      "auth",
      "--priority",
      "high",
    ]);
    expect(first).toMatchObject({
      number: 1,
      state: "backlog",
      mode: "spec",
      labels: ["ui", "auth"],
      priority: "high",
      slug: "add-a-login-page",
    });
    const human = await cli([
      "tasks",
      "create",
      "--project",
      "board-app",
      "--title",
      "Log out",
      "--mode",
      "direct",
      "--depends-on",
      "1",
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Created task #2 Log out \(\S+\) in the backlog/);

    const second = await json(["tasks", "show", "board-app#2"]);
    expect(second).toMatchObject({ number: 2, mode: "direct", depends_on: [first.id] });
    expect(second.transitions.map((x: { to: string }) => x.to)).toEqual(["backlog"]);

    const list = await cli(["tasks", "list", "--project", "board-app"]);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^#\s+STATE\s+WAITING \/ REASON\s+TITLE\s+PROGRESS/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 3))).toEqual(
      expect.arrayContaining([
        ["1", "backlog", "Add a login page"],
        ["2", "backlog", "Log out"],
      ]),
    );

    const shown = await cli(["tasks", "show", first.id]);
    expect(shown.stdout).toMatch(/^task\s+#1 Add a login page/);
    expect(shown.stdout).toMatch(/branch\s+strand\/1-add-a-login-page/);
    expect(shown.stdout).toContain("Email and password.");
    expect(shown.stdout).toMatch(/FROM\s+TO\s+BY/);
  });

  it("starts a task into planning; a WIP limit of 1 holds the next with its reason; cancel frees the column", async () => {
    await json(["tasks", "create", "--project", "board-app", "--title", "Search"]);
    await json(["tasks", "create", "--project", "board-app", "--title", "Filters"]);
    const limited = await t.admin("PATCH", "/api/v1/projects/board-app", { body: { wip_limits: { planning: 1 } } });
    expect(limited.status, limited.text).toBe(200);

    const started = await cli(["tasks", "start", "board-app#3"]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^#3 Search: planning/);
    const held = await json(["tasks", "start", "board-app#4"]);
    expect(held).toMatchObject({ state: "backlog", queued_for: "planning" });
    expect(held.waiting).toMatch(/^waiting: 1 of 1\b/);

    const list = await cli(["tasks", "list", "--project", "board-app"]);
    expect(list.stdout).toMatch(/^4\s+backlog\s+waiting: 1 of 1\b[^\n]*\s{2}Filters\s/m);
    const planning = await json(["tasks", "list", "--project", "board-app", "--state", "planning"]);
    expect(planning.map((x: { number: number }) => x.number)).toEqual([3]);

    const cancelled = await cli(["tasks", "cancel", "board-app#3"]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/^#3 Search: cancelled/);
    // The held task takes the freed place in planning.
    const fourth = await until(
      () => json(["tasks", "show", "board-app#4"]),
      (x) => x.state === "planning",
      "task #4 to start when #3 left planning",
    );
    expect(fourth.waiting).toBeNull();
  });

  it("says clearly what is wrong: not in review, no such task, no repo, bad choices", async () => {
    const approve = await cli(["tasks", "approve", "board-app#1"]);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/^error: .*review/);
    const changes = await cli(["tasks", "request-changes", "board-app#1", "--comment", "more tests"]);
    expect(changes.code).toBe(1);
    expect(changes.stderr).toMatch(/^error: .*review/);
    const retry = await cli(["tasks", "retry", "board-app#1"]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(/^error: /);

    const missing = await cli(["tasks", "show", "board-app#99"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("project board-app has no task #99");
    const unknown = await cli(["tasks", "show", "tsk_nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: /);

    await json(["tasks", "create", "--project", "empty", "--title", "Nowhere to work"]);
    const noRepo = await cli(["tasks", "start", "empty#1"]);
    expect(noRepo.code).toBe(1);
    expect(noRepo.stderr).toMatch(/^error: .*repo/);
    const noRepoJson = await cli(["tasks", "start", "empty#1", "--json"]);
    expect(JSON.parse(noRepoJson.stdout)).toMatchObject({ error: expect.any(String), message: expect.any(String) });

    const badMode = await cli(["tasks", "create", "--project", "board-app", "--title", "x", "--mode", "fast"]);
    expect(badMode.code).not.toBe(0);
    expect(badMode.stderr).toContain("Allowed choices are spec, direct");
    const noTitle = await cli(["tasks", "create", "--project", "board-app", "--title", " "]);
    expect(noTitle.code).toBe(1);
    expect(noTitle.stderr).toContain("title must not be empty");
  });
});
