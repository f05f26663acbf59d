import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { ScriptedAgent, sessionToken } from "../../../test/support/stream.js";

let t: TestServer;
let user: { id: string; token: string };
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  t = await startTestServer();
  const u = await t.newUser("thumbs@example.com");
  user = { id: u.id, token: u.token };
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => t?.stop());

// A 1×1 JPEG is enough: the server passes the bytes through untouched.
const JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
  "base64",
);

const get = (id: string, token = user.token) =>
  fetch(`${t.url}/api/v1/sessions/${id}/thumbnail?t=1`, { headers: { authorization: `Bearer ${token}` } });

async function newSession(): Promise<string> {
  const res = await t.as({ token: user.token })("POST", "/api/v1/sessions", { body: { name: "thumb", start: false } });
  return res.body.id;
}

async function agentFor(sessionId: string): Promise<ScriptedAgent> {
  const a = await ScriptedAgent.connect(t.url, await sessionToken(t.server.database.db, user.id, sessionId), sessionId);
  open.push(a);
  return a;
}

/** Answers every thumbnail request with `JPEG`, counting them. */
function answer(agent: ScriptedAgent, reply: (id: string) => Record<string, unknown>): () => number {
  let n = 0;
  agent.ws.on("message", (data, isBinary) => {
    if (isBinary) return;
    const msg = JSON.parse(data.toString());
    if (msg.type !== "thumbnail.request") return;
    n++;
    expect(msg).toMatchObject({ max_width: 320, max_height: 320 });
    agent.send({ type: "thumbnail", id: msg.id, ...reply(msg.id) });
  });
  return () => n;
}

describe(`session thumbnails (${process.env.STRAND_TEST_DB})`, () => {
  it("asks the session's agentd for a still and serves it as an image, sharing one grab", async () => {
    const id = await newSession();
    const agent = await agentFor(id);
    const asked = answer(agent, () => ({ mime: "image/jpeg", width: 1, height: 1, data: JPEG.toString("base64") }));
    const [a, b] = await Promise.all([get(id), get(id)]);
    expect(a.status).toBe(200);
    expect(a.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await a.arrayBuffer())).toEqual(JPEG);
    expect(Buffer.from(await b.arrayBuffer())).toEqual(JPEG);
    expect((await get(id)).status).toBe(200);
    // Two concurrent requests and one within THUMBNAIL_FRESH_MS of them: one grab.
    expect(asked()).toBe(1);
  });

  it("says why there is no picture: no agent here, or agentd could not take one", async () => {
    const id = await newSession();
    const none = await get(id);
    expect(none.status).toBe(503);
    expect(await none.json()).toMatchObject({ error: "thumbnail_unavailable", message: /not connected/ });

    const agent = await agentFor(id);
    answer(agent, () => ({ error: "cannot open X display :1" }));
    const failed = await get(id);
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { message: string }).message).toMatch(/cannot open X display/);
  });

  it("answers like a missing session for someone else's session", async () => {
    const id = await newSession();
    const other = await t.newUser("thumbs-other@example.com");
    expect((await get(id, other.token)).status).toBe(404);
    expect((await fetch(`${t.url}/api/v1/sessions/${id}/thumbnail`)).status).toBe(401);
  });
});
