import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, git, gitResult, initWorkTree, makeTempDir } from "../../packages/server/src/git/test-kit.js";
import { type ScriptedLlm, type ScriptStep, startScriptedLlm } from "../fixtures/llm/server.js";
import { type Caller, caller } from "../support/http.js";
import { addProvider } from "../support/llm.js";
import { ensureDesktopImage, startSandboxServer } from "../support/sandbox.js";
import { loginCookie } from "../support/server.js";
import { until } from "../support/wait.js";

/**
 * Issue 13's acceptance on real Docker: strand-agent in a real xfce desktop, driven by the scripted
 * provider, plans a task's spec on the task's own branch (the checkpoint commit pushes it), the
 * spec is reviewed with a comment and revised, approved, implemented by the same session, its code
 * approved and merged on the default branch, and the task is done. The same without planning
 * (`direct`). A planning WIP limit of 1 holds a second task with its reason, and it starts when the
 * first leaves Planning. A project webhook gets signed deliveries; the inbox shows them.
 *
 * The scripted provider answers requests in order from one queue, so the flows are arranged to
 * have one agent turn in flight at a time: each step pushed is consumed by the turn the test just
 * caused.
 */

const PROVIDER_KEY = "sk-provider-secret-tasks-5c2e";
const WEBHOOK_SECRET = "tasks-docker-webhook-secret";
const TURN_MS = 240_000;
const GREET_JS = 'export const greet = (name) => "Hello, " + name + "!";\n';
const BYE_JS = 'export const bye = (name) => "Bye, " + name + "!";\n';

type Person = { call: Caller; token: string };
interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
}

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let llm: ScriptedLlm;
let tmp: { path: string; remove: () => Promise<void> };
let member: Person;
let project: { id: string; slug: string };
let cloneUrl: string;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];
let specTask: any;
let heldTask: any;
let directTask: any;

const withToken = (url: string, token: string) => url.replace("http://", `http://strand:${token}@`);

async function newUser(email: string): Promise<Person & { id: string }> {
  const password = "a long enough password";
  const created = await s.admin("POST", "/api/v1/users", { body: { email, password } });
  expect(created.status, created.text).toBe(201);
  const cookie = await loginCookie(s.url, email, password);
  const tok = await caller(s.url, { cookie })("POST", "/api/v1/tokens", { body: { name: "test" } });
  return { call: caller(s.url, { token: tok.body.token }), token: tok.body.token, id: created.body.id };
}

const getTask = async (id: string) => {
  const r = await member.call("GET", `/api/v1/tasks/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
};
const stateOf = (id: string, want: string, ms = TURN_MS) =>
  until(
    () => getTask(id),
    (t) => t.state === want,
    `task ${id} to reach ${want}`,
    ms,
  );
async function act(id: string, action: string, body?: Record<string, unknown>, as: Caller = s.admin) {
  const r = await as("POST", `/api/v1/tasks/${id}/${action}`, body ? { body } : {});
  expect(r.status, `${action}: ${r.text}`).toBe(200);
  return r.body;
}

/** The file at `ref` of the repo, from a fresh clone (null when the ref or file is missing). */
async function fileAt(ref: string, path: string): Promise<string | null> {
  const dir = join(tmp.path, `clone-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await git(tmp.path, "clone", "-q", withToken(cloneUrl, member.token), dir);
  const shown = await gitResult(dir, "show", `origin/${ref}:${path}`);
  return shown.ok ? shown.stdout : null;
}

/**
 * The states a task went through. Asking for a move the orchestrator makes later is recorded too
 * (backlog → backlog "asked to start: queued for planning"); those are left out here.
 */
const moves = (t: any): string[] => t.transitions.filter((x: any) => x.from !== x.to).map((x: any) => x.to);

const write = (path: string, content: string): ScriptStep => ({
  tool_calls: [{ name: "write_file", arguments: { path, content } }],
});

/** What a planning turn does: the three spec documents, then a word to end the turn. */
function planSteps(specPath: string, what: string): ScriptStep[] {
  return [
    write(`${specPath}/requirements.md`, `# Requirements\n\n- The app greets ${what} by name.\n`),
    write(`${specPath}/design.md`, `# Design\n\nA greet() function in src/greet.js returns a string.\n`),
    write(`${specPath}/tasks.md`, "# Tasks\n\n- [ ] Write greet()\n- [ ] Export it\n"),
    { text: "The spec is written." },
  ];
}

async function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  tmp = await makeTempDir("strand-tasks-docker-");
  s = await startSandboxServer();
  llm = await startScriptedLlm([], ["scripted-1"], {
    apiKey: PROVIDER_KEY,
    onScript: (body) => Array.isArray(body.tools) && body.tools.length > 0,
  });
  await startReceiver();
  member = await newUser("td-member@example.com");
  const team = (await s.admin("POST", "/api/v1/teams", { body: { name: "Greeter Team" } })).body;
  const added = await s.admin("POST", `/api/v1/teams/${team.id}/members`, {
    body: { email: "td-member@example.com", role: "member" },
  });
  expect(added.status, added.text).toBe(201);
  await addProvider(s.admin, {
    name: "scripted",
    kind: "anthropic",
    base_url: llm.url,
    api_key: PROVIDER_KEY,
    team_id: team.id,
  });
  const created = await member.call("POST", "/api/v1/projects", {
    body: { name: "Greeter", team_id: team.id, runtime: "strand-agent", model: "scripted/scripted-1" },
  });
  expect(created.status, created.text).toBe(201);
  project = created.body;
  const repo = await member.call("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "greeter" } });
  expect(repo.status, repo.text).toBe(201);
  cloneUrl = repo.body.clone_url;
  const seed = join(tmp.path, "seed");
  await initWorkTree(seed);
  await commitFiles(seed, { "README.md": "# greeter\n" }, "first commit");
  await git(seed, "push", "-q", withToken(cloneUrl, member.token), "main");

  // The team's admin (here the owner) sets the webhook; the member creates and runs the tasks.
  const hook = await s.admin("POST", `/api/v1/projects/${project.id}/webhooks`, {
    body: { url: receiverUrl, secret: WEBHOOK_SECRET, kinds: ["task.spec_ready", "task.code_ready", "task.done"] },
  });
  expect(hook.status, hook.text).toBe(201);
  const wip = await s.admin("PATCH", `/api/v1/projects/${project.id}`, { body: { wip_limits: { planning: 1 } } });
  expect(wip.status, wip.text).toBe(200);
}, 600_000);

