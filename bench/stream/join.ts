/**
 * bench/stream/join: how fast a joining viewer gets its first frame (budget: ≤ 150 ms), on the real
 * gateway with agentd played by a script streaming real H.264 (test/fixtures/h264) at 30 fps.
 * Measures the socket (upgrade → first video frame, catch-up replay included) and Chromium
 * (socket open → first painted frame, WebCodecs). Prints figures; asserts nothing.
 *
 *   npm run bench:stream:join            # BENCH_JOINS=50 BENCH_PAGES=10 by default
 */
import { VideoFlags } from "@strand/protocol";
import { launchBrowser, login, newContext, viewerState } from "../../test/support/browser.js";
import { loadH264Fixture } from "../../test/support/h264-fixture.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, startTestServer } from "../../test/support/server.js";
import { ScriptedAgent, StreamClient, sessionToken } from "../../test/support/stream.js";
import { until } from "../../test/support/wait.js";

const JOINS = Number(process.env.BENCH_JOINS ?? 50);
const PAGES = Number(process.env.BENCH_PAGES ?? 10);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1)} ms  p95 ${pct(xs, 95).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms  (n=${xs.length})`;

const t = await startTestServer();
try {
  const ownerId = (await t.admin("GET", "/api/v1/me")).body.id;
  const id = (await t.admin("POST", "/api/v1/sessions", { body: { name: "bench", start: false } })).body.id;
  const agent = await ScriptedAgent.connect(t.url, await sessionToken(t.server.database.db, ownerId, id), id);
  const frames = loadH264Fixture();
  let i = 0;
  let seq = 0;
  const timer = setInterval(() => {
    const f = frames[i++ % frames.length];
    if (!f) return;
    agent.sendFrame({
      flags: f.keyframe ? VideoFlags.keyframe : 0,
      seq: seq++,
      captureUs: BigInt(Date.now()) * 1000n,
      width: 640,
      height: 360,
      data: f.data,
    });
  }, 1000 / 30);
  // A first viewer keeps the encoder running; the others join while the GOP grows and shrinks.
  const keeper = await StreamClient.open(t.url, id, { authorization: `Bearer ${ADMIN_TOKEN}` });
  await new Promise((r) => setTimeout(r, 500));

  const socketJoins: number[] = [];
  const replayed: number[] = [];
  for (let n = 0; n < JOINS; n++) {
    const started = performance.now();
    const v = await StreamClient.open(t.url, id, { authorization: `Bearer ${ADMIN_TOKEN}` });
    await v.nextFrame((f) => f.type === "video" && (f.flags & VideoFlags.catchUp) === 0);
    socketJoins.push(performance.now() - started);
    replayed.push(v.videos.length);
    await v.close();
    await new Promise((r) => setTimeout(r, 37));
  }

  const browser = await launchBrowser();
  const pageJoins: number[] = [];
  try {
    for (let n = 0; n < PAGES; n++) {
      const context = await newContext(browser, t.url);
      const page = await context.newPage();
      await login(page, ADMIN_EMAIL, ADMIN_PASSWORD, `/sessions/${id}`);
      const hook = await until(
        () => viewerState(page),
        (h) => (h?.firstPaintAt ?? 0) > 0,
        "a painted frame",
        10_000,
      );
      if (hook) pageJoins.push(hook.firstPaintAt - hook.firstOpenAt);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  clearInterval(timer);
  await keeper.close();
  await agent.close();

  process.stdout.write(
    [
      "stream join → first frame (budget ≤ 150 ms), 640×360 H.264 at 30 fps, GOP of 30 frames",
      `  socket, upgrade → first painted frame:  ${fmt(socketJoins)}`,
      `    frames replayed per join: p50 ${pct(replayed, 50)}  max ${Math.max(...replayed)}`,
      `  Chromium, socket open → first paint:    ${fmt(pageJoins)}`,
      "",
    ].join("\n"),
  );
} finally {
  await t.stop();
}
