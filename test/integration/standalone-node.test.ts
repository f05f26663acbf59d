import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caller } from "../support/http.js";
import { type ServerProcess, STRAND_BIN, spawnServer } from "../support/process.js";
import { docker, ensureDesktopImage, removeNodeObjects } from "../support/sandbox.js";
import { until } from "../support/wait.js";

const TOKEN = "strand_node_link_token_0123456789";
const NODE = `remote-${process.pid}`;
// The node's identity lives in its state dir; a restarted node process finds it there.
const STATE_DIR = mkdtempSync(join(tmpdir(), "strand-node-state-"));
let server: ServerProcess;
let node: ChildProcess | undefined;

/** This host's own address on its main interface: what a node on another host would dial. */
function hostAddress(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(lo|docker|br-|st-|veth|stn-)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error("no external IPv4 address on this host");
}

function startNode(serverUrl: string): ChildProcess {
  const args = ["node", "--server", serverUrl, "--token", TOKEN, "--state-dir", STATE_DIR];
  const p = spawn(process.execPath, [STRAND_BIN, ...args], {
    env: { ...process.env, STRAND_NODE_NAME: NODE, STRAND_SUBNET_POOL: "10.217.0.0/16", LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  return p;
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  server = await spawnServer({
    host: "0.0.0.0",
    dataDir: mkdtempSync(join(tmpdir(), "strand-remote-")),
    env: { STRAND_ADMIN_PASSWORD: "remote node password", STRAND_ADMIN_TOKEN: TOKEN },
  });
}, 900_000);

afterAll(async () => {
  node?.kill("SIGKILL");
  server?.proc.kill("SIGTERM");
  await server?.exited;
  await removeNodeObjects(nodeOfStateDir());
  rmSync(STATE_DIR, { recursive: true, force: true });
});

function nodeOfStateDir() {
  return { id: readFileSync(join(STATE_DIR, "id"), "utf8").trim(), stateDir: STATE_DIR };
}

describe("a standalone node dialling the server", () => {
  it("registers, runs a session, survives its own restart, and cleans up on delete", async () => {
    const serverUrl = `http://${hostAddress()}:${server.port}`;
    const api = caller(server.url, { token: TOKEN });
    node = startNode(serverUrl);
    const nodeOnline = () =>
      api("GET", "/api/v1/nodes").then((r) => r.body.items.find((n: { name: string }) => n.name === NODE));
    const listed = await until(nodeOnline, (n) => n?.status === "online", "the node to register", 30_000);
    expect(listed.max_sessions).toBe(40);

    const { id } = (await api("POST", "/api/v1/sessions", { body: { name: "far away" } })).body;
    const ready = await until(
      () => api("GET", `/api/v1/sessions/${id}`).then((r) => r.body),
      (s) => s.state === "ready" || s.state === "failed",
      "the session to start",
    );
    expect(ready.state_reason).toBeNull();
    expect(ready.state).toBe("ready");
    // The id is the node's own, generated once in its state dir, not its name.
    const nodeId = nodeOfStateDir().id;
    expect(nodeId).not.toBe(NODE);
    expect(ready.node_id).toBe(`nod_${nodeId}`);

    // The node process dies; its desktop does not, and a new node process takes it over.
    node.kill("SIGKILL");
    await until(nodeOnline, (n) => n?.status === "offline", "the node to be seen offline", 40_000);
    expect((await docker.getContainer(`strand-${id}`).inspect()).State.Running).toBe(true);
    node = startNode(serverUrl);
    await until(nodeOnline, (n) => n?.status === "online", "the node to come back", 30_000);
    expect((await api("GET", `/api/v1/sessions/${id}`)).body.state).toBe("ready");

    await api("DELETE", `/api/v1/sessions/${id}`);
    await until(
      () => api("GET", `/api/v1/sessions/${id}`).then((r) => r.status),
      (s) => s === 404,
      "deletion",
      60_000,
    );
    expect(await docker.listContainers({ all: true, filters: { label: [`strand.node=${nodeId}`] } })).toEqual([]);
  }, 600_000);

  it("refuses a node without an admin token", async () => {
    const res = await fetch(`${server.url}/api/v1/nodes/connect`);
    expect(res.status).toBe(401);
  });
});
