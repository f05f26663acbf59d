import { ENV_VARS, type RunningServer, resolveConfig } from "@strand/server";
import { type Command, Option } from "commander";

export function registerServer(program: Command): void {
  program
    .command("server")
    .description("Run the Strand control plane (API, WebSockets, web UI) on one port")
    .addOption(new Option("-p, --port <port>", "port to listen on").env("PORT").default("8080"))
    .addOption(new Option("--host <address>", "address to bind").env("HOST").default("0.0.0.0"))
    .addOption(
      new Option("-d, --data-dir <dir>", "embedded database and state").env("STRAND_DATA_DIR").default("./data"),
    )
    .addHelpText(
      "after",
      `\nEnvironment:\n${Object.entries(ENV_VARS)
        .map(([k, v]) => `  ${k.padEnd(24)}${v}`)
        .join("\n")}\n`,
    )
    .action(async (opts: { port: string; host: string; dataDir: string }) => {
      const config = resolveConfig(process.env, { port: opts.port, host: opts.host, dataDir: opts.dataDir });
      // Loaded here so client commands don't pay for the server's dependencies at every start.
      const { startServer } = await import("@strand/server");
      const server = await startServer(config);
      printWelcome(server);
      handleSignals(server);
    });
}

function printWelcome(server: RunningServer): void {
  const lines = [`Strand is running at ${server.url} (database: ${server.database.kind})`];
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

function handleSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    server.log.info({ signal }, "received signal; shutting down gracefully");
    const force = setTimeout(() => {
      server.log.error("shutdown took longer than 10 s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.log.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
