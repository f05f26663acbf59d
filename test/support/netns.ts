import { type ChildProcess, execFileSync, spawn } from "node:child_process";

/**
 * A stand-in for "the internet" and for other networks: a network namespace of our own with a
 * veth to the host, holding a public-looking test address (TEST-NET-2), a private one and the
 * metadata address, each answering on a TCP port. Nothing leaves this machine.
 */
export const PUBLIC_ADDR = "198.51.100.2";
export const PRIVATE_ADDR = "10.99.0.1";
export const METADATA_ADDR = "169.254.169.254";
export const NETNS_PORT = 8080;

const NS = "strand-test-net";
const HOST_IF = "stn-h";
const NS_IF = "stn-n";

export interface TestNet {
  stop(): void;
}

export function startTestNet(): TestNet {
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
  teardown();
  ip("netns", "add", NS);
  ip("link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF);
  ip("link", "set", NS_IF, "netns", NS);
  ip("addr", "add", "198.51.100.1/24", "dev", HOST_IF);
  ip("link", "set", HOST_IF, "up");
  const inNs = (...args: string[]) => ip("netns", "exec", NS, "ip", ...args);
  inNs("addr", "add", `${PUBLIC_ADDR}/24`, "dev", NS_IF);
  inNs("addr", "add", `${PRIVATE_ADDR}/32`, "dev", NS_IF);
  inNs("addr", "add", `${METADATA_ADDR}/32`, "dev", NS_IF);
  inNs("link", "set", NS_IF, "up");
  inNs("link", "set", "lo", "up");
  inNs("route", "add", "default", "via", "198.51.100.1");
  ip("route", "add", `${PRIVATE_ADDR}/32`, "via", PUBLIC_ADDR);
  ip("route", "add", `${METADATA_ADDR}/32`, "via", PUBLIC_ADDR);
  const server: ChildProcess = spawn(
    "ip",
    [
      "netns",
      "exec",
      NS,
      process.execPath,
      "-e",
      `require("net").createServer((s) => { s.on("error", () => {}); s.end("hi"); }).listen(${NETNS_PORT})`,
    ],
    { stdio: "ignore" },
  );
  return {
    stop() {
      server.kill("SIGKILL");
      teardown();
    },
  };
}

function teardown(): void {
  const quiet = (...args: string[]) => {
    try {
      execFileSync("ip", args, { stdio: "pipe" });
    } catch {
      // Not there: nothing to remove.
    }
  };
  quiet("route", "del", `${PRIVATE_ADDR}/32`);
  quiet("route", "del", `${METADATA_ADDR}/32`);
  quiet("link", "del", HOST_IF);
  quiet("netns", "del", NS);
}
