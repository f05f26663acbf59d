import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeName, chainsFor } from "../../packages/node/src/index.js";
import { type Caller, caller } from "../support/http.js";
import { createTestDatabase, withClient } from "../support/postgres.js";
import { type ServerProcess, spawnServer } from "../support/process.js";
import {
  docker,
  dockerObjectExists,
  ensureDesktopImage,
  nodeOfDataDir,
  removeDataDirNode,
} from "../support/sandbox.js";
import { until } from "../support/wait.js";

const TOKEN = "strand_crash_test_token_0123456789";
const NODE = `crash-test-${process.pid}`;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
let server: ServerProcess | undefined;

const start = () =>
  spawnServer({
    node: true,
    dataDir,
    env: {
      DATABASE_URL: db.url,
      STRAND_ADMIN_PASSWORD: "crash test password",
      STRAND_ADMIN_TOKEN: TOKEN,
      STRAND_NODE_NAME: NODE,
      STRAND_SUBNET_POOL: "10.215.0.0/16",
    },
  });

const stateOf = (api: Caller, id: string) => api("GET", `/api/v1/sessions/${id}`).then((r) => r.body.state as string);

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "strand-crash-"));
}, 900_000);

afterAll(async () => {
  server?.proc.kill("SIGKILL");
  await server?.exited;
  await removeDataDirNode(dataDir);
  await db?.drop();
});

describe("SIGKILL of the server with desktops running and one being created", () => {
  it("adopts live sessions, finishes the interrupted start, removes leftovers, leaks nothing", async () => {
    server = await start();
    let api = caller(server.url, { token: TOKEN });
    const create = async (name: string) =>
      (await api("POST", "/api/v1/sessions", { body: { name } })).body.id as string;

    const kept = await create("kept");
    const orphan = await create("orphan");
    for (const id of [kept, orphan])
      await until(
        () => stateOf(api, id),
        (s) => s === "ready",
        `${id} ready`,
      );

    const interrupted = await create("interrupted");
    await until(
      () => stateOf(api, interrupted),
      (s) => s === "starting",
      "the start to begin",
      30_000,
    );
    server.proc.kill("SIGKILL");
    await server.exited;

    // While the server is down, the orphan's row disappears (as if deleted through another replica).
    await withClient(db.url, (c) => c.query("delete from sessions where id = $1", [orphan]));

    server = await start();
    api = caller(server.url, { token: TOKEN });
    await until(
      () => dockerObjectExists("container", `strand-${orphan}`),
      (e) => !e,
      "the orphan's removal",
      30_000,
    );
    expect(await dockerObjectExists("network", `strand-${orphan}`)).toBe(false);
    expect(await dockerObjectExists("volume", `strand-${orphan}-work`)).toBe(false);
    // Its firewall rules go with it: the chains are rewritten from the networks that exist.
    const chain = chainsFor(nodeOfDataDir(dataDir).id).forward;
    const rules = execFileSync("iptables", ["-w", "5", "-S", chain]).toString();
    expect(rules).not.toContain(bridgeName(orphan));
    expect(rules).toContain(bridgeName(kept));

    const resumed = await until(
      async () => (await api("GET", `/api/v1/sessions/${interrupted}`)).body,
      (s) => s.state === "ready" || s.state === "failed",
      "the interrupted session to be ready",
    );
    expect(resumed.state, `the interrupted session: ${resumed.state_reason}`).toBe("ready");
    expect(await stateOf(api, kept)).toBe("ready");
    expect((await docker.getContainer(`strand-${kept}`).inspect()).State.Running).toBe(true);

    for (const id of [kept, interrupted]) await api("DELETE", `/api/v1/sessions/${id}`);
    for (const id of [kept, interrupted]) {
      await until(
        () => api("GET", `/api/v1/sessions/${id}`).then((r) => r.status),
        (s) => s === 404,
        `${id} deleted`,
        60_000,
      );
    }
    const filters = { label: [`strand.node=${nodeOfDataDir(dataDir).id}`] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  }, 600_000);
});
