import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGitHost, startFakeGitHost } from "../../../test/support/fake-git-hosts.js";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { commitFiles, git, initWorkTree, makeTempDir } from "../src/git/test-kit.js";
import { inState, TaskAgent, taskUntil } from "./tasks-kit.js";

const HOST_TOKEN = "host-api-token-0123456789";
const WEBHOOK_SECRET = "webhook secret of the repo";

let t: TestServer;
let member: { call: Caller; id: string; token: string };
let tmp: { path: string; remove: () => Promise<void> };
let github: FakeGitHost;
let project: { id: string; slug: string };
let repo: { clone_url: string; id: string; pull_requests: { webhook_url: string } };
const agents: TaskAgent[] = [];

beforeAll(async () => {
  t = await startTestServer({
    STRAND_SECRET: "task pull request test secret",
    STRAND_PR_POLL_SECONDS: "0",
    STRAND_TASK_TICK_MS: "200",
  });
  tmp = await makeTempDir("strand-task-prs-");
  member = await t.newUser("tp-member@example.com");
  github = await startFakeGitHost("github", { token: HOST_TOKEN, webhookSecret: WEBHOOK_SECRET });
  const bare = await github.addGitRepo("acme", "app");
  const seed = join(tmp.path, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# app\n" }, "first commit");
  await git(seed, "push", "--quiet", bare, "main");
  project = (await member.call("POST", "/api/v1/projects", { body: { name: "Upstreamed" } })).body;
  const imported = await member.call("POST", `/api/v1/projects/${project.id}/repos`, {
    body: {
      name: "app",
      import_url: `${github.url}/acme/app.git`,
      import_username: "bot",
      import_password: HOST_TOKEN,
    },
  });
  expect(imported.status, imported.text).toBe(201);
  const set = await member.call("PATCH", `/api/v1/projects/${project.id}/repos/app`, {
    body: { host_kind: "github", host_token: HOST_TOKEN, webhook_secret: WEBHOOK_SECRET },
  });
  expect(set.status, set.text).toBe(200);
  repo = set.body;
});
afterAll(async () => {
  for (const a of agents) a.close();
  await t?.stop();
  await github?.close();
  await tmp?.remove();
});

async function inCodeReview(title: string) {
  const task = (await member.call("POST", `/api/v1/projects/${project.id}/tasks`, { body: { title, mode: "direct" } }))
    .body;
  await member.call("POST", `/api/v1/tasks/${task.id}/start`);
  const agent = await TaskAgent.connect(
    t,
    tmp.path,
    await inState(member.call, task.id, "implementing"),
    repo.clone_url,
  );
  agents.push(agent);
  await agent.turn(1, { [`src/${task.slug}.js`]: `// ${title}\n` });
  await inState(member.call, task.id, "code_review");
  return task;
}

describe(`tasks on a repo with an upstream host (${process.env.STRAND_TEST_DB})`, () => {
  it("approving opens a pull request; the task is done only when the host says it merged", async () => {
    const task = await inCodeReview("Upstream work");
    const approved = await member.call("POST", `/api/v1/tasks/${task.id}/approve`);
    expect(approved.status, approved.text).toBe(200);
    const merging = await taskUntil(member.call, task.id, (x) => x.pull_request !== null, "a pull request");
    expect(merging).toMatchObject({
      state: "merging",
      column: "code_review",
      pull_request: { url: expect.stringContaining(`${github.url}/acme/app/pull/`), state: "open" },
    });
    const number = Number(merging.pull_request.url.split("/").at(-1));
    expect(github.pulls.find((p) => p.number === number)).toMatchObject({ head: task.branch, base: "main" });

    const delivered = await github.sendWebhook(repo.pull_requests.webhook_url, number, "merged");
    expect(delivered.status, delivered.text).toBe(200);
    const done = await inState(member.call, task.id, "done");
    expect(done.pull_request.state).toBe("merged");
    expect(done.transitions.at(-1)).toMatchObject({
      from: "merging",
      to: "done",
      reason: `pull request #${number} merged`,
    });
  });

  it("a pull request closed without merging sends the task back to code review; approving again reopens it", async () => {
    const task = await inCodeReview("Rejected upstream");
    await member.call("POST", `/api/v1/tasks/${task.id}/approve`);
    const merging = await taskUntil(member.call, task.id, (x) => x.pull_request !== null, "a pull request");
    const number = Number(merging.pull_request.url.split("/").at(-1));
    await github.sendWebhook(repo.pull_requests.webhook_url, number, "closed");
    const back = await inState(member.call, task.id, "code_review");
    expect(back.state_reason).toMatch(new RegExp(`pull request #${number} was closed without merging`));

    // The reviewer approves again: the same pull request is reopened on the host, not a second one opened.
    const before = github.pulls.length;
    const again = await member.call("POST", `/api/v1/tasks/${task.id}/approve`);
    expect(again.status, again.text).toBe(200);
    const reopened = await taskUntil(member.call, task.id, (x) => /reopened/.test(x.state_reason ?? ""), "a reopen");
    expect(reopened).toMatchObject({
      state: "merging",
      state_reason: `pull request #${number} reopened: waiting for it to merge`,
      pull_request: { state: "open" },
    });
    expect(github.pulls.find((p) => p.number === number)?.state).toBe("open");
    expect(github.pulls.length).toBe(before);
    await github.sendWebhook(repo.pull_requests.webhook_url, number, "merged");
    expect((await inState(member.call, task.id, "done")).transitions.at(-1).reason).toBe(
      `pull request #${number} merged`,
    );
  });
});
