import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { type Command, Option } from "commander";
import type { GlobalOptions } from "../context.js";
import { addNodeOptions } from "../node-options.js";

interface NodeOptions extends GlobalOptions {
  name?: string;
  stateDir: string;
  maxSessions: string;
  subnetPool: string;
  streamEncoder?: string;
}

export function registerNode(program: Command): void {
  const node = program
    .command("node")
    .description("Run a standalone sandbox node: drive this host's Docker Engine for a Strand server");
  addNodeOptions(node, "--name")
    .addOption(
      new Option("--state-dir <dir>", "where the node keeps its identity, session disks and agentd files")
        .env("STRAND_NODE_STATE_DIR")
        .default("/var/lib/strand-node"),
    )
    .addHelpText(
      "after",
      "\nNeeds --server URL (or STRAND_URL) and --token T (or STRAND_TOKEN): an admin's API token.\n" +
        "The node dials out to the server, so this host may sit behind NAT; desktops keep running\n" +
        "while the link is down, and the node redials by itself.",
    )
    .action(async (_o: NodeOptions, cmd: Command) => {
      const o = cmd.optsWithGlobals<NodeOptions>();
      const serverUrl = o.server ?? process.env.STRAND_URL;
      const token = o.token ?? process.env.STRAND_TOKEN;
      if (!serverUrl || !token) throw new Error("strand node needs --server URL and --token T (an admin's API token)");
      const url = new URL(serverUrl);
      const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
      const { address } = await lookup(url.hostname, { family: 4 });
      const [{ DockerSandboxDriver, LABELS, loadNodeIdentity, NodeLinkClient }, { default: Docker }, { createLogger }] =
        await Promise.all([import("@strand/node"), import("dockerode"), import("@strand/server")]);
      const docker = new Docker();
      try {
        await docker.ping();
      } catch (err) {
        throw new Error(`no Docker Engine answers on this host (${(err as Error).message}); start dockerd first`);
      }
      const log = createLogger(process.env.LOG_LEVEL ?? "info").child({ component: "node" });
      const name = o.name ?? hostname();
      // Nodes of versions before node ids labelled their objects with their name: a node upgraded
      // in place finds its desktops under that label and keeps it as its id.
      const identity = await loadNodeIdentity(o.stateDir, async () => {
        const filters = { label: [`${LABELS.managed}=true`, `${LABELS.node}=${name}`] };
        return (await docker.listContainers({ all: true, filters })).length > 0 ? name : undefined;
      });
      const driver = await DockerSandboxDriver.open({
        docker,
        id: identity.id,
        name,
        stateDir: o.stateDir,
        legacyIdentity: identity.id === name,
        maxSessions: Number(o.maxSessions),
        serverPort: port,
        remoteServer: { url: url.origin, ip: address },
        subnetPool: o.subnetPool,
        streamEncoder: o.streamEncoder,
        log,
      });
      const link = new NodeLinkClient({ serverUrl: url.origin, token, driver, log });
      link.start();
      process.stderr.write(
        `Sandbox node ${driver.name} (id ${driver.id}) dialling ${url.origin} (max ${driver.maxSessions} sessions)\n`,
      );
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.on(signal, () => {
          // Desktops stay up: a restarted node adopts them.
          link.stop();
          process.exit(0);
        });
      }
    });
}
