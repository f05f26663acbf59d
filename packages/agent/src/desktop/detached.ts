import { spawn } from "node:child_process";
import type { Log } from "../log.js";

/**
 * Starts a desktop program without waiting for it or tying it to the agent: its own process group,
 * no stdio, unref'd. Resolves with the pid, or undefined when it could not start (logged by the caller).
 */
export function spawnDetached(argv: string[], log: Log, what: string): Promise<number | undefined> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { detached: true, stdio: "ignore" });
      child.once("error", (err) => {
        log("warn", `cannot start ${what}`, { command: argv.join(" "), error: err.message });
        resolve(undefined);
      });
      child.once("spawn", () => resolve(child.pid));
      child.unref();
    } catch (err) {
      log("warn", `cannot start ${what}`, { command: argv.join(" "), error: (err as Error).message });
      resolve(undefined);
    }
  });
}
