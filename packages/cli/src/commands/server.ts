import { hostname } from "node:os";
import { join } from "node:path";
import type { SandboxDriver } from "@strand/protocol";
import type { EmbeddedNodeEnv, RunningServer } from "@strand/server";
import { ENV_VARS, resolveConfig } from "@strand/server/config";
import { type Command, Option } from "commander";
import { addNodeOptions } from "../node-options.js";

export function registerServer(program: Command): void {
  const server = program
    .command("server")
    .description("Run the Strand control plane (API, WebSockets, web UI) on one port")
    .addOption(new Option("-p, --port <port>", "port to listen on").env("PORT").default("8080"))
    .addOption(new Option("--host <address>", "address to bind").env("HOST").default("0.0.0.0"))
    .addOption(
      new Option("-d, --data-dir <dir>", "embedded database and state").env("STRAND_DATA_DIR").default("./data"),
    )
    .option("--no-node", "do not run a sandbox node in this process even if Docker is available");
  addNodeOptions(server, "--node-name")
    .addHelpText(
      "after",
      `\nEnvironment:\n${Object.entries(ENV_VARS)
        .map(([k, v]) => `  ${k.padEnd(24)}${v}`)
        .join("\n")}\n`,
    )
    .action(async (opts: ServerOptions) => {
      // Signals are handled from the first moment: one arriving during start-up shuts down cleanly
      // once the server is up, instead of killing it half-way (e.g. with the embedded DB lock held).
      const shutdown = handleSignals();
      const config = resolveConfig(process.env, { port: opts.port, host: opts.host, dataDir: opts.dataDir });
      // Loaded here so client commands don't pay for the server's dependencies at every start.
      const { startServer } = await import("@strand/server");
      const server = await startServer(config, undefined, {
        driverFactory: opts.node ? (port, env) => embeddedNode(port, config.dataDir, env, opts) : undefined,
      });
      printWelcome(server);
      shutdown.attach(server);
    });
}

interface ServerOptions {
  port: string;
  host: string;
  dataDir: string;
  node: boolean;
  maxSessions: string;
  subnetPool: string;
  streamEncoder?: string;
  nodeName?: string;
}

/** A sandbox node in this process when the local Docker Engine answers; otherwise none. */
async function embeddedNode(
  port: number,
  dataDir: string,
  env: EmbeddedNodeEnv,
  opts: ServerOptions,
): Promise<SandboxDriver | undefined> {
  const { DockerSandboxDriver, loadNodeIdentity } = await import("@strand/node");
  const { default: Docker } = await import("dockerode");
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (err) {
    process.stderr.write(
      `No Docker Engine answers (${(err as Error).message}); sessions will wait for a sandbox node.\n`,
    );
    return undefined;
  }
  const { createLogger } = await import("@strand/server");
  const name = opts.nodeName ?? hostname();
  // The node's identity belongs to this data dir, never to the host: an installed Strand and the
  // test suite on one Docker Engine each see only their own desktops.
  const stateDir = join(dataDir, "node");
  const identity = await loadNodeIdentity(stateDir, async () => ((await env.legacyNodeInUse(name)) ? name : undefined));
  return DockerSandboxDriver.open({
    docker,
    id: identity.id,
    name,
    stateDir,
    legacyIdentity: identity.id === name,
    maxSessions: Number(opts.maxSessions),
    serverPort: port,
    subnetPool: opts.subnetPool,
    streamEncoder: opts.streamEncoder,
    log: createLogger(process.env.LOG_LEVEL ?? "info").child({ component: "node" }),
  });
}

function printWelcome(server: RunningServer): void {
  const node = server.node ? `, sandbox node: ${server.node.name} (id ${server.node.id})` : ", no sandbox node";
  const lines = [`Strand is running at ${server.url} (database: ${server.database.kind}${node})`];
  const b = server.bootstrap;
  if (b) {
    lines.push("", "First start: created the admin account.", `  email:    ${b.email}`);
    lines.push(
      b.generatedPassword
        ? `  password: ${b.generatedPassword}   (shown only now; keep it somewhere safe)`
        : "  password: the value of STRAND_ADMIN_PASSWORD",
    );
    if (b.tokenSeeded) lines.push("  API token: the value of STRAND_ADMIN_TOKEN");
    lines.push("", `Log in from a terminal: strand login --server ${server.url} --email ${b.email}`);
  }
  lines.push(`API docs: ${server.url}/api/v1/docs`);
  // The welcome goes to stderr: stdout carries the JSON log lines.
  process.stderr.write(`${lines.join("\n")}\n`);
}

function handleSignals(): { attach(server: RunningServer): void } {
  let server: RunningServer | undefined;
  let requested: NodeJS.Signals | undefined;
  const shutDown = (srv: RunningServer, signal: NodeJS.Signals) => {
    srv.log.info({ signal }, "received signal; shutting down gracefully");
    const force = setTimeout(() => {
      srv.log.error("shutdown took longer than 10 s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    srv.close().then(
      () => process.exit(0),
      (err: unknown) => {
        srv.log.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) {
      process.stderr.write(`second ${signal}: exiting now\n`);
      process.exit(1);
    }
    requested = signal;
    if (server) shutDown(server, signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return {
    attach(srv) {
      server = srv;
      if (requested) shutDown(srv, requested);
    },
  };
}
