import { StrandApiError, StrandConnectionError } from "@strand/sdk";
import { Command, CommanderError } from "commander";
import { registerImages } from "./commands/images.js";
import { registerLogin } from "./commands/login.js";
import { registerNode } from "./commands/node.js";
import { registerProjects } from "./commands/projects.js";
import { registerProviders } from "./commands/providers.js";
import { registerSearch } from "./commands/search.js";
import { registerServer } from "./commands/server.js";
import { registerSessions } from "./commands/sessions.js";
import { registerTasks } from "./commands/tasks.js";
import { registerTeams } from "./commands/teams.js";
import { registerTokens } from "./commands/tokens.js";

export function buildProgram(): Command {
  const program = new Command("strand")
    .description("Strand: AI coding agents in isolated desktops you can watch and steer")
    .option("--server <url>", "server URL (env STRAND_URL; default: saved login, then http://localhost:8080)")
    .option("--token <token>", "API token (env STRAND_TOKEN; default: saved login)")
    .option("--json", "print machine-readable JSON")
    .showHelpAfterError()
    .exitOverride();
  registerServer(program);
  registerLogin(program);
  registerSessions(program);
  registerProviders(program);
  registerTokens(program);
  registerTeams(program);
  registerProjects(program);
  registerTasks(program);
  registerSearch(program);
  registerImages(program);
  registerNode(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `strand sessions list | head` closes our stdout early; that is the reader's choice, not a crash.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, argv.includes("--json"));
  }
}

function reportError(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof StrandApiError) {
    if (json) process.stdout.write(`${JSON.stringify(err.body, null, 2)}\n`);
    else {
      process.stderr.write(`error: ${err.message}\n`);
      if (err.status === 401) process.stderr.write("hint: run `strand login` or pass --token\n");
    }
    return 1;
  }
  if (err instanceof StrandConnectionError) {
    process.stderr.write(
      `error: ${err.message}\nhint: is \`strand server\` running? pass --server to point elsewhere\n`,
    );
    return 1;
  }
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
