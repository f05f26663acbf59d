import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerSandboxDriver } from "../../packages/node/src/index.js";
import { createLogger, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { caller } from "../support/http.js";
import { docker, ensureDesktopImage, removeNodeObjects } from "../support/sandbox.js";
import { ADMIN_TOKEN } from "../support/server.js";
import { TestSocket } from "../support/ws.js";

/** A server whose embedded node is configured per test (capacity, Docker endpoint). */
async function serverWith(opts: { maxSessions: number; docker?: Docker; name: string }) {
  const dataDir = mkdtempSync(join(tmpdir(), "strand-faults-"));
  const config = resolveConfig(
    { STRAND_ADMIN_PASSWORD: "faults password", STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "0.0.0.0", dataDir },
  );
  const log = createLogger("silent");
  const node = { id: opts.name, stateDir: join(dataDir, "node") };
  const server = await startServer(config, log, {
    driverFactory: async (port) =>
      DockerSandboxDriver.open({
        docker: opts.docker ?? docker,
        id: node.id,
        stateDir: node.stateDir,
        name: opts.name,
        maxSessions: opts.maxSessions,
        serverPort: port,
        subnetPool: "10.216.0.0/16",
        log,
      }),
  });
  const url = `http://127.0.0.1:${server.port}`;
  const ws = new TestSocket(`${url.replace("http", "ws")}/api/v1/events`, { authorization: `Bearer ${ADMIN_TOKEN}` });
  await ws.next((m) => m.type === "hello");
  return {
    api: caller(url, { token: ADMIN_TOKEN }),
    ws,
    until: (id: string, pred: (s: { state: string; state_reason: string | null }) => boolean, ms = 120_000) =>
      ws.next((m) => m.type === "event" && m.event.session_id === id && pred(m.event.session), ms),
    async stop() {
      ws.close();
      await server.close();
      await removeNodeObjects(node);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

beforeAll(() => ensureDesktopImage("xfce"), 900_000);
const name = (suffix: string) => `faults-${suffix}-${process.pid}`;

describe("sandbox faults", () => {
  let s: Awaited<ReturnType<typeof serverWith>> | undefined;
  afterAll(() => s?.stop());

  it("a desktop whose image is not built fails with the command to build it", async () => {
    s = await serverWith({ maxSessions: 2, name: name("image") });
    const { id } = (await s.api("POST", "/api/v1/sessions", { body: { name: "no image", desktop: "gnome" } })).body;
    const failed = await s.until(id, (x) => x.state === "failed", 30_000);
    expect(failed.event.session.state_reason).toMatch(/strand images build --desktop gnome/);
    await s.stop();
    s = undefined;
  });

  it("a node at capacity keeps the next session waiting with a reason, then starts it when room frees up", async () => {
    s = await serverWith({ maxSessions: 1, name: name("capacity") });
    const first = (await s.api("POST", "/api/v1/sessions", { body: { name: "first" } })).body.id;
    await s.until(first, (x) => x.state === "ready");
    const second = (await s.api("POST", "/api/v1/sessions", { body: { name: "second" } })).body.id;
    const waiting = await s.until(second, (x) => /maximum of 1 sessions/.test(x.state_reason ?? ""), 30_000);
    expect(waiting.event.session.state).toBe("pending");
    await s.api("POST", `/api/v1/sessions/${first}/stop`);
    await s.until(second, (x) => x.state === "ready");
    await s.stop();
    s = undefined;
  }, 300_000);

  it("a Docker Engine that cannot be reached fails the session with a reason, and the server keeps serving", async () => {
    s = await serverWith({
      maxSessions: 2,
      name: name("nodocker"),
      docker: new Docker({ socketPath: "/nonexistent/docker.sock" }),
    });
    const { id } = (await s.api("POST", "/api/v1/sessions", { body: { name: "orphaned" } })).body;
    const failed = await s.until(id, (x) => x.state === "failed", 30_000);
    expect(failed.event.session.state_reason).toMatch(/Docker Engine on node .* is not reachable/);
    expect((await s.api("GET", "/api/v1/sessions")).status).toBe(200);
  });
});
