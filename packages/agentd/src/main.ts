import { readConfig } from "./config.js";
import { ServerConnection } from "./connection.js";

// agentd is a single bundled file inside the desktop image; it logs JSON lines to stderr,
// which `docker logs` (and so the node) can read.
const log = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), service: "strand-agentd", msg, ...extra })}\n`);

try {
  const connection = new ServerConnection(readConfig(), log);
  connection.start();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      connection.stop();
      process.exit(0);
    });
  }
} catch (err) {
  log("error", (err as Error).message);
  process.exit(2);
}
