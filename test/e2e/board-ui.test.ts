import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jpeg from "jpeg-js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, git, gitResult, initWorkTree } from "../../packages/server/src/git/test-kit.js";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { SessionService } from "../../packages/server/src/sessions/service.js";
import { connectAgent, type ScriptedAgent, sessionToken } from "../support/agent-socket.js";
import { ARTIFACTS_DIR, launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";

/**
 * The board and the task page in real Chromium against a real server and real git, no Docker. The
 * task's session is made ready as the scheduler and agentd would (a scripted agentd connects), and
 * the test plays the agent: on each prompt it pushes what a real agent would (the spec documents
 * under specs/<number>-<slug>/ on the task branch, then code) with the session's token, and ends
 * the turn; the server moves the task on, and the open pages follow from live events.
 */

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
let ownerId: string;
let sessions: SessionService;
let project: { id: string; slug: string };
let cloneUrl: string;
const agents: ScriptedAgent[] = [];

const withToken = (u: string, token: string) => u.replace("http://", `http://strand:${token}@`);
const bareRepo = () => join(dataDir, "git", project.slug, "app.git");

/** A 320×180 JPEG, as agentd would send for a thumbnail: green on top, grey below. */
function desktopJpeg(): string {
  const w = 320;
  const h = 180;
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set(i < (w * h) / 3 ? [45, 164, 78, 255] : [87, 96, 106, 255], i * 4);
  return jpeg.encode({ data, width: w, height: h }, 80).data.toString("base64");
}
const THUMB = desktopJpeg();

const SPEC = {
  requirements: "# Requirements\n\n- The page greets the visitor by name.\n- An empty name greets the world.\n",
  design: "# Design\n\n`greet(name)` in `src/greet.js` returns `Hello, <name>!`.\n",
  tasks: "# Tasks\n\n- [x] Write greet()\n- [ ] Test it\n- [ ] Use it on the page\n",
};

interface Played {
  agent: ScriptedAgent;
  /** Commits `files` on the task branch and pushes them with the session's token. */
  push: (files: Record<string, string>, message: string) => Promise<void>;
  /** Waits for the n-th prompt, lets `work` push, then ends the turn. */
  turn: (n: number, work: () => Promise<void>) => Promise<{ content: string }>;
}

/** Makes the task's session ready as the scheduler and agentd would, and checks out the task branch. */
async function playAgent(taskId: string): Promise<Played> {
  const task = await waitFor(taskId, (t) => t.session_id !== null && t.branch !== null);
  const sessionId: string = task.session_id;
  const session = (await admin("GET", `/api/v1/sessions/${sessionId}`)).body;
  if (session.state !== "starting") await sessions.transition(sessionId, "starting", "Starting the desktop.");
  const token = await sessionToken(server.database.db, ownerId, sessionId);
  const agent = await connectAgent(url, sessionId, token, `inst-${sessionId}`);
  agents.push(agent);
  agent.ws.ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString());
    if (msg.type === "thumbnail.request")
      agent.ws.send({ type: "thumbnail", id: msg.id, mime: "image/jpeg", width: 320, height: 180, data: THUMB });
  });
  const work = join(dataDir, "work", sessionId);
  await git(dataDir, "clone", "--quiet", withToken(cloneUrl, token), work);
  // The server may already have made the branch; otherwise the agent makes it from the default branch.
  if (!(await gitResult(work, "switch", "--quiet", task.branch)).ok)
    await git(work, "switch", "--quiet", "-c", task.branch);
  const push = async (files: Record<string, string>, message: string) => {
    // The server commits to the branch too (the attachments): start from its tip.
    await gitResult(work, "pull", "--quiet", "--no-rebase", "origin", task.branch);
    await commitFiles(work, files, message);
    const pushed = await gitResult(work, "push", "origin", `HEAD:refs/heads/${task.branch}`);
    expect(pushed.ok, pushed.stderr).toBe(true);
  };
  const turn = async (n: number, doWork: () => Promise<void>) => {
    const prompt = await agent.prompt(n, 20_000);
    expect((await agent.call({ type: "turn.started", turn_id: prompt.turn_id })).error).toBeUndefined();
    await doWork();
    await agent.call({ type: "turn.finished", turn_id: prompt.turn_id, stop_reason: "end_turn" });
    return prompt;
  };
  return { agent, push, turn };
}

