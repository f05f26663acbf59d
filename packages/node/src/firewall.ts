import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import type { EgressPolicy } from "@strand/protocol";
import type { Logger } from "pino";

const exec = promisify(execFile);

/** Every session bridge is named `st-…`. */
export const BRIDGE_PREFIX = "st-";
/** The chains of Strand versions before node ids: one pair for every Strand on the host. */
export const LEGACY_CHAINS = { forward: "STRAND-FWD", input: "STRAND-IN" } as const;

/** Destinations no session reaches through the host: private ranges, other sessions, link-local metadata. */
const BLOCKED_DESTINATIONS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

export interface SessionNetwork {
  bridge: string;
  egress: EgressPolicy;
}

/** The names of one node's chains; iptables allows 28 characters, so the node id goes in hashed. */
export function chainsFor(nodeId: string) {
  const tag = createHash("sha256").update(nodeId).digest("hex").slice(0, 8);
  return {
    /** Hung from DOCKER-USER: one jump per bridge of this node, to the policy of its egress. */
    forward: `STRAND-F-${tag}`,
    /** Hung from INPUT: one jump per bridge of this node, to the host policy. */
    input: `STRAND-I-${tag}`,
    allowEgress: `STRAND-FA-${tag}`,
    denyEgress: `STRAND-FD-${tag}`,
    host: `STRAND-IH-${tag}`,
  };
}

/**
 * One node's own iptables chains, hung from DOCKER-USER (forwarded traffic) and INPUT (traffic to
 * the host). Every rule names one of this node's bridges, so the chains of two Strands on one host
 * never act on each other's sessions; Docker's chains are never edited. The chains are rewritten
 * whole and atomically with `iptables-restore --noflush`, so there is never a moment without rules.
 */
export class Firewall {
  readonly chains: ReturnType<typeof chainsFor>;

  constructor(
    nodeId: string,
    private readonly serverPort: number,
    private readonly log: Logger,
    /** A server on another host: sessions may reach exactly that address and port. */
    private readonly remoteServer?: { ip: string; port: number },
  ) {
    this.chains = chainsFor(nodeId);
  }

  /**
   * Rewrites this node's chains for its session networks and makes sure they are hooked in. With
   * no networks left the chains go too: a node that runs nothing leaves nothing in the tables.
   */
  async apply(networks: readonly SessionNetwork[]): Promise<void> {
    if (networks.length === 0) {
      await this.remove();
      return;
    }
    const c = this.chains;
    const blocked = BLOCKED_DESTINATIONS.map((d) => `-d ${d} -j DROP`);
    const lines = [
      "*filter",
      ...Object.values(c).map((chain) => `:${chain} - [0:0]`),
      // Forwarded traffic leaving a session: replies pass; its own bridge (bridged traffic is
      // filtered too when br_netfilter is on) passes; private ranges (other sessions, the LAN,
      // metadata) never; the internet only when the session's egress policy allows it.
      ...networks.flatMap((n) => [
        `-A ${c.forward} -i ${n.bridge} -o ${n.bridge} -j RETURN`,
        `-A ${c.forward} -i ${n.bridge} -j ${n.egress === "deny" ? c.denyEgress : c.allowEgress}`,
      ]),
      `-A ${c.forward} -j RETURN`,
      ...[c.allowEgress, c.denyEgress].flatMap((chain) => [
        `-A ${chain} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
        ...(this.remoteServer
          ? [`-A ${chain} -d ${this.remoteServer.ip}/32 -p tcp --dport ${this.remoteServer.port} -j RETURN`]
          : []),
        ...blocked.map((rule) => `-A ${chain} ${rule}`),
        `-A ${chain} -j ${chain === c.denyEgress ? "DROP" : "RETURN"}`,
      ]),
      // Traffic from a session to the host itself: only this node's Strand server port.
      ...networks.map((n) => `-A ${c.input} -i ${n.bridge} -j ${c.host}`),
      `-A ${c.input} -j RETURN`,
      `-A ${c.host} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A ${c.host} -p tcp --dport ${this.serverPort} -j ACCEPT`,
      `-A ${c.host} -j DROP`,
      "COMMIT",
      "",
    ];
    await restore(lines.join("\n"));
    await ensureJump("DOCKER-USER", c.forward);
    await ensureJump("INPUT", c.input);
    this.log.debug({ sessions: networks.length, chains: [c.forward, c.input] }, "firewall rules applied");
  }

  /** Unhooks and deletes this node's chains; other nodes' chains are left as they are. */
  async remove(): Promise<void> {
    const c = this.chains;
    await unhook("DOCKER-USER", c.forward);
    await unhook("INPUT", c.input);
    // Main chains first: they jump to the others, and a chain still referenced cannot be deleted.
    for (const chain of [c.forward, c.input, c.allowEgress, c.denyEgress, c.host]) await dropChain(chain);
  }

  /**
   * Deletes the chains of Strand versions before node ids. Only a node that took over such a
   * version's identity calls this: those chains matched every `st-` bridge on the host, with that
   * version's server port, and would now refuse this node's sessions their server.
   */
  async removeLegacyChains(): Promise<void> {
    await unhook("DOCKER-USER", LEGACY_CHAINS.forward);
    await unhook("INPUT", LEGACY_CHAINS.input);
    for (const chain of Object.values(LEGACY_CHAINS)) await dropChain(chain);
  }
}

/** Bridge name for a session's network: Linux allows 15 characters. */
export function bridgeName(sessionId: string): string {
  return `${BRIDGE_PREFIX}${sessionId.replace(/^ses_/, "").slice(0, 12)}`;
}

/** The iptables chains that exist now (`iptables -S` lists `-N <chain>` for each user chain). */
export async function listChains(): Promise<string[]> {
  const { stdout } = await exec("iptables", ["-w", "5", "-S"]);
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("-N "))
    .map((l) => l.slice(3).trim());
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

/** Removes every jump from `from` to `chain` (a crash between two inserts can leave two). */
async function unhook(from: string, chain: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    try {
      await iptables(["-D", from, "-j", chain]);
    } catch {
      return;
    }
  }
}

async function dropChain(chain: string): Promise<void> {
  await iptables(["-F", chain]).catch(() => {});
  await iptables(["-X", chain]).catch(() => {});
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
