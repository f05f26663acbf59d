import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { DockerSandboxDriver, demux, Firewall, ImageBuilder, mountsUnder } from "../../packages/node/src/index.js";
import { createLogger, resolveConfig, startServer } from "../../packages/server/src/index.js";
import { caller } from "./http.js";
import { ADMIN_TOKEN } from "./server.js";
import { TestSocket } from "./ws.js";

export const docker = new Docker();

/** Builds the desktop image if this machine does not have it yet (minutes, once; then cached). */
export async function ensureDesktopImage(desktop: "xfce" | "sway" = "xfce"): Promise<string> {
  return new ImageBuilder(docker).ensureDesktop(desktop, () => {});
}

/** A node as the test suite knows it: its identity and its state dir, to clean up after it. */
export interface TestNode {
  id: string;
  stateDir: string;
}

/** The embedded node of a `strand server` that used `dataDir` (its identity is kept there). */
export function nodeOfDataDir(dataDir: string): TestNode {
  const stateDir = join(dataDir, "node");
  return { id: readFileSync(join(stateDir, "id"), "utf8").trim(), stateDir };
}

/** Removes what the embedded node of a `strand server` on `dataDir` left, if it ever started. */
export async function removeDataDirNode(dataDir: string | undefined): Promise<void> {
  if (!dataDir) return;
  let node: TestNode;
  try {
    node = nodeOfDataDir(dataDir);
  } catch {
    return;
  }
  await removeNodeObjects(node);
}

/** A real server with an embedded Docker node, bound where containers can reach it. */
export async function startSandboxServer(nodeName = `test-${hostname()}-${process.pid}`, maxSessions = 10) {
  const dataDir = mkdtempSync(join(tmpdir(), "strand-sbx-"));
  // Test nodes get ids of their own, like any Strand: the suite never touches another's objects.
  const node: TestNode = { id: nodeName, stateDir: join(dataDir, "node") };
  const config = resolveConfig(
    { STRAND_ADMIN_PASSWORD: "sandbox password", STRAND_ADMIN_TOKEN: ADMIN_TOKEN },
    { port: 0, host: "0.0.0.0", dataDir },
  );
  const log = createLogger(process.env.STRAND_TEST_LOG_LEVEL ?? "silent");
  let driver: DockerSandboxDriver | undefined;
  const server = await startServer(config, log, {
    driverFactory: async (port) =>
      (driver = await DockerSandboxDriver.open({
        docker,
        id: node.id,
        stateDir: node.stateDir,
        name: nodeName,
        maxSessions,
        serverPort: port,
        subnetPool: "10.214.0.0/16",
        // Only to prove the isolation tests fail without Strand's rules.
        firewall: process.env.STRAND_TEST_NO_FIREWALL !== "1",
        log,
      })),
  });
  if (!driver) throw new Error("the embedded node did not start");
  const started: DockerSandboxDriver = driver;
  const url = `http://127.0.0.1:${server.port}`;
  return {
    server,
    url,
    dataDir,
    node,
    driver: started,
    admin: caller(url, { token: ADMIN_TOKEN }),
    anon: caller(url),
    /** An events socket of the admin's, past its hello. */
    async watch(): Promise<TestSocket> {
      const ws = new TestSocket(`${url.replace("http", "ws")}/api/v1/events`, {
        authorization: `Bearer ${ADMIN_TOKEN}`,
      });
      await ws.next((m) => m.type === "hello");
      return ws;
    },
    async stop() {
      await server.close();
      await removeNodeObjects(node);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function exec(
  containerName: string,
  cmd: string[],
  user?: string,
): Promise<{ code: number; output: string }> {
  const c = docker.getContainer(containerName);
  const e = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await e.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on("data", (d: Buffer) => chunks.push(d));
    stream.on("end", () => resolve());
  });
  const info = await e.inspect();
  return { code: info.ExitCode ?? -1, output: demux(Buffer.concat(chunks)) };
}

/** Starts a command in the container and returns at once (for load that never ends by itself). */
export async function execDetached(containerName: string, cmd: string[]): Promise<void> {
  const e = await docker.getContainer(containerName).exec({ Cmd: cmd });
  await e.start({ Detach: true });
}

export async function dockerObjectExists(kind: "container" | "network" | "volume", name: string): Promise<boolean> {
  const obj =
    kind === "container"
      ? docker.getContainer(name)
      : kind === "network"
        ? docker.getNetwork(name)
        : docker.getVolume(name);
  try {
    await obj.inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes whatever a test node left behind (a failed test must not leak containers, mounts or
 * firewall chains): only objects labelled with its own id, and only mounts in its own state dir.
 */
export async function removeNodeObjects(node: TestNode): Promise<void> {
  const filters = { label: [`strand.node=${node.id}`] };
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => {});
  }
  for (const n of await docker.listNetworks({ filters }))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => {});
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove({ force: true })
      .catch(() => {});
  for (const mount of mountsUnder(node.stateDir)) {
    try {
      execFileSync("umount", ["--lazy", mount]);
    } catch {
      // Already gone.
    }
  }
  await new Firewall(node.id, 0, createLogger("silent")).remove().catch(() => {});
}

/**
 * The next event showing session `id` in `state`, including ones already received, or only those
 * received after the first `after` messages (a session that was ready before must be ready again).
 */
export function reaches(ws: TestSocket, id: string, state: string, ms = 120_000, after = 0) {
  return ws.next(
    (m) =>
      ws.messages.indexOf(m) >= after &&
      m.type === "event" &&
      m.event.session_id === id &&
      m.event.session.state === state,
    ms,
  );
}
