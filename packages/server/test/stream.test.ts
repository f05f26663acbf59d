import { encodeFrame, FrameType, type PongFrame, StreamErrorCodes, VideoFlags } from "@strand/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, loginCookie, startTestServer, type TestServer } from "../../../test/support/server.js";
import { isCatchUp, ScriptedAgent, StreamClient, sessionToken } from "../../../test/support/stream.js";
import { until } from "../../../test/support/wait.js";
import { STOP_GRACE_MS } from "../src/stream/hub.js";

let t: TestServer;
let user: { id: string; token: string };
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  t = await startTestServer();
  const u = await t.newUser("viewer@example.com");
  user = { id: u.id, token: u.token };
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => t?.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function newSession(token = user.token): Promise<string> {
  const res = await t.as({ token })("POST", "/api/v1/sessions", { body: { name: "watched", start: false } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function viewer(sessionId: string, query = "", token = user.token): Promise<StreamClient> {
  const v = await StreamClient.open(t.url, sessionId, bearer(token), query);
  open.push(v);
  return v;
}

async function agentFor(sessionId: string, ownerId = user.id): Promise<ScriptedAgent> {
  const a = await ScriptedAgent.connect(t.url, await sessionToken(t.server.database.db, ownerId, sessionId), sessionId);
  open.push(a);
  return a;
}

let seq = 0;
/** Sends a keyframe followed by `deltas` delta frames; returns their sequence numbers. */
function sendGop(agent: ScriptedAgent, deltas: number, bytes = 1000): number[] {
  const seqs: number[] = [];
  for (let i = 0; i <= deltas; i++) {
    const s = seq++;
    seqs.push(s);
    agent.sendFrame({
      flags: i === 0 ? VideoFlags.keyframe : 0,
      seq: s,
      captureUs: BigInt(Date.now()) * 1000n,
      width: 1280,
      height: 720,
      data: new Uint8Array(bytes).fill(s % 251),
    });
  }
  return seqs;
}

const streamInfo = { type: "stream.info", codec: "h264", width: 1280, height: 720, fps: 30, encoder: "x264" };

async function metric(name: string): Promise<number> {
  const text = (await t.admin("GET", "/metrics")).text;
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe(`stream gateway (${process.env.STRAND_TEST_DB})`, () => {
  it("refuses anonymous callers, session tokens, other users' and missing sessions alike", async () => {
    const id = await newSession();
    await expect(StreamClient.open(t.url, id, {})).rejects.toThrow(/HTTP 401/);
    const tok = await sessionToken(t.server.database.db, user.id, id);
    await expect(StreamClient.open(t.url, id, bearer(tok))).rejects.toThrow(/HTTP 401/);
    const other = await t.newUser("other-viewer@example.com");
    await expect(StreamClient.open(t.url, id, bearer(other.token))).rejects.toThrow(/HTTP 404/);
    await expect(StreamClient.open(t.url, "ses_missing", bearer(user.token))).rejects.toThrow(/HTTP 404/);
    // An admin may watch anyone's session.
    open.push(await StreamClient.open(t.url, id, bearer(ADMIN_TOKEN)));
  });

  it("takes the login cookie only from the server's own pages", async () => {
    const id = await newSession(ADMIN_TOKEN);
    const cookie = await loginCookie(t.url, "admin@example.com", "correct horse battery");
    const host = new URL(t.url).host;
    open.push(await StreamClient.open(t.url, id, { cookie, origin: `http://${host}` }));
    await expect(StreamClient.open(t.url, id, { cookie, origin: "http://evil.example" })).rejects.toThrow(/HTTP 403/);
  });

  it("tells a viewer there is no agent yet, keeps it, and starts the picture when agentd connects", async () => {
    const id = await newSession();
    const v = await viewer(id);
    const err = await v.nextControl((m) => m.type === "error");
    expect(err.error).toBe(StreamErrorCodes.agentOffline);
    expect(err.message).toMatch(/stopped/);
    const agent = await agentFor(id);
    expect(await agent.next((m) => m.type === "stream.start")).toEqual({
      type: "stream.start",
      fps: 30,
      bitrate_kbps: 2500,
    });
    agent.send(streamInfo);
    expect(await v.nextControl((m) => m.type === "init")).toEqual({
      type: "init",
      codec: "h264",
      width: 1280,
      height: 720,
      fps: 30,
      view_only: false,
    });
    const [key] = sendGop(agent, 0);
    const f = await v.nextFrame((x) => x.type === "video");
    expect(f).toMatchObject({ seq: key, flags: VideoFlags.keyframe });
  });

  it("replays the cached GOP to a joiner: catch-up frames first, the newest one painted", async () => {
    const id = await newSession();
    const first = await viewer(id);
    const agent = await agentFor(id);
    await agent.next((m) => m.type === "stream.start");
    agent.send(streamInfo);
    sendGop(agent, 2); // an older GOP the joiner must not get
    const gop = sendGop(agent, 4);
    await until(
      async () => first.videos.length,
      (n) => n === 8,
      "first viewer's frames",
      5_000,
    );
    expect(first.videos.every((f) => !isCatchUp(f))).toBe(true);

    const joiner = await viewer(id);
    await joiner.nextControl((m) => m.type === "init");
    await until(
      async () => joiner.videos.length,
      (n) => n === gop.length,
      "the replayed GOP",
      5_000,
    );
    expect(joiner.videos.map((f) => f.seq)).toEqual(gop);
    expect(joiner.videos.map(isCatchUp)).toEqual([true, true, true, true, false]);
    expect(joiner.videos[0]?.flags).toBe(VideoFlags.keyframe | VideoFlags.catchUp);
    // The init comes before any frame, and both viewers then get live frames alike.
    const next = sendGop(agent, 0)[0];
    await first.nextFrame((f) => f.type === "video" && f.seq === next);
    await joiner.nextFrame((f) => f.type === "video" && f.seq === next);
    expect(agent.count("stream.start")).toBe(1);
    expect(agent.count("stream.keyframe")).toBe(0);
  });

  it("starts the encoder for the first viewer and stops it a grace period after the last leaves", async () => {
    const id = await newSession();
    const agent = await agentFor(id);
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.count("stream.start")).toBe(0);
    const a = await viewer(id);
    const b = await viewer(id);
    await agent.next((m) => m.type === "stream.start");
    await a.close();
    await b.close();
    // A viewer that reloads within the grace period finds the encoder still running.
    await new Promise((r) => setTimeout(r, STOP_GRACE_MS / 2));
    const c = await viewer(id);
    await new Promise((r) => setTimeout(r, STOP_GRACE_MS));
    expect(agent.count("stream.stop")).toBe(0);
    expect(agent.count("stream.start")).toBe(1);
    const left = Date.now();
    await c.close();
    await agent.next((m) => m.type === "stream.stop", STOP_GRACE_MS + 2_000);
    expect(Date.now() - left).toBeGreaterThanOrEqual(STOP_GRACE_MS - 50);
    // And the next viewer starts it again.
    await viewer(id);
    await until(
      async () => agent.count("stream.start"),
      (n) => n === 2,
      "a second stream.start",
      3_000,
    );
  });

  it("skips a viewer that stops reading while the other keeps every frame, then resyncs it", async () => {
    const id = await newSession();
    const fast = await viewer(id);
    const slow = await viewer(id);
    const agent = await agentFor(id);
    await agent.next((m) => m.type === "stream.start");
    agent.send(streamInfo);
    await slow.nextControl((m) => m.type === "init");
    slow.pauseReading();
    const dropsBefore = await metric("strand_stream_frames_dropped_total");
    // 30 MiB of video: far more than the kernel buffers and the gateway's bound hold.
    const seqs: number[] = [];
    for (let gop = 0; gop < 10; gop++) {
      const sent = sendGop(agent, 14, 200_000);
      seqs.push(...sent);
      // Paced by the reading viewer, so only the paused one can fall behind, however busy the machine.
      await fast.nextFrame((f) => f.type === "video" && f.seq === sent[sent.length - 1], 15_000);
    }
    const newest = seqs[seqs.length - 1] as number;
    expect(fast.videos.map((f) => f.seq)).toEqual(seqs);
    expect(await metric("strand_stream_frames_dropped_total")).toBeGreaterThan(dropsBefore);
    slow.resumeReading();
    await slow.nextFrame((f) => f.type === "video" && f.seq === newest, 15_000);
    const last = slow.videos[slow.videos.length - 1];
    expect(last?.seq).toBe(newest);
    expect(last && isCatchUp(last)).toBe(false);
    // It skipped frames, and its catch-up replay started from the newest GOP's keyframe.
    expect(slow.videos.length).toBeLessThan(seqs.length);
    const replayStart = slow.videos.findLastIndex((f) => isCatchUp(f) && (f.flags & VideoFlags.keyframe) !== 0);
    expect(replayStart).toBeGreaterThanOrEqual(0);
    expect(slow.videos.slice(replayStart).map((f) => f.seq)).toEqual(seqs.slice(-15));
    // The gateway did not queue the backlog for it: what reached it is bounded by the socket buffers,
    // the 1 MiB high-water mark and one GOP, far below the 30 MiB sent.
    const received = slow.videos.reduce((n, f) => n + f.data.byteLength, 0);
    expect(received).toBeLessThan(16 * 1024 * 1024);
  }, 60_000);

  it("drops a view-only viewer's input with one error, and forwards the others' as sent", async () => {
    const id = await newSession();
    const agent = await agentFor(id);
    const watcher = await viewer(id, "?view_only=1");
    const driver = await viewer(id);
    await agent.next((m) => m.type === "stream.start");
    agent.send(streamInfo);
    expect((await watcher.nextControl((m) => m.type === "init")).view_only).toBe(true);
    const key = { type: "key", down: true, modifiers: 0, keysym: 0x61, code: 30 } as const;
    for (let i = 0; i < 5; i++) watcher.send(key);
    watcher.sendJson({ type: "clipboard", text: "from a watcher" });
    driver.send(key);
    driver.send({ type: "mouseAbs", x: 100, y: 200 });
    driver.sendJson({ type: "clipboard", text: "from the driver" });
    driver.sendJson({ type: "resize", width: 1024, height: 768 });
    await until(
      async () => agent.input.length,
      (n) => n === 2,
      "the driver's input at agentd",
      5_000,
    );
    expect(agent.input[0]).toEqual(encodeFrame(key));
    expect(agent.input[1]).toEqual(encodeFrame({ type: "mouseAbs", x: 100, y: 200 }));
    await agent.next((m) => m.type === "resize" && m.width === 1024 && m.height === 768);
    await agent.next((m) => m.type === "clipboard");
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.messages.filter((m) => m.type === "clipboard")).toEqual([
      { type: "clipboard", text: "from the driver" },
    ]);
    expect(agent.input).toHaveLength(2);
    expect(watcher.control.filter((m) => m.type === "error")).toEqual([
      { type: "error", error: StreamErrorCodes.viewOnly, message: expect.stringMatching(/view-only/) },
    ]);
  });

  it("limits an input flood per viewer and says so about once a second", async () => {
    const id = await newSession();
    const agent = await agentFor(id);
    const v = await viewer(id);
    const started = performance.now();
    for (let i = 0; i < 5_000; i++) v.send({ type: "mouseAbs", x: i % 65535, y: 7 });
    await v.nextControl((m) => m.type === "error" && m.error === StreamErrorCodes.rateLimited);
    await new Promise((r) => setTimeout(r, 300));
    const elapsed = (performance.now() - started) / 1000;
    expect(agent.input.length).toBeGreaterThanOrEqual(500);
    expect(agent.input.length).toBeLessThanOrEqual(500 + Math.ceil(elapsed * 1000) + 10);
    const errors = v.control.filter((m) => m.error === StreamErrorCodes.rateLimited).length;
    expect(errors).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
  });

  it("answers malformed frames with an error and keeps the connection; ping gets a pong", async () => {
    const id = await newSession();
    const agent = await agentFor(id);
    const v = await viewer(id);
    await agent.next((m) => m.type === "stream.start");
    v.sendRaw(new Uint8Array([FrameType.key, 1, 0]));
    const e1 = await v.nextControl((m) => m.error === StreamErrorCodes.invalidFrame);
    expect(e1.message).toMatch(/key frame must be 10 bytes, got 3/);
    v.sendJson("{not json");
    await v.nextControl((m) => m.error === StreamErrorCodes.invalidMessage);
    sendGop(agent, 0);
    await v.nextFrame((f) => f.type === "video");
    v.send({ type: "ping", id: 42, clientMs: 1234.5 });
    const pong = (await v.nextFrame((f) => f.type === "pong")) as PongFrame;
    expect(pong).toMatchObject({ id: 42, clientMs: 1234.5 });
    expect(pong.serverHoldUs).toBeLessThan(100_000);
    expect(pong.lastFrameAgeUs).toBeLessThan(10_000_000);
    expect(agent.input).toHaveLength(0);
    expect(v.ws.readyState).toBe(v.ws.OPEN);
  });

  it("relays clipboard and cursor from the desktop to every viewer", async () => {
    const id = await newSession();
    const agent = await agentFor(id);
    const a = await viewer(id);
    const b = await viewer(id, "?view_only=1");
    agent.send({ type: "clipboard", text: "copied in the desktop" });
    agent.send({ type: "cursor", name: "text", hidden: false });
    for (const v of [a, b]) {
      await v.nextControl((m) => m.type === "clipboard" && m.text === "copied in the desktop");
      await v.nextControl((m) => m.type === "cursor" && m.name === "text");
    }
    // A later viewer learns the cursor shape at once.
    const c = await viewer(id);
    await c.nextControl((m) => m.type === "cursor" && m.name === "text");
  });

  it("recovers when agentd reconnects: viewers are told, the new agentd is started, frames resume", async () => {
    const id = await newSession();
    const v = await viewer(id);
    const first = await agentFor(id);
    await first.next((m) => m.type === "stream.start");
    first.send(streamInfo);
    sendGop(first, 1);
    await until(
      async () => v.videos.length,
      (n) => n === 2,
      "frames from the first agentd",
      5_000,
    );
    await first.close();
    await v.nextControl((m) => m.error === StreamErrorCodes.agentOffline && /disconnected/.test(m.message));
    const second = await agentFor(id);
    await second.next((m) => m.type === "stream.start");
    second.send(streamInfo);
    const [key] = sendGop(second, 0);
    await v.nextFrame((f) => f.type === "video" && f.seq === key);
    // A joiner now gets only the new agentd's GOP.
    const joiner = await viewer(id);
    await until(
      async () => joiner.videos.map((f) => f.seq),
      (s) => s.length === 1,
      "replay",
      5_000,
    );
    expect(joiner.videos[0]?.seq).toBe(key);
  });

  it("lowers the encoder's rate when a viewer reports it falls behind", async () => {
    const id = await newSession();
    const agent = await agentFor(id);
    const v = await viewer(id);
    await agent.next((m) => m.type === "stream.start");
    v.sendJson({ type: "viewer-state", last_seq: 0, decode_queue: 20, dropped: 0 });
    const adjust = await agent.next((m) => m.type === "stream.adjust", 3_000);
    expect(adjust).toMatchObject({ fps: 30 });
    expect((adjust as { bitrate_kbps: number }).bitrate_kbps).toBeLessThan(2500);
  });
});
