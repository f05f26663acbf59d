import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { TestSocket } from "../../../test/support/ws.js";

type Person = { call: Caller; id: string; token: string };
const ROLES = ["owner", "admin", "member", "viewer"] as const;
const KEY = "sk-ant-team-key-0123456789abcdef";

let t: TestServer;
let owner: Person;
let people: Record<(typeof ROLES)[number], Person>;
let stranger: Person;
let teamId: string;
let teamSession: string;

beforeAll(async () => {
  t = await startTestServer();
  owner = await t.newUser("owner@example.com");
  people = {
    owner,
    admin: await t.newUser("teamadmin@example.com"),
    member: await t.newUser("member@example.com"),
    viewer: await t.newUser("viewer@example.com"),
  };
  stranger = await t.newUser("stranger@example.com");
  const team = await owner.call("POST", "/api/v1/teams", { body: { name: "Platform Team" } });
  expect(team.status).toBe(201);
  teamId = team.body.id;
  for (const role of ["admin", "member", "viewer"] as const) {
    const added = await owner.call("POST", `/api/v1/teams/${teamId}/members`, {
      body: { email: `${role === "admin" ? "teamadmin" : role}@example.com`, role },
    });
    expect(added.status, added.text).toBe(201);
  }
  const s = await people.member.call("POST", "/api/v1/sessions", {
    body: { name: "team work", team_id: teamId, start: false },
  });
  expect(s.status, s.text).toBe(201);
  teamSession = s.body.id;
});
afterAll(() => t?.stop());

