import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { TestSocket } from "../../../test/support/ws.js";
import { issueApiToken } from "../src/auth/api-tokens.js";
import { commitFiles, git, gitResult, initWorkTree, makeTempDir } from "../src/git/test-kit.js";

type Person = { call: Caller; id: string; token: string; email: string };

let t: TestServer;
let member: Person;
let viewer: Person;
let tmp: { path: string; remove: () => Promise<void> };
let project: { id: string; slug: string };
let cloneUrl: string;

const withToken = (url: string, token: string) => url.replace("http://", `http://strand:${token}@`);

/** Ten numbered lines, so tests can name each one. */
const APP_V1 = `${Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;
const replaceLine = (text: string, n: number, by: string) =>
  text
    .split("\n")
    .map((l, i) => (i === n - 1 ? by : l))
    .join("\n");

/** A session on the project, with a clone on its branch pushed with the session's own token. */
async function sessionWithWork(name: string, files: Record<string, string | Buffer | null>) {
  const created = await member.call("POST", "/api/v1/sessions", {
    body: { name, project_id: project.id, start: false },
  });
  expect(created.status, created.text).toBe(201);
  const session = created.body;
  const token = (await issueApiToken(t.server.database.db, { userId: member.id, name: "agent", sessionId: session.id }))
    .token;
  const work = join(tmp.path, session.id);
  await git(tmp.path, "clone", "--quiet", withToken(cloneUrl, token), work);
  await git(work, "switch", "--quiet", "-c", session.branch);
  const push = async (more: Record<string, string | Buffer | null>, message: string) => {
    await commitFiles(work, more, message);
    const pushed = await gitResult(work, "push", "origin", session.branch);
    expect(pushed.ok, pushed.stderr).toBe(true);
  };
  await push(files, "agent: work");
  return { id: session.id as string, branch: session.branch as string, work, push };
}

const threads = (who: Person, sessionId: string) => who.call("GET", `/api/v1/sessions/${sessionId}/review/threads`);
const comment = (who: Person, sessionId: string, body: Record<string, unknown>) =>
  who.call("POST", `/api/v1/sessions/${sessionId}/review/threads`, { body });

beforeAll(async () => {
  t = await startTestServer();
  tmp = await makeTempDir("strand-review-");
  const owner = await t.newUser("r-owner@example.com");
  member = { ...(await t.newUser("r-member@example.com")), email: "r-member@example.com" };
  viewer = { ...(await t.newUser("r-viewer@example.com")), email: "r-viewer@example.com" };
  const team = (await owner.call("POST", "/api/v1/teams", { body: { name: "Review Team" } })).body;
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: member.email, role: "member" } });
  await owner.call("POST", `/api/v1/teams/${team.id}/members`, { body: { email: viewer.email, role: "viewer" } });
  project = (await member.call("POST", "/api/v1/projects", { body: { name: "Reviewed", team_id: team.id } })).body;
  const repo = await member.call("POST", `/api/v1/projects/${project.id}/repos`, { body: { name: "app" } });
  expect(repo.status, repo.text).toBe(201);
  cloneUrl = repo.body.clone_url;
  const seed = join(tmp.path, "seed");
  await initWorkTree(seed);
  await commitFiles(
    seed,
    { "src/app.js": APP_V1, "README.md": "# app\n", "docs/old.md": "old 1\nold 2\nold 3\n" },
    "first commit",
  );
  await git(seed, "push", "--quiet", withToken(cloneUrl, member.token), "main");
});
afterAll(async () => {
  await t?.stop();
  await tmp?.remove();
});

describe(`review threads (${process.env.STRAND_TEST_DB})`, () => {
  it("a member comments on a line and on a range; the thread keeps its head and the lines' text", async () => {
    const s = await sessionWithWork("Comment here", { "src/app.js": replaceLine(APP_V1, 3, "line three") });
    const changes = (await member.call("GET", `/api/v1/sessions/${s.id}/changes`)).body;
    const one = await comment(member, s.id, { path: "src/app.js", start_line: 3, body: "Why spell it out?" });
    expect(one.status, one.text).toBe(201);
    expect(one.body).toMatchObject({
      session_id: s.id,
      path: "src/app.js",
      side: "new",
      start_line: 3,
      end_line: 3,
      commit: changes.head,
      anchor: "line three",
      outdated: false,
      resolved: false,
      sent_at: null,
      unsent: true,
      comments: [{ author_id: member.id, author_email: member.email, body: "Why spell it out?" }],
    });
    const range = await comment(member, s.id, {
      path: "src/app.js",
      start_line: 2,
      end_line: 4,
      body: "This block",
    });
    expect(range.status, range.text).toBe(201);
    expect(range.body.anchor).toBe("line 2\nline three\nline 4");
    // The removed line, on the old side: its text at the merge base.
    const old = await comment(member, s.id, { path: "src/app.js", side: "old", start_line: 3, body: "Was fine" });
    expect(old.status, old.text).toBe(201);
    expect(old.body).toMatchObject({ side: "old", anchor: "line 3", outdated: false });
    const list = await threads(member, s.id);
    expect(list.body.items.map((th: { id: string }) => th.id)).toEqual([one.body.id, range.body.id, old.body.id]);
    expect(list.body).toMatchObject({ head: changes.head, can_control: true });
  });

  it("refuses comments on files or lines that are not in the changes, saying what exists", async () => {
    const s = await sessionWithWork("Bad comments", {
      "src/app.js": replaceLine(APP_V1, 5, "line five"),
      "src/new.js": "fresh\n",
      "docs/old.md": null,
      "logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0]),
    });
    const notChanged = await comment(member, s.id, { path: "README.md", start_line: 1, body: "x" });
    expect(notChanged.status).toBe(422);
    expect(notChanged.body.error).toBe("not_in_changes");
    expect(notChanged.body.message).toMatch(
      /README\.md is not among the changed files .*comment on one of: .*src\/app\.js/,
    );
    const past = await comment(member, s.id, { path: "src/app.js", start_line: 10, end_line: 11, body: "x" });
    expect(past.status).toBe(422);
    expect(past.body).toMatchObject({
      error: "no_such_lines",
      message: expect.stringMatching(/has 10 lines .*:10-11/),
    });
    const backwards = await comment(member, s.id, { path: "src/app.js", start_line: 4, end_line: 2, body: "x" });
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toMatch(/end_line must not be before start_line/);
    const zero = await comment(member, s.id, { path: "src/app.js", start_line: 0, body: "x" });
    expect(zero.status).toBe(400);
    const empty = await comment(member, s.id, { path: "src/app.js", start_line: 1, body: "  " });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/body must not be empty/);
    const newHasNoOld = await comment(member, s.id, { path: "src/new.js", side: "old", start_line: 1, body: "x" });
    expect(newHasNoOld.status).toBe(422);
    expect(newHasNoOld.body.message).toMatch(/new on .* no old lines/);
    const deletedHasNoNew = await comment(member, s.id, { path: "docs/old.md", start_line: 1, body: "x" });
    expect(deletedHasNoNew.status).toBe(422);
    expect(deletedHasNoNew.body.message).toMatch(/deleted on .*\(side old\)/);
    const deletedOld = await comment(member, s.id, { path: "docs/old.md", side: "old", start_line: 2, body: "ok" });
    expect(deletedOld.status, deletedOld.text).toBe(201);
    const binary = await comment(member, s.id, { path: "logo.png", start_line: 1, body: "x" });
    expect(binary.status).toBe(422);
    expect(binary.body.error).toBe("binary_file");
    expect((await comment(member, "ses_nope", { path: "src/app.js", start_line: 1, body: "x" })).status).toBe(404);
    // Refusals store nothing.
    expect((await threads(member, s.id)).body.items).toHaveLength(1);
  });

  it("threads take replies and are resolved and reopened", async () => {
    const s = await sessionWithWork("Discuss", { "src/app.js": replaceLine(APP_V1, 1, "first line") });
    const th = (await comment(member, s.id, { path: "src/app.js", start_line: 1, body: "Rename?" })).body;
    const reply = await member.call("POST", `/api/v1/sessions/${s.id}/review/threads/${th.id}/comments`, {
      body: { body: "On second thought, keep it." },
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body.comments.map((c: { body: string }) => c.body)).toEqual([
      "Rename?",
      "On second thought, keep it.",
    ]);
    const resolved = await member.call("PATCH", `/api/v1/sessions/${s.id}/review/threads/${th.id}`, {
      body: { resolved: true },
    });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({ resolved: true, resolved_by: member.id, resolved_at: expect.any(String) });
    const reopened = await member.call("PATCH", `/api/v1/sessions/${s.id}/review/threads/${th.id}`, {
      body: { resolved: false },
    });
    expect(reopened.body).toMatchObject({ resolved: false, resolved_by: null, resolved_at: null });
    const missing = await member.call("PATCH", `/api/v1/sessions/${s.id}/review/threads/rvt_nope`, {
      body: { resolved: true },
    });
    expect(missing.status).toBe(404);
  });

  it("viewers read threads but may not comment, reply, resolve, send or ask", async () => {
    const s = await sessionWithWork("Watched", { "src/app.js": replaceLine(APP_V1, 2, "line two") });
    const th = (await comment(member, s.id, { path: "src/app.js", start_line: 2, body: "Hm" })).body;
    const read = await threads(viewer, s.id);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ can_control: false, items: [{ id: th.id }] });
    const refusals = await Promise.all([
      comment(viewer, s.id, { path: "src/app.js", start_line: 2, body: "me too" }),
      viewer.call("POST", `/api/v1/sessions/${s.id}/review/threads/${th.id}/comments`, { body: { body: "x" } }),
      viewer.call("PATCH", `/api/v1/sessions/${s.id}/review/threads/${th.id}`, { body: { resolved: true } }),
      viewer.call("POST", `/api/v1/sessions/${s.id}/review/send`),
      viewer.call("POST", `/api/v1/sessions/${s.id}/review/resolve-conflicts`),
    ]);
    expect(refusals.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    expect(refusals[0]?.body.message).toMatch(/viewer/);
    const stranger = await t.newUser("r-stranger@example.com");
    expect((await stranger.call("GET", `/api/v1/sessions/${s.id}/review/threads`)).status).toBe(404);
    // Nothing the viewer tried was stored.
    const after = (await threads(member, s.id)).body.items;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ resolved: false, comments: [{ body: "Hm" }] });
  });

  it("a push that changes a thread's lines makes it outdated; one that touches other lines does not", async () => {
    const s = await sessionWithWork("Moving target", { "src/app.js": replaceLine(APP_V1, 3, "line three") });
    const events = new TestSocket(`${t.url.replace("http", "ws")}/api/v1/events`, {
      authorization: `Bearer ${viewer.token}`,
    });
    await events.opened;
    await events.next((m) => m.type === "hello");
    const onThree = (await comment(member, s.id, { path: "src/app.js", start_line: 3, body: "A" })).body;
    const onEight = (await comment(member, s.id, { path: "src/app.js", start_line: 7, end_line: 8, body: "B" })).body;
    const onOld = (await comment(member, s.id, { path: "src/app.js", side: "old", start_line: 3, body: "C" })).body;
    await events.next(
      (m) => m.type === "event" && m.event.type === "review.updated" && m.event.review.what === "thread",
    );

    let text = replaceLine(APP_V1, 3, "line three");
    text = replaceLine(text, 8, "line eight");
    await s.push({ "src/app.js": text }, "agent: change line 8");
    const moved = await events.next(
      (m) =>
        m.type === "event" &&
        m.event.type === "review.updated" &&
        m.event.review.what === "branch" &&
        m.event.session_id === s.id,
    );
    expect(moved.event.scope).toEqual({ type: "session", id: s.id });
    events.close();

    const list = (await threads(member, s.id)).body;
    const byId = new Map(list.items.map((th: { id: string; outdated: boolean }) => [th.id, th.outdated]));
    expect(byId.get(onThree.id)).toBe(false);
    expect(byId.get(onEight.id)).toBe(true);
    expect(byId.get(onOld.id)).toBe(false);
    expect(list.head).not.toBe(onThree.commit);

    // Threads are never dropped by a push, even one that removes their file.
    await s.push({ "src/app.js": null }, "agent: drop the file");
    const gone = (await threads(member, s.id)).body.items;
    expect(gone.map((th: { outdated: boolean }) => th.outdated)).toEqual([true, true, false]);
  });

  it("sends the open threads' new comments as one prompt with file:line context, once", async () => {
    const s = await sessionWithWork("Send me", {
      "src/app.js": replaceLine(APP_V1, 4, "line four"),
      "src/util.js": "export const x = 1;\nexport const y = 2;\n",
    });
    const nothing = await member.call("POST", `/api/v1/sessions/${s.id}/review/send`);
    expect(nothing.status).toBe(409);
    expect(nothing.body).toMatchObject({ error: "nothing_to_send", message: expect.stringMatching(/no open review/) });

    const util = (await comment(member, s.id, { path: "src/util.js", start_line: 1, end_line: 2, body: "Name these" }))
      .body;
    const app = (await comment(member, s.id, { path: "src/app.js", start_line: 4, body: "Use a constant" })).body;
    await member.call("POST", `/api/v1/sessions/${s.id}/review/threads/${app.id}/comments`, {
      body: { body: "And a test, please." },
    });
    const done = (await comment(member, s.id, { path: "src/app.js", start_line: 1, body: "Resolved already" })).body;
    await member.call("PATCH", `/api/v1/sessions/${s.id}/review/threads/${done.id}`, { body: { resolved: true } });

    const sent = await member.call("POST", `/api/v1/sessions/${s.id}/review/send`);
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.sent).toBe(2);
    const prompt: string = sent.body.prompt;
    expect(prompt).toContain(`your branch \`${s.branch}\``);
    expect(prompt).toContain("## 1. src/app.js:4\n```\n4 line four\n```\n- r-member@example.com: Use a constant");
    expect(prompt).toContain("- r-member@example.com: And a test, please.");
    expect(prompt).toContain("## 2. src/util.js:1-2\n```\n1 export const x = 1;\n2 export const y = 2;\n```");
    expect(prompt).not.toContain("Resolved already");

    // It is a prompt in the session's conversation, as if typed in the chat.
    const entries = (await member.call("GET", `/api/v1/sessions/${s.id}/messages`)).body.items;
    const entry = entries.find((e: { id: string }) => e.id === sent.body.entry_id);
    expect(entry).toMatchObject({ kind: "user", status: "queued", content: { text: prompt } });

    const marked = (await threads(member, s.id)).body.items;
    expect(marked.filter((th: { sent_at: string | null }) => th.sent_at).map((th: { id: string }) => th.id)).toEqual([
      util.id,
      app.id,
    ]);
    expect(marked.every((th: { unsent: boolean; resolved: boolean }) => th.resolved || !th.unsent)).toBe(true);

    const again = await member.call("POST", `/api/v1/sessions/${s.id}/review/send`);
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already has every comment/);

    // A reply makes its thread open again; only that thread goes, with its whole discussion.
    await member.call("POST", `/api/v1/sessions/${s.id}/review/threads/${util.id}/comments`, {
      body: { body: "Still not named." },
    });
    const second = await member.call("POST", `/api/v1/sessions/${s.id}/review/send`);
    expect(second.status, second.text).toBe(200);
    expect(second.body.sent).toBe(1);
    expect(second.body.prompt).toContain("src/util.js:1-2");
    expect(second.body.prompt).toContain("Name these");
    expect(second.body.prompt).toContain("Still not named.");
    expect(second.body.prompt).not.toContain("src/app.js");
    const texts = (await member.call("GET", `/api/v1/sessions/${s.id}/messages`)).body.items.map(
      (e: { content: { text: string } }) => e.content.text,
    );
    expect(texts).toEqual([prompt, second.body.prompt]);
  });

  it("labels outdated threads in the prompt", async () => {
    const s = await sessionWithWork("Outdated send", { "src/app.js": replaceLine(APP_V1, 6, "line six") });
    const th = (await comment(member, s.id, { path: "src/app.js", start_line: 6, body: "Not like this" })).body;
    await s.push({ "src/app.js": replaceLine(APP_V1, 6, "line 6, reworded") }, "agent: reword");
    const sent = await member.call("POST", `/api/v1/sessions/${s.id}/review/send`);
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.prompt).toContain(
      `## 1. src/app.js:6 (outdated: these lines have changed since the comment was written at ${th.commit.slice(0, 12)})`,
    );
    expect(sent.body.prompt).toContain("6 line six");
  });

  it("after a conflicting merge, asks the agent to merge the base in and push, naming the files", async () => {
    const s = await sessionWithWork("Conflicts", { "src/app.js": replaceLine(APP_V1, 9, "line nine, the session's") });
    const upToDate = await member.call("POST", `/api/v1/sessions/${s.id}/review/resolve-conflicts`);
    expect(upToDate.status).toBe(409);
    expect(upToDate.body.error).toBe("no_conflicts");

    // Someone else lands a different line 9 on main.
    const other = join(tmp.path, "other-main");
    await git(tmp.path, "clone", "--quiet", withToken(cloneUrl, member.token), other);
    await commitFiles(other, { "src/app.js": replaceLine(APP_V1, 9, "line nine, main's") }, "main: line 9");
    expect((await gitResult(other, "push", "origin", "main")).ok).toBe(true);

    const merge = await member.call("POST", `/api/v1/sessions/${s.id}/merge`, { body: {} });
    expect(merge.status).toBe(409);
    expect(merge.body).toMatchObject({ error: "merge_conflict", details: { files: ["src/app.js"] } });
    const ask = await member.call("POST", `/api/v1/sessions/${s.id}/review/resolve-conflicts`);
    expect(ask.status, ask.text).toBe(200);
    expect(ask.body.files).toEqual(["src/app.js"]);
    expect(ask.body.prompt).toContain("they conflict in `src/app.js`");
    expect(ask.body.prompt).toContain(`\`git merge origin/main\` on \`${s.branch}\``);
    expect(ask.body.prompt).toContain(`push \`${s.branch}\``);
    const entries = (await member.call("GET", `/api/v1/sessions/${s.id}/messages`)).body.items;
    expect(entries.find((e: { id: string }) => e.id === ask.body.entry_id)).toMatchObject({
      kind: "user",
      content: { text: ask.body.prompt },
    });
  });

  it("a session not on a project has no review", async () => {
    const plain = (await member.call("POST", "/api/v1/sessions", { body: { name: "Plain", start: false } })).body;
    const res = await threads(member, plain.id);
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("no_workspace");
  });
});
