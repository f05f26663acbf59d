import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jpeg from "jpeg-js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { SessionService } from "../../packages/server/src/sessions/service.js";
import { startScriptedLlm } from "../fixtures/llm/server.js";
import { connectAgent, type ScriptedAgent, sessionToken } from "../support/agent-socket.js";
import { launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN } from "../support/server.js";
import { until } from "../support/wait.js";

/**
 * The web UI in real Chromium against a real server, no Docker: sessions are made "ready" by a
 * scripted agentd (test/support/agent-socket.ts) that also plays the agent in the chat and
 * answers thumbnail requests. Screenshots go to test-results/.
 */

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
let ownerId: string;
let sessions: SessionService;
const agents: ScriptedAgent[] = [];

/** A 320×180 JPEG, blue on the left and orange on the right, as agentd would send. */
function desktopJpeg(): string {
  const w = 320;
  const h = 180;
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const left = i % w < w / 2;
    data.set(left ? [40, 90, 200, 255] : [240, 140, 40, 255], i * 4);
  }
  return jpeg.encode({ data, width: w, height: h }, 80).data.toString("base64");
}
const THUMB = desktopJpeg();

async function createSession(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await admin("POST", "/api/v1/sessions", { body: { name, start: false, ...extra } });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** Moves a session to `starting` as the scheduler would, then connects a scripted agentd: `ready`. */
async function makeReady(sessionId: string): Promise<ScriptedAgent> {
  await toStarting(sessionId, "Starting the desktop; waiting for the agent daemon to connect.");
  const token = await sessionToken(server.database.db, ownerId, sessionId);
  const agent = await connectAgent(url, sessionId, token, `inst-${sessionId}`);
  agents.push(agent);
  agent.ws.ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString());
    if (msg.type === "thumbnail.request")
      agent.ws.send({ type: "thumbnail", id: msg.id, mime: "image/jpeg", width: 320, height: 180, data: THUMB });
  });
  return agent;
}

/** Where the scheduler would take a session on a node: stopped → pending → starting (with a reason). */
async function toStarting(sessionId: string, reason: string): Promise<void> {
  const { state } = (await admin("GET", `/api/v1/sessions/${sessionId}`)).body;
  if (state === "stopped" || state === "failed") await admin("POST", `/api/v1/sessions/${sessionId}/start`);
  if (state === "starting") await sessions.explain(sessionId, reason, "starting");
  else await sessions.transition(sessionId, "starting", reason);
}

async function page(
  path: string,
  viewport?: { width: number; height: number },
  as = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
): Promise<Page> {
  const context = await newContext(browser, url);
  const p = await context.newPage();
  if (viewport) await p.setViewportSize(viewport);
  await login(p, as.email, as.password, path);
  return p;
}

