import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Caller, caller } from "../support/http.js";
import { type ServerProcess, spawnServer } from "../support/process.js";
import { docker, ensureDesktopImage, exec, removeDataDirNode } from "../support/sandbox.js";
import { until } from "../support/wait.js";

/**
 * Two `strand server` processes on one Docker Engine, as an installed Strand and the test suite
 * would be: different data dirs, and the same node name (both default to the host name).
 */
const TOKEN = "strand_two_strands_token_0123456789";

interface Strand {
  name: string;
  dataDir: string;
  server: ServerProcess;
  api: Caller;
  session: string;
  containerId: string;
}

const strands: Strand[] = [];

async function spawn(dataDir: string, port?: number): Promise<ServerProcess> {
  return spawnServer({
    node: true,
    dataDir,
    ...(port ? { port } : {}),
    // No STRAND_NODE_NAME and the default subnet pool: exactly what ./install.sh runs.
    env: { STRAND_ADMIN_PASSWORD: "two strands password", STRAND_ADMIN_TOKEN: TOKEN, LOG_LEVEL: "warn" },
  });
}

const stateOf = (s: Strand) => s.api("GET", `/api/v1/sessions/${s.session}`).then((r) => r.body);
const ready = (s: Strand) =>
  until(
    () => stateOf(s),
    (x) => x.state === "ready",
    `${s.name}'s session ready`,
    120_000,
  );
const asAgent = (s: Strand, script: string) => exec(`strand-${s.session}`, ["bash", "-c", script], "agent");

async function restart(s: Strand): Promise<void> {
  const port = s.server.port;
  s.server.proc.kill("SIGTERM");
  await s.server.exited;
  s.server = await spawn(s.dataDir, port);
  s.api = caller(s.server.url, { token: TOKEN });
}

/** Everything of `s` is as it was: same container, running, ready, its files, its server in reach. */
async function expectUntouched(s: Strand, other: Strand): Promise<void> {
  expect((await stateOf(s)).state).toBe("ready");
  const info = await docker.getContainer(`strand-${s.session}`).inspect();
  expect(info.Id).toBe(s.containerId);
  expect(info.State.Running).toBe(true);
  for (const v of [`strand-${s.session}-work`, `strand-${s.session}-home`]) {
    expect((await docker.getVolume(v).inspect()).Name).toBe(v);
  }
  expect((await asAgent(s, "cat ~/work/marker.txt")).output.trim()).toBe(`work of ${s.name}`);
  // Its firewall still lets it reach its own server, and (another node's rules aside) nothing else.
  const gateway = Object.values(info.NetworkSettings.Networks)[0]?.Gateway as string;
  const probe = (port: number) =>
    asAgent(s, `curl -s -o /dev/null -m 3 -w '%{http_code}' http://${gateway}:${port}/healthz; true`);
  expect((await probe(s.server.port)).output.trim()).toBe("200");
  expect((await probe(other.server.port)).output.trim()).not.toBe("200");
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  for (const name of ["first", "second"]) {
    const dataDir = mkdtempSync(join(tmpdir(), `strand-two-${name}-`));
    const server = await spawn(dataDir);
    const api = caller(server.url, { token: TOKEN });
    const session = (await api("POST", "/api/v1/sessions", { body: { name: `${name}'s work` } })).body.id;
    strands.push({ name, dataDir, server, api, session, containerId: "" });
  }
  for (const s of strands) {
    await ready(s);
    s.containerId = (await docker.getContainer(`strand-${s.session}`).inspect()).Id;
    await asAgent(s, `echo 'work of ${s.name}' > ~/work/marker.txt`);
  }
}, 900_000);

afterAll(async () => {
  for (const s of strands) {
    await s.api("DELETE", `/api/v1/sessions/${s.session}`).catch(() => {});
    await until(
      () => s.api("GET", `/api/v1/sessions/${s.session}`).then((r) => r.status),
      (st) => st === 404,
      "deleted",
      60_000,
    ).catch(() => {});
    s.server.proc.kill("SIGTERM");
    await s.server.exited;
    await removeDataDirNode(s.dataDir);
    rmSync(s.dataDir, { recursive: true, force: true });
  }
}, 180_000);

describe("two Strands on one Docker Engine, same node name, different data dirs", () => {
  it("have different node identities", async () => {
    const [a, b] = strands as [Strand, Strand];
    const nodeOf = async (s: Strand) => (await s.api("GET", "/api/v1/nodes")).body.items[0];
    const [na, nb] = [await nodeOf(a), await nodeOf(b)];
    expect(na.name).toBe(nb.name);
    expect(na.id).not.toBe(nb.id);
  });

  it("each keeps its sessions across restarts of the other", async () => {
    const [a, b] = strands as [Strand, Strand];
    await restart(b);
    await ready(b);
    await expectUntouched(a, b);
    await expectUntouched(b, a);

    await restart(a);
    await ready(a);
    await expectUntouched(b, a);
    await expectUntouched(a, b);
  }, 300_000);

  it("deleting a session in one leaves the other's alone", async () => {
    const [a, b] = strands as [Strand, Strand];
    const extra = (await a.api("POST", "/api/v1/sessions", { body: { name: "short-lived" } })).body.id;
    await until(
      () => a.api("GET", `/api/v1/sessions/${extra}`).then((r) => r.body.state),
      (st) => st === "ready",
      "extra ready",
      120_000,
    );
    await a.api("DELETE", `/api/v1/sessions/${extra}`);
    await until(
      () => a.api("GET", `/api/v1/sessions/${extra}`).then((r) => r.status),
      (st) => st === 404,
      "extra deleted",
      60_000,
    );
    await expectUntouched(b, a);
  }, 240_000);
});
