import { BlockList, isIP } from "node:net";

/**
 * Which addresses a provider's base URL may reach. Strand calls providers from the server, so a
 * base URL is a way to make the server open connections: public addresses are fine, the host
 * itself and link-local (cloud metadata) addresses never are, and loopback and private ranges
 * only when the operator allows them (STRAND_PROVIDER_PRIVATE_NETWORKS). Pure: no DNS, no I/O,
 * so config.ts can validate the setting at start-up.
 */

/** The non-public ranges an operator may allow by name. */
export type NetworkGroup = "loopback" | "private";

interface Range {
  cidr: string;
  /** What the range is, completing "<address> is in <cidr>, …". */
  what: string;
  list: BlockList;
  prefix: number;
}

function range(cidr: string, what: string): Range {
  const { address, prefix } = splitCidr(cidr) as { address: string; prefix: number };
  const list = new BlockList();
  list.addSubnet(address, prefix, isIP(address) === 4 ? "ipv4" : "ipv6");
  return { cidr, what, list, prefix };
}

/**
 * Refused whatever the setting. Node's BlockList also matches IPv4-mapped IPv6 forms
 * (`::ffff:169.254.169.254`, `::ffff:a9fe:a9fe`) against the IPv4 ranges.
 */
const ALWAYS_REFUSED: readonly Range[] = [
  range("169.254.0.0/16", "the link-local range cloud metadata services answer on"),
  range("fe80::/10", "the IPv6 link-local range"),
  range("fd00:ec2::254/128", "the AWS metadata service's IPv6 address"),
  range("0.0.0.0/8", "the unspecified range, which reaches the server's own host"),
  range("::/128", "the unspecified IPv6 address, which reaches the server's own host"),
];

const GROUPS: Readonly<Record<NetworkGroup, readonly Range[]>> = {
  loopback: [range("127.0.0.0/8", "the loopback range"), range("::1/128", "the IPv6 loopback address")],
  private: [
    range("10.0.0.0/8", "a private range (RFC 1918)"),
    range("172.16.0.0/12", "a private range (RFC 1918)"),
    range("192.168.0.0/16", "a private range (RFC 1918)"),
    range("100.64.0.0/10", "the carrier-grade NAT range (RFC 6598)"),
    range("fc00::/7", "the IPv6 unique local range (RFC 4193)"),
  ],
};

export type AddressClass =
  | { kind: "public" }
  | { kind: "always_refused"; range: string; what: string }
  | { kind: NetworkGroup; range: string; what: string };

/** Where an IP address (v4, v6, or v4-mapped v6) falls. Throws for anything that is not an IP. */
export function classifyAddress(address: string): AddressClass {
  const ip = address.replace(/%.*$/, ""); // an IPv6 zone (fe80::1%eth0) names an interface, not an address
  const type = ipType(ip);
  const hit = (ranges: readonly Range[]) => ranges.find((r) => r.list.check(ip, type));
  const always = hit(ALWAYS_REFUSED);
  if (always) return { kind: "always_refused", range: always.cidr, what: always.what };
  for (const group of ["loopback", "private"] as const) {
    const r = hit(GROUPS[group]);
    if (r) return { kind: group, range: r.cidr, what: r.what };
  }
  return { kind: "public" };
}

export const SETTING = "STRAND_PROVIDER_PRIVATE_NETWORKS";
export const ACCEPTED_FORMS =
  "loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), none, or CIDRs such as 10.1.0.0/16 or fd12:3456::/48, comma-separated";

export class NetworkPolicyError extends Error {
  override name = "NetworkPolicyError";
}

/** Which non-public addresses providers may reach, parsed from STRAND_PROVIDER_PRIVATE_NETWORKS. */
export interface NetworkPolicy {
  /** The setting as given, for messages. */
  readonly setting: string;
  readonly groups: ReadonlySet<NetworkGroup>;
  readonly cidrs: BlockList;
}

/**
 * Parses the setting's entries: `loopback`, `private`, `none` (alone), CIDRs, or single
 * addresses. Throws NetworkPolicyError naming the bad entry and the accepted forms.
 */
export function parseNetworkPolicy(entries: readonly string[]): NetworkPolicy {
  const groups = new Set<NetworkGroup>();
  const cidrs = new BlockList();
  const bad = (entry: string, why: string) =>
    new NetworkPolicyError(`${JSON.stringify(entry)} ${why}. Accepted: ${ACCEPTED_FORMS}.`);
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === "loopback" || entry === "private") {
      groups.add(entry);
      continue;
    }
    if (entry === "none") {
      if (entries.length > 1) throw bad(raw, "must stand alone: it allows no non-public range");
      continue;
    }
    const cidr = splitCidr(entry);
    if (!cidr) throw bad(raw, "is not a range name, a CIDR or an IP address");
    const type = ipType(cidr.address);
    const max = type === "ipv4" ? 32 : 128;
    if (!(cidr.prefix >= 0 && cidr.prefix <= max)) throw bad(raw, `has a prefix length outside 0-${max}`);
    const inside = ALWAYS_REFUSED.find((r) => cidr.prefix >= r.prefix && r.list.check(cidr.address, type));
    if (inside) {
      throw bad(raw, `lies in ${inside.cidr}, ${inside.what}, which providers may never reach`);
    }
    cidrs.addSubnet(cidr.address, cidr.prefix, type);
  }
  return { setting: entries.join(","), groups, cidrs };
}

export type Verdict = { allowed: true; nonPublic: boolean } | { allowed: false; reason: string };

/** Whether a provider may be reached at `address` under `policy`, and if not, why and how to allow it. */
export function judgeAddress(policy: NetworkPolicy, address: string): Verdict {
  const c = classifyAddress(address);
  if (c.kind === "public") return { allowed: true, nonPublic: false };
  if (c.kind === "always_refused") {
    return {
      allowed: false,
      reason: `${address} is in ${c.range}, ${c.what}, which Strand never lets a provider reach`,
    };
  }
  if (policy.groups.has(c.kind) || policy.cidrs.check(address.replace(/%.*$/, ""), ipType(address))) {
    return { allowed: true, nonPublic: true };
  }
  const single = `${address}/${ipType(address) === "ipv4" ? 32 : 128}`;
  return {
    allowed: false,
    reason:
      `${address} is in ${c.range}, ${c.what}, which ${SETTING}=${policy.setting || "none"} does not allow; ` +
      `an admin can allow it by adding ${c.kind} or a CIDR such as ${single} to ${SETTING} and restarting Strand`,
  };
}

function ipType(address: string): "ipv4" | "ipv6" {
  const v = isIP(address.replace(/%.*$/, ""));
  if (v === 0) throw new Error(`${JSON.stringify(address)} is not an IP address`);
  return v === 4 ? "ipv4" : "ipv6";
}

/** `10.0.0.0/8` or a bare address (its own /32 or /128); undefined when it is neither. */
function splitCidr(s: string): { address: string; prefix: number } | undefined {
  const [address = "", prefix, ...rest] = s.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  if (prefix === undefined) return { address, prefix: version === 4 ? 32 : 128 };
  if (!/^\d{1,3}$/.test(prefix)) return undefined;
  return { address, prefix: Number(prefix) };
}
