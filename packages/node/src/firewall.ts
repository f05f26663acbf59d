import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { EgressPolicy } from "@strand/protocol";
import type { Logger } from "pino";

const exec = promisify(execFile);

export const CHAIN_FORWARD = "STRAND-FWD";
export const CHAIN_INPUT = "STRAND-IN";
/** Every session bridge is named `st-…`, so one wildcard rule covers them all. */
export const BRIDGE_PREFIX = "st-";

/** Destinations no session reaches through the host: private ranges, other sessions, link-local metadata. */
const BLOCKED_DESTINATIONS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

export interface SessionNetwork {
  bridge: string;
  egress: EgressPolicy;
}

/**
 * Strand's own iptables chains, hung from DOCKER-USER (forwarded traffic) and INPUT (traffic to
 * the host). Docker's chains are never edited. The chains are rewritten whole and atomically with
 * `iptables-restore --noflush`, so there is never a moment without rules.
 */
export class Firewall {
  constructor(
    private readonly serverPort: number,
    private readonly log: Logger,
    /** A server on another host: sessions may reach exactly that address and port. */
    private readonly remoteServer?: { ip: string; port: number },
  ) {}

  /** Rewrites both chains for the given session networks and makes sure they are hooked in. */
  async apply(networks: readonly SessionNetwork[]): Promise<void> {
    const any = `${BRIDGE_PREFIX}+`;
    const lines = [
      "*filter",
      `:${CHAIN_FORWARD} - [0:0]`,
      `:${CHAIN_INPUT} - [0:0]`,
      // Forwarded traffic leaving a session: replies pass; private ranges (other sessions, the LAN,
      // metadata) never; the internet only when the session's egress policy allows it.
      `-A ${CHAIN_FORWARD} -i ${any} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
      // Within one session's own bridge (bridged traffic is filtered too when br_netfilter is on).
      ...networks.map((n) => `-A ${CHAIN_FORWARD} -i ${n.bridge} -o ${n.bridge} -j RETURN`),
      ...(this.remoteServer
        ? [
            `-A ${CHAIN_FORWARD} -i ${any} -d ${this.remoteServer.ip}/32 -p tcp --dport ${this.remoteServer.port} -j RETURN`,
          ]
        : []),
      ...BLOCKED_DESTINATIONS.map((d) => `-A ${CHAIN_FORWARD} -i ${any} -d ${d} -j DROP`),
      ...networks.filter((n) => n.egress === "deny").map((n) => `-A ${CHAIN_FORWARD} -i ${n.bridge} -j DROP`),
      `-A ${CHAIN_FORWARD} -j RETURN`,
      // Traffic from a session to the host itself: only the Strand server port.
      `-A ${CHAIN_INPUT} -i ${any} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A ${CHAIN_INPUT} -i ${any} -p tcp --dport ${this.serverPort} -j ACCEPT`,
      `-A ${CHAIN_INPUT} -i ${any} -j DROP`,
      `-A ${CHAIN_INPUT} -j RETURN`,
      "COMMIT",
      "",
    ];
    await restore(lines.join("\n"));
    await ensureJump("DOCKER-USER", CHAIN_FORWARD);
    await ensureJump("INPUT", CHAIN_INPUT);
    this.log.debug({ sessions: networks.length }, "firewall rules applied");
  }

  /** Unhooks and deletes Strand's chains (for uninstalling; sessions lose their isolation). */
  async remove(): Promise<void> {
    for (const [from, chain] of [
      ["DOCKER-USER", CHAIN_FORWARD],
      ["INPUT", CHAIN_INPUT],
    ] as const) {
      await iptables(["-D", from, "-j", chain]).catch(() => {});
      await iptables(["-F", chain]).catch(() => {});
      await iptables(["-X", chain]).catch(() => {});
    }
  }
}

/** Bridge name for a session's network: Linux allows 15 characters. */
export function bridgeName(sessionId: string): string {
  return `${BRIDGE_PREFIX}${sessionId.replace(/^ses_/, "").slice(0, 12)}`;
}

async function iptables(args: string[]): Promise<void> {
  await exec("iptables", ["-w", "5", ...args]);
}

async function ensureJump(from: string, chain: string): Promise<void> {
  try {
    await iptables(["-C", from, "-j", chain]);
  } catch {
    await iptables(["-I", from, "1", "-j", chain]);
  }
}

function restore(rules: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile("iptables-restore", ["-w", "5", "--noflush"], (err, _out, stderr) => {
      if (err) {
        reject(
          new Error(
            `could not apply Strand's firewall rules (${stderr.trim() || err.message}); the node needs root and iptables`,
          ),
        );
      } else resolve();
    });
    child.stdin?.end(rules);
  });
}
