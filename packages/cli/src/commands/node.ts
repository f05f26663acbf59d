import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { type Command, Option } from "commander";
import type { GlobalOptions } from "../context.js";

interface NodeOptions extends GlobalOptions {
  name?: string;
  maxSessions: string;
  subnetPool: string;
}

export function registerNode(program: Command): void {
  program
    .command("node")
    .description("Run a standalone sandbox node: drive this host's Docker Engine for a Strand server")
    .addOption(new Option("--name <name>", "node name (default: host name)").env("STRAND_NODE_NAME"))
    .addOption(
      new Option("--max-sessions <n>", "sessions this node runs at once").env("STRAND_MAX_SESSIONS").default("40"),
    )
    .addOption(
      new Option("--subnet-pool <cidr>", "a.b.0.0/16 pool for session networks")
        .env("STRAND_SUBNET_POOL")
        .default("10.213.0.0/16"),
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
      const [{ DockerSandboxDriver, NodeLinkClient }, { default: Docker }, { createLogger }] = await Promise.all([
        import("@strand/node"),
        import("dockerode"),
        import("@strand/server"),
      ]);
      const docker = new Docker();
      try {
        await docker.ping();
      } catch (err) {
        throw new Error(`no Docker Engine answers on this host (${(err as Error).message}); start dockerd first`);
      }
      const log = createLogger(process.env.LOG_LEVEL ?? "info").child({ component: "node" });
      const driver = new DockerSandboxDriver({
        docker,
        name: o.name ?? hostname(),
        maxSessions: Number(o.maxSessions),
        serverPort: port,
        remoteServer: { url: url.origin, ip: address },
        subnetPool: o.subnetPool,
        log,
      });
      const link = new NodeLinkClient({ serverUrl: url.origin, token, driver, log });
      link.start();
      process.stderr.write(`Sandbox node ${driver.name} dialling ${url.origin} (max ${driver.maxSessions} sessions)\n`);
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.on(signal, () => {
          // Desktops stay up: a restarted node adopts them.
          link.stop();
          process.exit(0);
        });
      }
    });
}
