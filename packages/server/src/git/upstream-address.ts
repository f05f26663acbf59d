import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { classifyAddress } from "../providers/network-policy.js";

/** All addresses of a name; tests replace it. */
export type Resolve = (hostname: string) => Promise<{ address: string }[]>;

const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true });

/** The host part of an upstream or API URL: URL syntax, or git's scp-like `[user@]host:path`. */
export function upstreamHostname(url: string): string | undefined {
  const raw = url.trim();
  if (raw.includes("://")) {
    try {
      return new URL(raw).hostname.replace(/^\[(.*)\]$/, "$1") || undefined;
    } catch {
      return undefined;
    }
  }
  const colon = raw.indexOf(":");
  return colon > 0 ? raw.slice(0, colon).replace(/^[^@]*@/, "") : undefined;
}

/**
 * Why the server must not connect to this URL's host, or undefined. Upstreams and hosts' APIs are
 * reached from the server, so a URL someone types is a way to make it open connections. Loopback
 * and private networks stay allowed (a Gitea beside Strand, a git server on the same host), but
 * link-local addresses, where cloud metadata services answer with the machine's credentials, and
 * the unspecified address never are. A name that does not resolve is let through: git or fetch
 * then fails on it with their own, clearer, error.
 */
export async function refusedAddress(url: string, resolve: Resolve = systemResolve): Promise<string | undefined> {
  const host = upstreamHostname(url);
  if (!host) return undefined;
  let addresses: { address: string }[];
  if (isIP(host)) addresses = [{ address: host }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      return undefined;
    }
  }
  for (const { address } of addresses) {
    const c = classifyAddress(address);
    if (c.kind === "always_refused") {
      const via = address === host ? "" : `${host} resolves to ${address}, which `;
      return `${via || `${address} `}is in ${c.range}, ${c.what}; Strand never connects there`;
    }
  }
  return undefined;
}