afterAll(async () => {
  receiver?.close();
  await llm?.close();
  await s?.stop();
  await tmp?.remove();
}, 120_000);

describe("spec-driven tasks on a real desktop", () => {
  it("plans the spec on the task's branch; a WIP limit of 1 holds the second task, which starts when the first leaves Planning", async () => {
    const create = async (title: string, mode = "spec") => {
      const r = await member.call("POST", `/api/v1/projects/${project.id}/tasks`, {
        body: { title, description: `${title}, please.`, mode },
      });
      expect(r.status, r.text).toBe(201);
      return r.body;
    };
    specTask = await create("Greet people");
    heldTask = await create("Greet robots");
    expect(specTask).toMatchObject({ number: 1, state: "backlog", spec_path: `specs/1-${specTask.slug}` });
    // Both planning turns are scripted up front: the held task's agent only asks once the first has ended.
    llm.push(...planSteps(specTask.spec_path, "people"), ...planSteps(heldTask.spec_path, "robots"));

    const started = await act(specTask.id, "start", undefined, member.call);
    expect(started.state).toBe("planning");
    expect(started.branch).toBe(`strand/1-${specTask.slug}`);
    const held = await act(heldTask.id, "start", undefined, member.call);
    expect(held).toMatchObject({ state: "backlog", queued_for: "planning", waiting: expect.stringMatching(/1 of 1/) });
    const board = (await member.call("GET", `/api/v1/projects/${project.id}/tasks`)).body;
    expect(board.wip_limits.planning).toBe(1);
    expect(board.items.find((t: any) => t.id === heldTask.id).waiting).toMatch(/waiting: 1 of 1/);

    const review = await stateOf(specTask.id, "spec_review");
    expect(review.state_reason).toBeNull();
    for (const doc of ["requirements", "design", "tasks"]) {
      expect(await fileAt(review.branch, `${specTask.spec_path}/${doc}.md`), doc).not.toBeNull();
    }
    expect(review.progress).toEqual({ done: 0, total: 2 });
    expect(moves(review)).toEqual(["backlog", "planning", "spec_review"]);
    expect(review.transitions[1]).toMatchObject({ from: "backlog", to: "backlog", by: { kind: "user" } });

    // The held task took the freed place, and says nothing holds it any more.
    const second = await stateOf(heldTask.id, "planning", 60_000);
    expect(second.waiting).toBeNull();
    expect(second.session_id).not.toBe(review.session_id);
    await stateOf(heldTask.id, "spec_review");
    const cancelled = await act(heldTask.id, "cancel", undefined, member.call);
    expect(cancelled.state).toBe("cancelled");
  });

  it("a spec comment and request-changes make the agent revise the spec; the revision is a new spec revision", async () => {
    const spec = await member.call("GET", `/api/v1/tasks/${specTask.id}/spec`);
    expect(spec.status, spec.text).toBe(200);
    const thread = await member.call("POST", `/api/v1/tasks/${specTask.id}/spec/threads`, {
      body: { document: "design", quote: "returns a string", body: "Say what the string looks like: Hello, <name>!" },
    });
    expect(thread.status, thread.text).toBe(201);

    const before = llm.requests.length;
    llm.push(
      write(
        `${specTask.spec_path}/design.md`,
        '# Design\n\nA greet(name) function in src/greet.js returns "Hello, NAME!".\n',
      ),
      { text: "Said what the string looks like." },
    );
    const asked = await act(specTask.id, "request-changes", { comments: "And keep it short." }, member.call);
    expect(asked.state).toBe("spec_revision");
    const prompt = await until(
      async () => llm.requests.slice(before).map((r) => JSON.stringify(r.body)),
      (bodies) => bodies.some((b) => b.includes("Hello, <name>!")),
      "the review comment to reach the model",
      TURN_MS,
    );
    expect(prompt.find((b) => b.includes("Hello, <name>!"))).toContain("And keep it short.");

    const back = await stateOf(specTask.id, "spec_review");
    expect(await fileAt(back.branch, `${specTask.spec_path}/design.md`)).toContain("Hello, NAME!");
    const revisions = await member.call("GET", `/api/v1/tasks/${specTask.id}/spec/revisions`);
    expect(revisions.body.items.length).toBeGreaterThanOrEqual(2);
    const diff = await member.call("GET", `/api/v1/tasks/${specTask.id}/spec/diff?from=1`);
    expect(diff.status, diff.text).toBe(200);
    expect(JSON.stringify(diff.body)).toContain("Hello, NAME!");
  });

  it("approve: the same session implements it; approving the code merges it on the default branch; done", async () => {
    const sessionId = (await getTask(specTask.id)).session_id;
    llm.push(write("src/greet.js", GREET_JS), {
      text: "Implemented greet().",
    });
    const approved = await act(specTask.id, "approve");
    expect(approved.state).toBe("implementing");
    const review = await stateOf(specTask.id, "code_review");
    expect(review.session_id).toBe(sessionId);
    expect(await fileAt(review.branch, "src/greet.js")).toBe(GREET_JS);

    await act(specTask.id, "approve");
    const done = await stateOf(specTask.id, "done", 60_000);
    expect(moves(done)).toEqual([
      "backlog",
      "planning",
      "spec_review",
      "spec_revision",
      "spec_review",
      "implementing",
      "code_review",
      "merging",
      "done",
    ]);
    expect(await fileAt("main", "src/greet.js")).toBe(GREET_JS);
    expect(await fileAt("main", `${specTask.spec_path}/tasks.md`)).not.toBeNull();
  });

  it("direct mode skips planning: implementing → code review → merged → done", async () => {
    const r = await member.call("POST", `/api/v1/projects/${project.id}/tasks`, {
      body: { title: "Add a farewell", description: "A bye() next to greet().", mode: "direct" },
    });
    expect(r.status, r.text).toBe(201);
    directTask = r.body;
    llm.push(write("src/bye.js", BYE_JS), { text: "Added bye()." });
    const started = await act(directTask.id, "start", undefined, member.call);
    expect(started.state).toBe("implementing");
    const review = await stateOf(directTask.id, "code_review");
    expect(await fileAt(review.branch, "src/bye.js")).toBe(BYE_JS);
    await act(directTask.id, "approve");
    const done = await stateOf(directTask.id, "done", 60_000);
    expect(moves(done)).toEqual(["backlog", "implementing", "code_review", "merging", "done"]);
    expect(await fileAt("main", "src/bye.js")).toBe(BYE_JS);
  });

  it("the project webhook got signed deliveries for spec-ready, code-ready and done; the inbox shows them", async () => {
    const kindsFor = (taskId: string) =>
      deliveries.filter((d) => d.body.task?.id === taskId).map((d) => d.body.kind as string);
    await until(
      async () => [kindsFor(specTask.id), kindsFor(directTask.id)],
      ([spec, direct]) => (spec?.includes("task.done") ?? false) && (direct?.includes("task.done") ?? false),
      "the done deliveries",
      60_000,
    );
    expect(new Set(kindsFor(specTask.id))).toEqual(new Set(["task.spec_ready", "task.code_ready", "task.done"]));
    expect(new Set(kindsFor(directTask.id))).toEqual(new Set(["task.code_ready", "task.done"]));
    for (const d of deliveries) {
      const expected = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(d.raw).digest("hex")}`;
      const got = String(d.headers["x-strand-signature"]);
      expect(got.length).toBe(expected.length);
      expect(timingSafeEqual(Buffer.from(got), Buffer.from(expected))).toBe(true);
      expect(d.headers["x-strand-event"]).toBe(d.body.kind);
      expect(d.headers["x-strand-delivery"]).toBe(d.body.id);
      expect(d.body).toMatchObject({ text: expect.any(String), project: { id: project.id } });
    }
    const log = await s.admin("GET", `/api/v1/projects/${project.id}/webhooks`);
    expect(log.body.items).toHaveLength(1);

    const inbox = await member.call("GET", "/api/v1/notifications?limit=200");
    expect(inbox.status, inbox.text).toBe(200);
    const seen = inbox.body.items
      .filter((n: any) => n.task_id === specTask.id)
      .map((n: any) => n.kind)
      .sort();
    expect(seen).toEqual(expect.arrayContaining(["task.code_ready", "task.done", "task.spec_ready"]));
    expect(inbox.body.unread).toBeGreaterThanOrEqual(3);
    const spec = inbox.body.items.find((n: any) => n.task_id === specTask.id && n.kind === "task.spec_ready");
    expect(spec.link).toBe(`/tasks/${specTask.id}`);
  });
});