const card = (p: Page, name: string) => p.getByTestId("session-card").filter({ hasText: name });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-web-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  ownerId = (await admin("GET", "/api/v1/me")).body.id;
  sessions = new SessionService(server.database.db);
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("web UI (real server, scripted agentd, Chromium)", () => {
  it("fleet: shows every session, updates live, filters and searches, shows thumbnails", async () => {
    await createSession("Refactor the billing module");
    const p = await page("/");
    await expect.poll(() => card(p, "Refactor the billing module").count()).toBe(1);

    // Created elsewhere (API, CLI): appears without a reload, then goes ready with a picture.
    const id = await createSession("Fix the login bug", { model: "work/claude-sonnet-4-5" });
    await card(p, "Fix the login bug").waitFor();
    expect(await card(p, "Fix the login bug").getAttribute("data-state")).toBe("stopped");
    await makeReady(id);
    await until(
      () => card(p, "Fix the login bug").getAttribute("data-state"),
      (s) => s === "ready",
      "the card to turn ready from a live event",
      10_000,
    );
    const thumb = card(p, "Fix the login bug").getByTestId("thumbnail");
    await thumb.waitFor({ timeout: 10_000 });
    expect(await thumb.evaluate((img: any) => img.naturalWidth)).toBe(320);

    // A failing session shows its reason on the card.
    const failed = await createSession("Broken image");
    await toStarting(failed, "Creating the desktop container.");
    await sessions.transition(failed, "failed", "image strand-desktop-xfce:abc is missing; run strand images build");
    await expect
      .poll(() => card(p, "Broken image").getByTestId("session-reason").textContent())
      .toContain("strand images build");
    await screenshot(p, "fleet");

    await p.getByTestId("fleet-state-filter").selectOption("ready");
    await expect.poll(() => p.getByTestId("session-card").count()).toBe(1);
    await p.getByTestId("fleet-state-filter").selectOption("all");
    await p.getByTestId("fleet-search").fill("billing");
    await expect.poll(() => p.getByTestId("session-card").count()).toBe(1);
    expect(await p.getByTestId("session-name").textContent()).toBe("Refactor the billing module");
    await p.getByTestId("fleet-search").fill("no such session");
    await p.getByTestId("fleet-none-match").waitFor();
    await p.context().close();
  });

  it("new session: API errors appear at their fields, input is kept, a valid form creates and opens it", async () => {
    const p = await page("/");
    await p.getByTestId("new-session").click();
    const form = p.getByTestId("new-session-form");
    await form.getByRole("button", { name: "Create and start" }).click();
    await expect.poll(() => p.getByTestId("error-name").textContent()).toContain("name must not be empty");

    await form.getByLabel("Name").fill("Upgrade dependencies");
    await form.getByLabel("CPUs").fill("500");
    await form.getByLabel("Memory (MiB)").fill("1");
    await form.getByLabel("Disk (MiB)").fill("100");
    await form.getByLabel("Tool permissions").selectOption("ask");
    await form.getByRole("button", { name: "Create and start" }).click();
    await p.getByTestId("error-resources.cpus").waitFor();
    expect(await p.getByTestId("error-resources.cpus").textContent()).toMatch(/at most 64/);
    expect(await p.getByTestId("error-resources.memory_mb").textContent()).toMatch(/at least 512/);
    expect(await p.getByTestId("error-resources.disk_mb").textContent()).toMatch(/at least 1024/);
    expect(await p.getByTestId("error-name").count()).toBe(0);
    // Nothing typed is lost.
    expect(await form.getByLabel("Name").inputValue()).toBe("Upgrade dependencies");
    expect(await form.getByLabel("CPUs").inputValue()).toBe("500");
    expect(await form.getByLabel("Tool permissions").inputValue()).toBe("ask");
    await screenshot(p, "new-session-errors");

    await form.getByLabel("CPUs").fill("1.5");
    await form.getByLabel("Memory (MiB)").fill("2048");
    await form.getByLabel("Disk (MiB)").fill("4096");
    // An admin is offered trusted mode (see the next test for everybody else); left off here.
    expect(await form.getByLabel("Trusted mode").isChecked()).toBe(false);
    await form.getByRole("button", { name: "Create and start" }).click();
    await p.waitForURL(/\/sessions\/ses_/);
    const id = new URL(p.url()).pathname.split("/").pop() as string;
    const created = (await admin("GET", `/api/v1/sessions/${id}`)).body;
    expect(created).toMatchObject({
      name: "Upgrade dependencies",
      resources: { cpus: 1.5, memory_mb: 2048, disk_mb: 4096 },
      trusted: false,
      permission_mode: "ask",
      desired_state: "running",
    });
    // No node here: the page shows the scheduler's own words while it waits.
    await expect.poll(() => p.getByTestId("start-step").first().textContent()).toContain("Waiting for a sandbox node");
    await screenshot(p, "session-starting");
    await p.context().close();
  });

  it("new session: a user who is not an admin is not offered trusted mode", async () => {
    const email = "dev@example.com";
    const password = "a long enough password";
    expect((await admin("POST", "/api/v1/users", { body: { email, password } })).status).toBe(201);
    const p = await page("/", undefined, { email, password });
    await p.getByTestId("new-session").click();
    const form = p.getByTestId("new-session-form");
    // Markers first: the form is there, and the page knows who this is (the header shows the email
    // from the same query the dialog asks); only then does the missing option prove anything.
    await form.getByLabel("Disk (MiB)").waitFor();
    await p.locator(".topbar .who", { hasText: email }).waitFor();
    expect(await form.getByLabel("Trusted mode").count()).toBe(0);
    await p.context().close();
  });

  it("fleet: says on top when new sessions wait for disk space", async () => {
    const id = await createSession("Waiting for room on disk", { start: true });
    const p = await page("/");
    await card(p, "Waiting for room on disk").waitFor();
    expect(await p.getByTestId("fleet-disk-wait").count()).toBe(0);
    const reason =
      "Waiting for disk space: node dev-1 has 1.2 GiB free on /var/lib/docker. Strand keeps 2.0 GiB free (STRAND_MIN_FREE_DISK_MB); free some space or delete sessions you no longer need.";
    await sessions.explain(id, reason, "pending");
    await expect
      .poll(() => p.getByTestId("fleet-disk-wait").textContent())
      .toContain("1.2 GiB free on /var/lib/docker");
    await admin("DELETE", `/api/v1/sessions/${id}`);
    await p.getByTestId("fleet-disk-wait").waitFor({ state: "detached" });
    await p.context().close();
  });

  it("session page: start progress, then chat with text, tool output, a diff, a plan, a permission, and stop", async () => {
    const id = await createSession("Chat session", { permission_mode: "ask" });
    await admin("POST", `/api/v1/sessions/${id}/start`);
    const p = await page(`/sessions/${id}`);
    await p.getByTestId("start-progress").waitFor();

    // Sent before the desktop is up: it waits in line.
    await p.getByTestId("chat-input").fill("Please fix the failing test");
    await p.getByTestId("chat-send").click();
    const prompt = p.getByTestId("entry-user").filter({ hasText: "Please fix the failing test" });
    await expect.poll(() => prompt.getByTestId("prompt-status").textContent()).toBe("queued");
    await expect.poll(() => p.getByTestId("chat-status").getAttribute("data-activity")).toBe("queued");

    // The scheduler's steps appear as it writes them; then agentd connects.
    await toStarting(id, "Creating the session network.");
    await expect.poll(() => p.getByTestId("start-step").allTextContents()).toContain("Creating the session network.");
    const agent = await makeReady(id);
    await expect.poll(() => p.getByTestId("session-page").getAttribute("data-state")).toBe("ready");
    await p.getByTestId("stream-status").waitFor();

    const delivered = await agent.prompt(1);
    expect(delivered.content).toBe("Please fix the failing test");
    const turn = delivered.turn_id;
    await agent.call({ type: "turn.started", turn_id: turn });
    await expect.poll(() => prompt.getByTestId("prompt-status").textContent()).toBe("running");
    await agent.call({
      type: "entry.upsert",
      id: "ent_text_1",
      turn_id: turn,
      rev: 0,
      kind: "text",
      status: "completed",
      content: {
        text: "The test expects `sum` to round.\n\nI will change it:\n\n```ts\nreturn Math.round(a + b);\n```",
      },
    });
    await agent.call({
      type: "entry.upsert",
      id: "ent_plan_1",
      turn_id: turn,
      rev: 0,
      kind: "plan",
      status: "in_progress",
      content: {
        entries: [
          { content: "Read the failing test", priority: "high", status: "completed" },
          { content: "Fix sum()", priority: "medium", status: "in_progress" },
          { content: "Run the tests", priority: "low", status: "pending" },
        ],
      },
    });
    await agent.call({
      type: "entry.upsert",
      id: "ent_tool_edit",
      turn_id: turn,
      rev: 0,
      kind: "tool_call",
      status: "completed",
      content: {
        tool_call_id: "call_edit",
        title: "Edit src/sum.ts",
        kind: "edit",
        content: [],
        locations: [{ path: "src/sum.ts", line: 2 }],
        diffs: [
          {
            path: "src/sum.ts",
            old_text: "export function sum(a, b) {\n  return a + b;\n}\n",
            new_text: "export function sum(a, b) {\n  return Math.round(a + b);\n}\n",
          },
        ],
      },
    });
    await agent.call({
      type: "entry.upsert",
      id: "ent_tool_run",
      turn_id: turn,
      rev: 0,
      kind: "tool_call",
      status: "in_progress",
      content: {
        tool_call_id: "call_run",
        title: "npm test",
        kind: "execute",
        content: [{ type: "terminal", terminal_id: "term_1", output: "running…" }],
        locations: [],
        diffs: [],
      },
    });
    // The same entry, a newer revision: replaced in place, not appended.
    await agent.call({
      type: "entry.upsert",
      id: "ent_tool_run",
      turn_id: turn,
      rev: 1,
      kind: "tool_call",
      status: "completed",
      content: {
        tool_call_id: "call_run",
        title: "npm test",
        kind: "execute",
        content: [{ type: "terminal", terminal_id: "term_1", output: "Tests: 12 passed, 12 total", exit_code: 0 }],
        locations: [],
        diffs: [],
      },
    });
    await agent.call({
      type: "permission.request",
      id: "ent_perm_1",
      turn_id: turn,
      tool_call: { tool_call_id: "call_push", title: "git push origin fix-sum", kind: "execute" },
      options: [
        { option_id: "allow", name: "Allow once", kind: "allow_once" },
        { option_id: "reject", name: "Reject", kind: "reject_once" },
      ],
    });

    const text = p.getByTestId("entry-text");
    await text.waitFor();
    expect(await text.locator("pre code").textContent()).toBe("return Math.round(a + b);");
    expect(await text.locator("p code").textContent()).toBe("sum");
    expect(await p.getByTestId("entry-plan").locator("li").count()).toBe(3);

    const tools = p.getByTestId("entry-tool");
    await expect.poll(() => tools.count()).toBe(2);
    const run = tools.filter({ hasText: "npm test" });
    await expect.poll(() => run.getAttribute("data-status")).toBe("completed");
    await run.locator("summary").first().click();
    expect(await run.getByTestId("tool-output").textContent()).toContain("12 passed");

    const edit = tools.filter({ hasText: "Edit src/sum.ts" });
    await edit.locator("summary").first().click();
    const diff = edit.getByTestId("diff");
    expect(await diff.locator('[data-kind="remove"]').allTextContents()).toEqual(["2−  return a + b;"]);
    expect(await diff.locator('[data-kind="add"]').allTextContents()).toEqual(["2+  return Math.round(a + b);"]);

    const perm = p.getByTestId("entry-permission");
    await perm.getByRole("button", { name: "Allow once" }).click();
    const answer = await agent.ws.next((m) => m.type === "permission.answer");
    expect(answer).toMatchObject({ id: "ent_perm_1", option_id: "allow" });
    await expect.poll(() => perm.getAttribute("data-status")).toBe("answered");
    await screenshot(p, "session-chat");

    // Stop: the in-flight prompt is cancelled and agentd is told.
    await expect.poll(() => p.getByTestId("chat-status").getAttribute("data-activity")).toBe("running");
    await p.getByTestId("chat-stop").click();
    const cancel = await agent.ws.next((m) => m.type === "cancel");
    expect(cancel.turn_id).toBe(turn);
    await expect.poll(() => prompt.getByTestId("prompt-status").textContent()).toBe("stopped");
    await expect.poll(() => p.getByTestId("chat-status").getAttribute("data-activity")).toBe("idle");

    // A reload reads the same thread back from history.
    await p.reload();
    await p.getByTestId("entry-text").waitFor();
    expect(await p.getByTestId("entry-tool").count()).toBe(2);
    expect(await p.getByTestId("entry-user").getByTestId("prompt-status").textContent()).toBe("stopped");

    // On a tablet the chat goes under the desktop.
    await p.setViewportSize({ width: 820, height: 1180 });
    const desktopBox = await p.locator(".session-desktop").boundingBox();
    const chatBox = await p.getByTestId("chat").boundingBox();
    expect(chatBox?.y ?? 0).toBeGreaterThan((desktopBox?.y ?? 0) + (desktopBox?.height ?? 0) - 1);
    await screenshot(p, "session-tablet");
    await p.context().close();
  });

  it("chat: a prompt whose answer was lost on the network shows once, as stored, without a retry", async () => {
    const id = await createSession("Flaky network");
    const p = await page(`/sessions/${id}`);
    let dropAnswers = 1;
    // The first POST reaches the server, but its answer never reaches the page.
    await p.route(`**/api/v1/sessions/${id}/messages`, async (route) => {
      if (route.request().method() !== "POST" || dropAnswers-- <= 0) return route.continue();
      await route.fetch();
      return route.abort("connectionreset");
    });
    await p.getByTestId("chat-input").fill("Run the linter");
    await p.getByTestId("chat-input").press("Enter");
    // The live event carries the stored prompt with the page's request_id: the failed send is resolved.
    await expect
      .poll(() => p.getByTestId("entry-user").getByTestId("prompt-status").allTextContents())
      .toEqual(["queued"]);
    await expect.poll(() => p.getByTestId("entry-pending").count()).toBe(0);
    const list = (await admin("GET", `/api/v1/sessions/${id}/messages`)).body.items;
    expect(list.filter((e: { kind: string }) => e.kind === "user")).toHaveLength(1);
    await p.context().close();
  });

  it("chat: Retry after a send that never reached the server stores the prompt", async () => {
    const id = await createSession("Offline for a moment");
    const p = await page(`/sessions/${id}`);
    const sent: string[] = [];
    let failures = 1;
    await p.route(`**/api/v1/sessions/${id}/messages`, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      sent.push(JSON.parse(route.request().postData() ?? "{}").request_id);
      if (failures-- > 0) return route.abort("internetdisconnected");
      return route.continue();
    });
    await p.getByTestId("chat-input").fill("Write the changelog");
    await p.getByTestId("chat-send").click();
    const pending = p.getByTestId("entry-pending");
    await expect.poll(() => pending.textContent()).toContain("Not sent");
    await pending.getByRole("button", { name: "Retry" }).click();
    await p.getByTestId("entry-user").filter({ hasText: "Write the changelog" }).waitFor();
    await expect.poll(() => pending.count()).toBe(0);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe(sent[1]);
    await p.context().close();
  });

  it("session page: a failed session shows its reason and Retry starts it again", async () => {
    const id = await createSession("Will fail");
    await toStarting(id, "Creating the desktop container.");
    await sessions.transition(
      id,
      "failed",
      "The desktop did not become ready within 60 s; last output: Xvfb: no screens",
    );
    const p = await page(`/sessions/${id}`);
    await expect.poll(() => p.getByTestId("failure-reason").textContent()).toContain("Xvfb: no screens");
    await screenshot(p, "session-failed");
    await p.getByTestId("start-progress").getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => p.getByTestId("session-page").getAttribute("data-state")).toBe("pending");
    expect((await admin("GET", `/api/v1/sessions/${id}`)).body.desired_state).toBe("running");
    await p.context().close();
  });

  it("API tokens: create (shown once, copyable), list, revoke", async () => {
    const p = await page("/account/tokens");
    const form = p.getByTestId("token-form");
    await form.getByRole("button", { name: "Create token" }).click();
    await expect.poll(() => p.getByTestId("error-name").textContent()).toContain("name must not be empty");
    await form.getByLabel("Token name").fill("laptop CLI");
    await form.getByRole("button", { name: "Create token" }).click();
    const secret = await p.getByTestId("new-token-secret").inputValue();
    expect(secret).toMatch(/^strand_/);
    // The token works.
    expect((await caller(url, { token: secret })("GET", "/api/v1/me")).status).toBe(200);
    const row = p.getByTestId("token-row").filter({ hasText: "laptop CLI" });
    await row.waitFor();
    await screenshot(p, "tokens");

    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke now" }).click();
    await row.getByTestId("token-revoked").waitFor();
    expect((await caller(url, { token: secret })("GET", "/api/v1/me")).status).toBe(401);
    await p.context().close();
  });

  it("AI providers: add, duplicate name at the field, test (latency or the error), models offered for new sessions, delete", async () => {
    const llm = await startScriptedLlm([], ["scripted-1", "scripted-large"], { apiKey: "sk-test-0123456789abcdef" });
    try {
      const p = await page("/account/providers");
      const add = async (name: string, kind: string, baseUrl: string, key = "") => {
        await p.getByTestId("add-provider").click();
        const form = p.getByTestId("provider-form");
        await form.getByLabel("Name").fill(name);
        await form.getByLabel("Kind").selectOption(kind);
        await form.getByLabel("Base URL").fill(baseUrl);
        if (key) await form.getByLabel("API key").fill(key);
        await form.getByRole("button", { name: "Add provider" }).click();
        return form;
      };
      const row = (name: string) => p.getByTestId("provider-row").filter({ hasText: name });

      await add("work-llm", "openai-compatible", `${llm.url}/v1`, "sk-test-0123456789abcdef");
      await row("work-llm").waitFor();
      expect(await row("work-llm").textContent()).toContain("key …cdef");
      // Nothing listens on port 9.
      await add("local-llm", "openai-compatible", "http://127.0.0.1:9/v1");
      await row("local-llm").waitFor();
      await add("wrong-key", "openai-compatible", `${llm.url}/v1`, "sk-wrong");
      await row("wrong-key").waitFor();

      const form = await add("local-llm", "ollama", "");
      await expect.poll(() => p.getByTestId("error-name").textContent()).toMatch(/already|exists|taken|duplicate/i);
      expect(await form.getByLabel("Name").inputValue()).toBe("local-llm");
      expect(await form.getByLabel("Kind").inputValue()).toBe("ollama");
      await form.getByRole("button", { name: "Cancel" }).click();

      const tested = async (name: string) => {
        await row(name).getByTestId("provider-test").click();
        const result = row(name).getByTestId("provider-test-result");
        await result.waitFor({ timeout: 20_000 });
        return (await result.textContent()) ?? "";
      };
      expect(await tested("work-llm")).toMatch(/^Connected in \d+ ms/);
      expect(await tested("local-llm")).toMatch(/^Failed: .*(reach|refused|ECONNREFUSED)/i);
      expect(await tested("wrong-key")).toMatch(/^Failed: .*bad_key/);
      await screenshot(p, "providers");

      // The new-session dialog offers the working provider's models as provider/model.
      await p.goto("/?new=1");
      await expect.poll(() => p.locator("#model-options option").count()).toBeGreaterThan(1);
      const options = await p.locator("#model-options option").evaluateAll((os: any[]) => os.map((o) => o.value));
      expect(options).toEqual(expect.arrayContaining(["work-llm/scripted-1", "work-llm/scripted-large"]));
      await p.goto("/account/providers");

      await row("local-llm").getByRole("button", { name: "Delete" }).click();
      await row("local-llm").getByRole("button", { name: "Delete now" }).click();
      await expect.poll(() => row("local-llm").count()).toBe(0);
      expect((await admin("GET", "/api/v1/providers")).body.items.map((x: { name: string }) => x.name).sort()).toEqual([
        "work-llm",
        "wrong-key",
      ]);
      await p.context().close();
    } finally {
      await llm.close();
    }
  });
});