/** The task as the API has it, once `ok` holds (each read after a change the test made or awaits). */
async function waitFor(taskId: string, ok: (t: any) => boolean): Promise<any> {
  let last: any;
  await expect
    .poll(
      async () => {
        last = (await admin("GET", `/api/v1/tasks/${taskId}`)).body;
        return ok(last);
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  return last;
}

async function page(path: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const context = await newContext(browser, url);
  const p = await context.newPage();
  await p.setViewportSize(viewport);
  await login(p, ADMIN_EMAIL, ADMIN_PASSWORD, path);
  return p;
}

/** The task page is taller than a laptop's screen: its panels sit below the header and history. */
async function fullPage(p: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await p.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

const card = (p: Page, id: string) => p.locator(`[data-testid=task-card][data-task-id="${id}"]`);
const inColumn = (p: Page, column: string, id: string) =>
  p.locator(`[data-testid=board-column][data-column="${column}"] [data-testid=task-card][data-task-id="${id}"]`);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-board-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  ownerId = (await admin("GET", "/api/v1/me")).body.id;
  sessions = new SessionService(server.database.db);

  project = (await admin("POST", "/api/v1/projects", { body: { name: "Greeter" } })).body;
  const repo = await admin("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "app" } });
  expect(repo.status, repo.text).toBe(201);
  cloneUrl = repo.body.clone_url;
  const seed = join(dataDir, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# greeter\n", "src/index.js": "console.log('hi');\n" }, "first commit");
  await git(seed, "push", "--quiet", withToken(cloneUrl, ADMIN_TOKEN), "main");
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the board (real server, real git, scripted agentd, Chromium)", () => {
  it("creates a task on the board, follows it through the columns, reviews and approves its spec, then its code", async () => {
    // Some other work on the board: one task waiting in the backlog, one direct task started.
    const later = (
      await admin("POST", `/api/v1/projects/${project.id}/tasks`, {
        body: { title: "Translate the greeting", labels: ["i18n"], priority: "low" },
      })
    ).body;
    const direct = (
      await admin("POST", `/api/v1/projects/${project.id}/tasks`, {
        body: { title: "Fix the README title", mode: "direct", labels: ["docs"] },
      })
    ).body;
    expect((await admin("POST", `/api/v1/tasks/${direct.id}/start`)).status).toBe(200);
    const planned = (
      await admin("POST", `/api/v1/projects/${project.id}/tasks`, { body: { title: "Write a changelog" } })
    ).body;
    expect((await admin("POST", `/api/v1/tasks/${planned.id}/start`)).status).toBe(200);
    const dropped = (
      await admin("POST", `/api/v1/projects/${project.id}/tasks`, {
        body: { title: "Greet in Latin", labels: ["i18n"] },
      })
    ).body;
    expect((await admin("POST", `/api/v1/tasks/${dropped.id}/cancel`)).status).toBe(200);
    // The direct task's desktop is up and its agent at work: its card shows the desktop.
    await playAgent(direct.id);

    const p = await page(`/projects/${project.slug}`);
    await p.getByTestId("project-board-link").click();
    await p.waitForURL(`**/projects/${project.slug}/board`);
    await inColumn(p, "backlog", later.id).waitFor();
    await inColumn(p, "in_progress", direct.id).waitFor();
    await inColumn(p, "planning", planned.id).waitFor();
    await inColumn(p, "done", dropped.id).waitFor();
    expect(await card(p, dropped.id).getByTestId("task-state-badge").textContent()).toBe("cancelled");
    await card(p, direct.id).getByTestId("thumbnail").waitFor();

    // New task, from the board's dialog, with a label and an attachment; Create and start.
    await p.getByTestId("new-task").click();
    const form = p.getByTestId("new-task-form");
    await form.getByLabel("Title").fill("Greet visitors by name");
    await form.getByLabel("Description").fill("The front page should say hello to whoever visits.");
    await form.getByLabel("Labels").fill("frontend, greeting");
    await form.getByLabel("Attachments").setInputFiles({
      name: "mockup.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("Hello, Ana!\n"),
    });
    await form.getByTestId("create-start-task").click();
    await form.waitFor({ state: "detached" });
    const created = (await admin("GET", `/api/v1/projects/${project.id}/tasks?q=visitors`)).body.items;
    expect(created).toHaveLength(1);
    const task = created[0];
    expect(task).toMatchObject({ title: "Greet visitors by name", mode: "spec", labels: ["frontend", "greeting"] });
    expect(task.attachments.map((a: { name: string }) => a.name)).toEqual(["mockup.txt"]);
    const c = card(p, task.id);
    await inColumn(p, "planning", task.id).waitFor();
    expect(await c.getByTestId("task-title").textContent()).toBe("Greet visitors by name");
    expect(await c.locator(".task-label").allTextContents()).toEqual(["frontend", "greeting"]);
    await expect
      .poll(() => p.locator('[data-column="planning"]').getByTestId("column-wip").textContent())
      .toBe("2 / 3");

    // A drag the state machine refuses: the server's words show, and the card stays where it is.
    await card(p, later.id).locator(".task-number").dragTo(p.locator('[data-column="done"]'));
    const refused = p.getByTestId("board-error");
    await refused.waitFor();
    expect(await refused.textContent()).toContain(`#${later.number}`);
    await inColumn(p, "backlog", later.id).waitFor();
    await p.getByRole("button", { name: "Dismiss" }).click();

    // Planning: the agent writes the three documents on the task branch and ends its turn.
    const agent = await playAgent(task.id);
    const slugDir = `specs/${task.number}-${task.slug}`;
    const planning = await agent.turn(1, () =>
      agent.push(
        {
          [`${slugDir}/requirements.md`]: SPEC.requirements,
          [`${slugDir}/design.md`]: SPEC.design,
          [`${slugDir}/tasks.md`]: SPEC.tasks,
        },
        "spec: greet visitors",
      ),
    );
    expect(planning.content).toContain(slugDir);
    await inColumn(p, "spec_review", task.id).waitFor({ timeout: 20_000 });
    await expect.poll(() => c.getByTestId("task-progress").textContent()).toContain("1/3");
    expect(await c.getByTestId("task-time").textContent()).toMatch(/^\d+s$/);
    await screenshot(p, "board-columns");

    // The task page in spec review: the documents, a comment on a selection, and Request changes.
    await c.getByTestId("task-title").click();
    await p.waitForURL(`**/tasks/${task.id}`);
    const tp = p.getByTestId("task-page");
    await p.locator('[data-testid=task-page][data-state="spec_review"]').waitFor();
    const spec = p.getByTestId("task-spec-panel");
    const line = spec.getByTestId("spec-document").getByText("An empty name greets the world.");
    await line.waitFor();
    expect(await p.getByTestId("task-attachment").textContent()).toContain("mockup.txt");
    expect(await p.getByTestId("task-transitions").textContent()).toContain("planning → spec review");
    // Edit the task in review: a label and its priority; the page shows them once the server has them.
    await p.getByTestId("task-edit").click();
    const edit = p.getByTestId("edit-task-form");
    await edit.getByLabel("Labels").fill("ui, urgent");
    await edit.getByLabel("Priority").selectOption("high");
    await edit.getByTestId("save-task").click();
    await edit.waitFor({ state: "detached" });
    await tp.getByText("ui, urgent").waitFor();
    expect((await admin("GET", `/api/v1/tasks/${task.id}`)).body).toMatchObject({
      labels: ["ui", "urgent"],
      priority: "high",
    });
    await line.selectText();
    await spec.getByTestId("spec-comment-button").click();
    await spec.getByTestId("spec-comment-input").fill("Say who is greeted when the name is empty: 'world' reads odd.");
    await spec.getByTestId("spec-comment-submit").click();
    await spec.getByTestId("spec-thread").waitFor();
    expect(await spec.getByTestId("spec-thread-quote").textContent()).toContain("An empty name greets the world.");
    await fullPage(p, "board-spec-review");
    await p.getByTestId("task-request-changes").click();
    await p.getByTestId("request-changes-comments").fill("Also greet in the page title, not only the body.");
    await p.getByTestId("request-changes-send").click();
    await p.locator('[data-testid=task-page][data-state="spec_revision"]').waitFor();

    // The revision reaches the agent with the comment and the extra words; its push brings the spec back to review.
    const revision = await agent.turn(2, () =>
      agent.push(
        {
          [`${slugDir}/requirements.md`]: `${SPEC.requirements.replace("the world", "everyone")}- The page title greets too.\n`,
        },
        "spec: the title greets too",
      ),
    );
    expect(revision.content).toContain("An empty name greets the world.");
    expect(revision.content).toContain("Say who is greeted when the name is empty: 'world' reads odd.");
    expect(revision.content).toContain("Also greet in the page title, not only the body.");
    await p.locator('[data-testid=task-page][data-state="spec_review"]').waitFor({ timeout: 20_000 });
    await spec.getByTestId("spec-document").getByText("The page title greets too.").waitFor();
    // The quoted text is gone from the new revision: the comment is marked outdated.
    await spec.getByTestId("spec-thread-outdated").waitFor();

    // Approve the spec: the same session implements it on the same branch.
    await p.getByTestId("task-approve").click();
    await p.locator('[data-testid=task-page][data-state="implementing"]').waitFor();
    const implement = await agent.turn(3, () =>
      agent.push(
        {
          "src/greet.js": "export const greet = (name) => 'Hello, ' + (name || 'world') + '!';\n",
          [`${slugDir}/tasks.md`]: SPEC.tasks.replaceAll("[ ]", "[x]"),
        },
        "greet visitors by name",
      ),
    );
    expect(implement.content).toContain(slugDir);

    // Code review: the changes on the task branch, side by side with the spec, the desktop and the chat.
    await p.locator('[data-testid=task-page][data-state="code_review"]').waitFor({ timeout: 20_000 });
    const changes = p.getByTestId("task-changes-panel");
    await changes.locator('[data-testid=review-file][data-path="src/greet.js"]').waitFor();
    await p.getByTestId("task-chat-panel").getByTestId("chat").waitFor();
    await p.getByTestId("task-desktop-panel").waitFor();
    await fullPage(p, "board-code-review");
    await p.getByTestId("task-approve").click();
    await p.locator('[data-testid=task-page][data-state="done"]').waitFor({ timeout: 20_000 });
    expect(await git(dataDir, "--git-dir", bareRepo(), "show", "main:src/greet.js")).toContain("Hello, ");
    expect(await tp.getByTestId("task-transitions").textContent()).toContain("merging → done");

    // Back on the board it is done, with its whole checklist ticked.
    await p.getByRole("link", { name: "The board" }).click();
    await inColumn(p, "done", task.id).waitFor();
    expect(await card(p, task.id).getByTestId("task-progress").textContent()).toContain("3/3");
    await p.context().close();
  });

  it("on a tablet the columns scroll sideways, and Move to… moves a card without dragging", async () => {
    const p = await page(`/projects/${project.slug}/board`, { width: 820, height: 1180 });
    await p.getByTestId("board").waitFor();
    const [scrollWidth, clientWidth] = (await p.evaluate(
      "(() => { const el = document.querySelector('[data-testid=board]'); return [el.scrollWidth, el.clientWidth]; })()",
    )) as [number, number];
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    const later = (await admin("GET", `/api/v1/projects/${project.id}/tasks?q=Translate`)).body.items[0];
    await inColumn(p, "backlog", later.id).waitFor();
    await screenshot(p, "board-tablet");
    // Backlog → Planning starts it, as a drag there would.
    await card(p, later.id).getByTestId("card-move").selectOption("planning");
    await inColumn(p, "planning", later.id).waitFor();
    expect((await admin("GET", `/api/v1/tasks/${later.id}`)).body.state).toBe("planning");
    await p.context().close();
  });
});