describe(`teams (${process.env.STRAND_TEST_DB})`, () => {
  it("creates a team with a slug, and its creator as owner", async () => {
    const got = await owner.call("GET", `/api/v1/teams/${teamId}`);
    expect(got.body).toMatchObject({ name: "Platform Team", slug: "platform-team", role: "owner", member_count: 4 });
    const listed = await people.viewer.call("GET", "/api/v1/teams");
    expect(listed.body.items.map((x: { id: string; role: string }) => [x.id, x.role])).toEqual([[teamId, "viewer"]]);
  });

  it("refuses a duplicate name, and numbers a slug another name already took", async () => {
    const dup = await stranger.call("POST", "/api/v1/teams", { body: { name: "platform team" } });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/already exists/);
    const other = await stranger.call("POST", "/api/v1/teams", { body: { name: "Platform-Team!" } });
    expect(other.status).toBe(201);
    expect(other.body.slug).toBe("platform-team-2");
    await stranger.call("DELETE", `/api/v1/teams/${other.body.id}`);
  });

  it("says what is wrong with an unknown role, an unknown email and a second add", async () => {
    const role = await owner.call("POST", `/api/v1/teams/${teamId}/members`, {
      body: { email: "stranger@example.com", role: "superuser" },
    });
    expect(role.status).toBe(400);
    expect(role.body.message).toMatch(/owner, admin, member, viewer/);
    const email = await owner.call("POST", `/api/v1/teams/${teamId}/members`, {
      body: { email: "nobody@example.com" },
    });
    expect(email.status).toBe(404);
    expect(email.body.message).toMatch(/no Strand user has the email nobody@example.com/);
    const again = await owner.call("POST", `/api/v1/teams/${teamId}/members`, {
      body: { email: "member@example.com" },
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already a member/);
  });

  it("every role sees the team's sessions; owner, admin and member control them; the viewer only watches", async () => {
    for (const role of ROLES) {
      const p = people[role];
      expect((await p.call("GET", `/api/v1/sessions/${teamSession}`)).status, role).toBe(200);
      const listed = await p.call("GET", `/api/v1/sessions?team=${teamId}`);
      expect(
        listed.body.items.map((s: { id: string }) => s.id),
        role,
      ).toEqual([teamSession]);
      const rename = await p.call("PATCH", `/api/v1/sessions/${teamSession}`, { body: { name: `by ${role}` } });
      const prompt = await p.call("POST", `/api/v1/sessions/${teamSession}/messages`, {
        body: { content: `hello from ${role}`, request_id: `req-${role}` },
      });
      if (role === "viewer") {
        expect(rename.status).toBe(403);
        expect(rename.body.message).toMatch(/viewer/);
        expect(prompt.status).toBe(403);
        expect((await p.call("POST", `/api/v1/sessions/${teamSession}/stop`)).status).toBe(403);
        expect((await p.call("DELETE", `/api/v1/sessions/${teamSession}`)).status).toBe(403);
      } else {
        expect(rename.status, role).toBe(200);
        expect(prompt.status, role).toBe(201);
      }
      expect((await p.call("GET", `/api/v1/sessions/${teamSession}/messages`)).status, role).toBe(200);
    }
    const thread = (await owner.call("GET", `/api/v1/sessions/${teamSession}/messages`)).body.items;
    expect(thread.map((e: { content: { text: string } }) => e.content.text)).toEqual([
      "hello from owner",
      "hello from admin",
      "hello from member",
    ]);
    // Each prompt says who sent it: several people share a team's session.
    expect(thread.map((e: { content: { author?: { email: string } } }) => e.content.author?.email)).toEqual([
      "owner@example.com",
      "teamadmin@example.com",
      "member@example.com",
    ]);
  });

  it("a stranger gets 404 for the team, its sessions and its members; their own list holds only their own", async () => {
    const mine = (await stranger.call("POST", "/api/v1/sessions", { body: { name: "stranger's", start: false } })).body;
    expect((await stranger.call("GET", `/api/v1/teams/${teamId}`)).status).toBe(404);
    expect((await stranger.call("GET", `/api/v1/teams/${teamId}/members`)).status).toBe(404);
    expect((await stranger.call("GET", `/api/v1/sessions/${teamSession}`)).status).toBe(404);
    const listed = await stranger.call("GET", "/api/v1/sessions");
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([mine.id]);
    const personal = await people.member.call("GET", "/api/v1/sessions?team=personal");
    expect(personal.body.items).toEqual([]);
  });

  it("viewers cannot create sessions in the team; members can", async () => {
    const v = await people.viewer.call("POST", "/api/v1/sessions", {
      body: { name: "x", team_id: teamId, start: false },
    });
    expect(v.status).toBe(403);
    const s = await stranger.call("POST", "/api/v1/sessions", { body: { name: "x", team_id: teamId, start: false } });
    expect(s.status).toBe(404);
  });

  it("only owners and admins manage members; only owners make owners", async () => {
    for (const role of ["member", "viewer"] as const) {
      const res = await people[role].call("PATCH", `/api/v1/teams/${teamId}/members/${people.viewer.id}`, {
        body: { role: "member" },
      });
      expect(res.status, role).toBe(403);
    }
    const promote = await people.admin.call("PATCH", `/api/v1/teams/${teamId}/members/${people.member.id}`, {
      body: { role: "owner" },
    });
    expect(promote.status).toBe(403);
    expect(promote.body.message).toMatch(/only an owner/);
    expect((await people.admin.call("GET", `/api/v1/teams/${teamId}/members`)).body.items).toHaveLength(4);
  });

  it("never leaves a team without an owner", async () => {
    const leave = await owner.call("DELETE", `/api/v1/teams/${teamId}/members/${owner.id}`);
    expect(leave.status).toBe(409);
    expect(leave.body.message).toMatch(/without an owner/);
    const demote = await owner.call("PATCH", `/api/v1/teams/${teamId}/members/${owner.id}`, {
      body: { role: "admin" },
    });
    expect(demote.status).toBe(409);
    // With a second owner the first may step down.
    await owner.call("PATCH", `/api/v1/teams/${teamId}/members/${people.admin.id}`, { body: { role: "owner" } });
    expect(
      (await owner.call("PATCH", `/api/v1/teams/${teamId}/members/${owner.id}`, { body: { role: "admin" } })).status,
    ).toBe(200);
    await people.admin.call("PATCH", `/api/v1/teams/${teamId}/members/${owner.id}`, { body: { role: "owner" } });
    await owner.call("PATCH", `/api/v1/teams/${teamId}/members/${people.admin.id}`, { body: { role: "admin" } });
    expect((await owner.call("GET", `/api/v1/teams/${teamId}`)).body.role).toBe("owner");
  });

  it("team providers: owners and admins add and change them, members use them, nobody sees the key", async () => {
    const byMember = await people.member.call("POST", "/api/v1/providers", {
      body: { name: "team-anthropic", kind: "anthropic", api_key: KEY, team_id: teamId },
    });
    expect(byMember.status).toBe(403);
    const created = await people.admin.call("POST", "/api/v1/providers", {
      body: { name: "team-anthropic", kind: "anthropic", api_key: KEY, team_id: teamId },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ team_id: teamId, api_key_set: true, api_key_last4: null });
    expect(JSON.stringify(created.body)).not.toContain(KEY.slice(-8));
    for (const role of ROLES) {
      const listed = await people[role].call("GET", "/api/v1/providers");
      expect(
        listed.body.items.map((p: { id: string }) => p.id),
        role,
      ).toContain(created.body.id);
      const patch = await people[role].call("PATCH", `/api/v1/providers/${created.body.id}`, {
        body: { name: `team-anthropic-${role}` },
      });
      expect(patch.status, role).toBe(role === "owner" || role === "admin" ? 200 : 403);
    }
    expect((await stranger.call("GET", `/api/v1/providers/${created.body.id}`)).status).toBe(404);
  });

  it("a member's event socket gets the team's session events; a stranger's gets only their own", async () => {
    const url = `${t.url.replace("http", "ws")}/api/v1/events`;
    const memberWs = new TestSocket(url, { authorization: `Bearer ${people.viewer.token}` });
    const strangerWs = new TestSocket(url, { authorization: `Bearer ${stranger.token}` });
    await memberWs.next((m) => m.type === "hello");
    await strangerWs.next((m) => m.type === "hello");
    await people.member.call("PATCH", `/api/v1/sessions/${teamSession}`, { body: { name: "renamed for the team" } });
    const seen = await memberWs.next((m) => m.type === "event" && m.event.session?.name === "renamed for the team");
    expect(seen.event.scope).toEqual({ type: "session", id: teamSession });
    // The marker: the stranger's own change, made after the team's, must arrive; the team's must not have.
    const marker = (await stranger.call("POST", "/api/v1/sessions", { body: { name: "marker", start: false } })).body;
    await strangerWs.next((m) => m.type === "event" && m.event.session_id === marker.id);
    expect(strangerWs.messages.some((m) => m.type === "event" && m.event.session_id === teamSession)).toBe(false);
    memberWs.close();
    strangerWs.close();
  });

  it("a removed member loses access at once, on the API and on an open event socket", async () => {
    const gone = await t.newUser("leaver@example.com");
    await owner.call("POST", `/api/v1/teams/${teamId}/members`, { body: { email: "leaver@example.com" } });
    expect((await gone.call("GET", `/api/v1/sessions/${teamSession}`)).status).toBe(200);
    const ws = new TestSocket(`${t.url.replace("http", "ws")}/api/v1/events`, {
      authorization: `Bearer ${gone.token}`,
    });
    await ws.next((m) => m.type === "hello");
    expect((await owner.call("DELETE", `/api/v1/teams/${teamId}/members/${gone.id}`)).status).toBe(204);
    // They hear that they were removed; after that, team events stop reaching them.
    await ws.next((m) => m.type === "event" && m.event.type === "team.updated" && m.event.member_user_id === gone.id);
    expect((await gone.call("GET", `/api/v1/sessions/${teamSession}`)).status).toBe(404);
    const before = ws.messages.length;
    await people.member.call("PATCH", `/api/v1/sessions/${teamSession}`, { body: { name: "after they left" } });
    const marker = (await gone.call("POST", "/api/v1/sessions", { body: { name: "leaver marker", start: false } }))
      .body;
    await ws.next((m) => m.type === "event" && m.event.session_id === marker.id);
    expect(ws.messages.slice(before).some((m) => m.type === "event" && m.event.session_id === teamSession)).toBe(false);
    ws.close();
  });

  it("a team with sessions cannot be deleted; the reason says what to do", async () => {
    const res = await owner.call("DELETE", `/api/v1/teams/${teamId}`);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/still has 1 session/);
    expect((await people.admin.call("DELETE", `/api/v1/teams/${teamId}`)).status).toBe(403);
  });
});
