import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type RunningServer, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { SessionService } from "../../packages/server/src/sessions/service.js";
import { connectAgent, type ScriptedAgent, sessionToken } from "../support/agent-socket.js";
import { launchBrowser, login, newContext, screenshot } from "../support/browser.js";
import { type Caller, caller } from "../support/http.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, loginCookie } from "../support/server.js";
import { until } from "../support/wait.js";

/**
 * Search in the web UI, in real Chromium against a real server and its real search engine (no
 * Docker): conversations are stored through the API (prompts) and a scripted agentd (the agent's
 * entries), then found from the top bar's box, filtered, and opened at the entry.
 */

const CODE = "ERR_CONN_4417";
/** The checkout session's thread is longer than one page of history (the chat reads 500 at a time). */
const FILLER = 560;

let dataDir: string;
let server: RunningServer;
let url: string;
let browser: Browser;
let admin: Caller;
let ownerId: string;
let sessions: SessionService;
const agents: ScriptedAgent[] = [];
let checkout: string;
let login_: string;
let oldEntry: string;
let team: { id: string; slug: string; name: string };

async function createSession(as: Caller, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await as("POST", "/api/v1/sessions", { body: { name, start: false, ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

/** Moves a session to `starting` as the scheduler would, then connects a scripted agentd: `ready`. */
async function makeReady(sessionId: string): Promise<ScriptedAgent> {
  await admin("POST", `/api/v1/sessions/${sessionId}/start`);
  await sessions.transition(sessionId, "starting", "Starting the desktop.");
  const token = await sessionToken(server.database.db, ownerId, sessionId);
  const agent = await connectAgent(url, sessionId, token, `inst-${sessionId}`);
  agents.push(agent);
  return agent;
}

async function prompt(as: Caller, sessionId: string, text: string): Promise<string> {
  const res = await as("POST", `/api/v1/sessions/${sessionId}/messages`, {
    body: { request_id: crypto.randomUUID(), content: text },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function page(path: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const context = await newContext(browser, url);
  const p = await context.newPage();
  await p.setViewportSize(viewport);
  await login(p, ADMIN_EMAIL, ADMIN_PASSWORD, path);
  return p;
}

/** Whether the element is inside the chat thread's visible part (and the window's). */
function inView(p: Page, selector: string): Promise<boolean> {
  return p.evaluate(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    const box = document.querySelector("[data-testid=chat-thread]");
    if (!el || !box) return false;
    const r = el.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    return r.height > 0 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1 && r.top >= 0 && r.bottom <= innerHeight;
  })()`) as Promise<boolean>;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "strand-e2e-search-"));
  const config = resolveConfig(
    { STRAND_ADMIN_EMAIL: ADMIN_EMAIL, STRAND_ADMIN_PASSWORD: ADMIN_PASSWORD, STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "127.0.0.1", dataDir },
  );
  server = await startServer(config, createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent"));
  url = `http://127.0.0.1:${server.port}`;
  admin = caller(url, { token: ADMIN_TOKEN });
  ownerId = (await admin("GET", "/api/v1/me")).body.id;
  sessions = new SessionService(server.database.db);

  // Someone else's session says the same words first: it must never show for the admin.
  const other = { email: "other@example.com", password: "another long password" };
  expect((await admin("POST", "/api/v1/users", { body: other })).status).toBe(201);
  const them = caller(url, { cookie: await loginCookie(url, other.email, other.password) });
  const secret = await createSession(them, "Secret vault");
  await prompt(them, secret, `The vault fails with ${CODE} too, keep it between us`);

  team = (await admin("POST", "/api/v1/teams", { body: { name: "Payments" } })).body;

  // A long agent thread: the hit is its first answer, hundreds of entries before the newest.
  checkout = await createSession(admin, "Checkout refactor");
  const agent = await makeReady(checkout);
  await prompt(admin, checkout, "Refactor the checkout and tell me what breaks");
  const delivered = await agent.prompt(1);
  await agent.call({ type: "turn.started", turn_id: delivered.turn_id });
  oldEntry = "ent_search_old";
  const upsert = (id: string, text: string, kind = "text", content?: unknown) =>
    agent.call({
      type: "entry.upsert",
      id,
      turn_id: delivered.turn_id,
      rev: 0,
      kind,
      status: "completed",
      content: content ?? { text },
    });
  await upsert(oldEntry, `The payment gateway answers ${CODE} when it times out; I will add a retry with backoff.`);
  for (let i = 0; i < FILLER; i++) await upsert(`ent_search_fill_${i}`, `Step ${i}: moved one more helper.`);
  await upsert("ent_search_tool", "", "tool_call", {
    tool_call_id: "call_grep",
    title: `grep -rn ${CODE} src/`,
    kind: "search",
    content: [],
    locations: [],
    diffs: [],
  });
  await agent.call({ type: "turn.finished", turn_id: delivered.turn_id, stop_reason: "end_turn" });

  // A prompt in a team session of another runtime, stored last: the marker the searches wait for.
  login_ = await createSession(admin, "Login bug", { runtime: "codex", team_id: team.id });
  await prompt(admin, login_, `Why does ${CODE} show on the login page?`);

  // Findable within a second of being stored (docs/search.md); waited for, never slept on.
  await until(
    async () => (await admin("GET", `/api/v1/search?q=${CODE}&limit=50`)).body,
    (b: { results?: { session_id: string }[] }) =>
      Boolean(b.results?.some((r) => r.session_id === login_) && b.results.some((r) => r.session_id === checkout)),
    "both sessions to be searchable",
    20_000,
  );
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("search in the web UI (real server, real engine, Chromium)", () => {
  it("finds from the top bar: grouped by session, matches marked, never another user's session", async () => {
    const p = await page("/");
    await p.getByTestId("session-grid").waitFor();
    await p.getByTestId("search-input").fill(CODE);
    await p.getByTestId("search-input").press("Enter");
    await p.waitForURL(/\/search\?q=ERR_CONN_4417$/);

    const groups = p.getByTestId("search-group");
    // The marker: the last stored session's hit has arrived, so the other user's (stored first) had every chance.
    await p.locator(`[data-testid=search-group][data-session-id="${login_}"]`).waitFor();
    await p.locator(`[data-testid=search-group][data-session-id="${checkout}"]`).waitFor();
    expect(await groups.count()).toBe(2);
    expect(await p.getByTestId("search-results").textContent()).not.toContain("Secret vault");
    expect(await p.getByTestId("search-results").textContent()).not.toContain("between us");

    const loginGroup = p.locator(`[data-testid=search-group][data-session-id="${login_}"]`);
    expect(await loginGroup.getByTestId("search-session").textContent()).toBe("Login bug");
    expect(await loginGroup.locator(".search-session-meta").textContent()).toBe("codex · Payments");
    const checkoutGroup = p.locator(`[data-testid=search-group][data-session-id="${checkout}"]`);
    expect(await checkoutGroup.locator(".search-session-meta").textContent()).toBe("strand-agent");
    // Both of the checkout session's hits, each snippet with the identifier marked.
    const hits = checkoutGroup.getByTestId("search-hit");
    expect(await hits.count()).toBe(2);
    expect(new Set([await hits.nth(0).getAttribute("data-kind"), await hits.nth(1).getAttribute("data-kind")])).toEqual(
      new Set(["text", "tool_call"]),
    );
    for (const m of await p.locator("[data-testid=search-snippet] mark").allTextContents()) expect(m).toBe(CODE);
    expect(await p.locator("[data-testid=search-snippet] mark").count()).toBeGreaterThanOrEqual(3);
    await screenshot(p, "search-results");

    // A filter, kept in the URL: prompts only leaves the login session's question.
    // Clicked, not check(): the box follows the URL, which the router updates in a transition.
    await p.getByTestId("search-kind-filter").getByLabel("prompt").click();
    await p.waitForURL(/kind=user/);
    await expect.poll(() => groups.count()).toBe(1);
    expect(await groups.first().getAttribute("data-session-id")).toBe(login_);
    expect(await groups.first().getByTestId("search-hit").getAttribute("data-kind")).toBe("user");
    // And by runtime: the codex session has no answers, so answers from codex are none at all.
    await p.getByTestId("search-kind-filter").getByLabel("prompt").click();
    await p.waitForURL((u) => !u.search.includes("kind="));
    await p.getByTestId("search-runtime-filter").selectOption("strand-agent");
    await p.waitForURL(/runtime=strand-agent/);
    await expect.poll(() => groups.count()).toBe(1);
    expect(await groups.first().getAttribute("data-session-id")).toBe(checkout);
    await p.getByTestId("search-clear-filters").click();
    await expect.poll(() => groups.count()).toBe(2);
    await p.context().close();
  });

  it("opens a hit at its entry: an old one, scrolled into view and marked", async () => {
    const p = await page(`/search?q=${encodeURIComponent(`"payment gateway" ${CODE}`)}`);
    const hit = p.locator(`[data-testid=search-hit][data-entry-id="${oldEntry}"]`);
    await hit.click();
    await p.waitForURL(new RegExp(`/sessions/${checkout}\\?entry=${oldEntry}$`));
    const marked = `[data-entry-id="${oldEntry}"][data-focused] > [data-testid=entry-text]`;
    await p.locator(marked).waitFor();
    await expect.poll(() => inView(p, marked)).toBe(true);
    // The newest entry (hundreds later) is out of view: the thread did not follow the bottom.
    expect(await p.locator("[data-testid=entry-tool]").count()).toBe(1);
    expect(await inView(p, `[data-entry-id="ent_search_tool"] > *`)).toBe(false);
    expect(await p.locator(marked).textContent()).toContain("payment gateway");
    await screenshot(p, "search-session-entry");
    await p.context().close();
  });

  it("jumps to the box with / and Ctrl+K, but not while typing elsewhere; an empty query shows the server's words", async () => {
    const p = await page(`/sessions/${login_}`);
    const box = p.getByTestId("search-input");
    const focused = () => p.evaluate(`document.activeElement?.getAttribute("data-testid") === "search-input"`);
    // Typing a slash into the chat stays in the chat.
    await p.getByTestId("chat-input").click();
    await p.keyboard.type("a/b");
    expect(await p.getByTestId("chat-input").inputValue()).toBe("a/b");
    expect(await focused()).toBe(false);
    // Ctrl+K works even from a text field.
    await p.keyboard.press("Control+k");
    await expect.poll(focused).toBe(true);
    await p.keyboard.press("Escape");
    await expect.poll(focused).toBe(false);
    // `/` from the page itself.
    await p.locator("h1").click();
    await p.keyboard.press("/");
    await expect.poll(focused).toBe(true);
    await p.keyboard.type("login page");
    await p.keyboard.press("Enter");
    await p.waitForURL(/\/search\?q=login\+page$/);
    await p.locator(`[data-testid=search-group][data-session-id="${login_}"]`).waitFor();
    expect(await p.locator("[data-testid=search-snippet] mark").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^login$/i), expect.stringMatching(/^page$/i)]),
    );

    // Nothing typed: the page asks the server, which says what a query needs.
    await box.fill("   ");
    await box.press("Enter");
    await p.waitForURL(/\/search\?q=$/);
    const error = p.getByTestId("search-error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/must not be empty/);
    // Too long: the limit, in the server's words.
    await box.fill("x".repeat(501));
    await box.press("Enter");
    await expect.poll(() => error.textContent()).toMatch(/at most 500 characters/);
    // And a search with no hits says so.
    await box.fill("zzyzx-never-said");
    await box.press("Enter");
    await p.getByTestId("search-empty").waitFor();
    await p.context().close();
  });

  it("loads more through next_cursor, adding to the session's group", async () => {
    const p = await page("/search?q=moved+helper");
    const group = p.locator(`[data-testid=search-group][data-session-id="${checkout}"]`);
    await group.waitFor();
    expect(await group.getByTestId("search-hit").count()).toBe(20);
    await p.getByTestId("search-more").click();
    await expect.poll(() => group.getByTestId("search-hit").count()).toBe(40);
    expect(await p.getByTestId("search-group").count()).toBe(1);
    const hits = group.getByTestId("search-hit");
    const ids = new Set<string | null>();
    for (let i = 0; i < 40; i++) ids.add(await hits.nth(i).getAttribute("data-entry-id"));
    expect(ids.size).toBe(40);
    expect(await p.getByTestId("search-more").count()).toBe(1);
    await p.context().close();
  });

  it("works on a tablet: results and the session opened at the hit", async () => {
    const tablet = { width: 820, height: 1180 };
    const p = await page(`/search?q=${CODE}`, tablet);
    await p.locator(`[data-testid=search-group][data-session-id="${checkout}"]`).waitFor();
    // Nothing sticks out sideways.
    expect(await p.evaluate("document.documentElement.scrollWidth <= innerWidth")).toBe(true);
    await screenshot(p, "search-tablet");
    await p.locator(`[data-testid=search-hit][data-entry-id="${oldEntry}"]`).click();
    const marked = `[data-entry-id="${oldEntry}"][data-focused] > [data-testid=entry-text]`;
    await p.locator(marked).waitFor();
    await expect.poll(() => inView(p, marked)).toBe(true);
    await screenshot(p, "search-tablet-entry");
    await p.context().close();
  });
});
